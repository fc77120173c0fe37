"""POST /orders/{order_id}/refunds: a merchant's refund, through the refund function's idempotent path."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any, Protocol

from paybridge.dal.orders import OrderRecord
from paybridge.logic.issue_refund import RefundDependencies, request_refund
from paybridge.models.order_api import RefundOrderRequest
from paybridge.models.validation import require_id


class OrderReader(Protocol):
    """Reads an order's record (``OrdersRepository`` satisfies it): its customer routes the Juspay calls."""

    def get(self, order_id: str) -> OrderRecord | None: ...


def refund_order(
    order_id: str, request: RefundOrderRequest, deps: RefundDependencies, *, orders: OrderReader
) -> tuple[int, dict[str, Any]]:
    """Requests the refund: 201 when new, 200 when the same ``idempotency_key`` asks again (same refund).

    Reusing a key for another amount, currency or transaction is a 409; the refund id sent to Juspay is
    derived and stored before the call, exactly as for refunds the system starts itself.
    """
    order_id = require_id("order_id", order_id)
    record = orders.get(order_id)
    outcome = request_refund(
        order_id=order_id,
        amount=request.amount,
        idempotency_key=request.idempotency_key,
        currency=request.currency,
        txn_id=request.txn_id,
        customer_id=record.routing_customer_id if record is not None else None,
        reason=request.reason,
        deps=deps,
    )
    return (201 if outcome.created else 200), asdict(outcome)
