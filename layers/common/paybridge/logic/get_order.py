"""GET /orders/{order_id}: Juspay's verified status with the order's wallet settlement state."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from paybridge.dal.orders import OrderRecord, OrdersRepository
from paybridge.juspay.client import JuspayClient
from paybridge.models.juspay import Order
from paybridge.models.money import format_major, to_minor
from paybridge.models.validation import require_id


def get_order(
    order_id: str, *, juspay: JuspayClient, orders: OrdersRepository, customer_id: str | None = None
) -> dict[str, Any]:
    """Asks Juspay (the truth for the payment) and reads our settlement record (the truth for the wallet).

    The record is read first: it names the order's customer, Juspay's routing id for the call. Before any
    record exists (no webhook or signing seen yet) the caller's ``customer_id`` routes it; without either,
    the order is routed as a guest's (by its order id).
    """
    order_id = require_id("order_id", order_id)
    record = orders.get(order_id)
    known = record.routing_customer_id if record is not None else None
    order = juspay.get_order_status(order_id, customer_id=known or customer_id)
    return {"order": order_view(order), "settlement": settlement_view(record) if record else None}


def order_view(order: Order) -> dict[str, Any]:
    """The merchant API's view of a Juspay order: ids, status, amounts, transactions; no contact data."""
    currency = order.currency or "INR"
    return {
        "order_id": order.order_id,
        "status": order.status,
        "customer_id": order.customer_id,
        "currency": order.currency,
        "amount": format_major(order.amount_minor, currency) if order.amount_minor is not None else None,
        "transactions": [
            {
                "txn_id": t.txn_id,
                "status": t.status,
                "payment_method_type": t.payment_method_type,
                "payment_method": t.payment_method,
                "amount": _money(t.txn_amount, currency),
            }
            for t in order.transactions()
        ],
        "refunds": [
            {
                "unique_request_id": r.unique_request_id,
                "status": r.status,
                "amount": _money(r.amount, currency),
            }
            for r in order.refunds
        ],
    }


def _money(amount: Decimal | None, currency: str) -> str | None:
    # Always the currency's full precision ("1500.50", never "1500.5" or "5"), as every answer writes money.
    return None if amount is None else format_major(to_minor(amount, currency, strict=False), currency)


def settlement_view(record: OrderRecord) -> dict[str, Any]:
    """The wallet settlement state of the order (amounts as major-unit strings)."""
    currency = record.currency or "INR"

    def money(minor: int | None) -> str | None:
        return format_major(minor, currency) if minor is not None else None

    return {
        "status": str(record.status),
        "wallet_amount": money(record.wallet_minor),
        "online_amount": money(record.online_minor),
        "wallet_txn_id": record.wallet_txn_id,
        "online_txn_id": record.online_txn_id,
        "reason": record.reason,
        "settled_at": record.settled_at,
        "cancelled_at": record.cancelled_at,
        "updated_at": record.updated_at,
    }
