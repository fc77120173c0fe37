"""Helpers of the refund integration tests: Juspay-shaped orders, bus events, table reads."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

from paybridge.dal.orders import OrdersRepository, OrderStatus
from paybridge.dal.refunds import RefundsRepository
from paybridge.dal.wallets import WalletRepository
from paybridge.models.juspay import loads_juspay_json
from paybridge.models.refund import RefundRecord
from paybridge_local.api_gateway import LocalApiGateway
from paybridge_local.stack import LocalSettings, LocalStack
from tests.helpers import basic_auth, http, sample_path
from tests.helpers import bus_events as drain_bus
from tests.juspay_helpers import SimControl

CUSTOMER = "cust_refund_7"


def split_order(order_id: str, *, online: int = 40, wallet: int = 10, status: str = "PARTIAL_CHARGED") -> Any:
    """Juspay's split-order sample (card + MERCHANT_CONTAINER wallet) with this order's ids and amounts."""
    order = loads_juspay_json(
        sample_path("order_status_split_partial_charged_custom_wallet.json").read_text()
    )
    order.update({"order_id": order_id, "customer_id": CUSTOMER, "amount": online + wallet, "status": status})
    for index, (txn, amount) in enumerate(zip(order["txn_list"], (online, wallet), strict=True), start=1):
        txn_id = f"{order_id}-{index}"
        txn["txn_id"] = txn_id
        txn["txn_detail"].update({"txn_id": txn_id, "order_id": order_id, "txn_amount": amount})
        txn["txn_detail"]["net_amount"] = online + wallet
    return order


def online_txn_id(order_id: str) -> str:
    """The card transaction's id in ``split_order``."""
    return f"{order_id}-1"


def refund_requested(
    order_id: str, *, amount: str = "40.00", reason: str = "wallet_debit_failed"
) -> dict[str, Any]:
    """The detail the settlement side publishes when a wallet debit is impossible."""
    return {
        "order_id": order_id,
        "customer_id": CUSTOMER,
        "txn_id": online_txn_id(order_id),
        "amount": amount,
        "currency": "INR",
        "reason": reason,
        "requested_at": datetime.now(UTC).isoformat(),
    }


def publish(stack: LocalStack, source: str, detail_type: str, detail: dict[str, Any]) -> None:
    """Puts one event on the stack's bus and waits for every function it triggered."""
    response = stack.session.client("events").put_events(
        Entries=[
            {
                "Source": source,
                "DetailType": detail_type,
                "Detail": json.dumps(detail),
                "EventBusName": stack.output("EventBus"),
            }
        ]
    )
    assert response["FailedEntryCount"] == 0
    stack.runtime.drain()


def bus_events(stack: LocalStack, detail_type: str | None = None) -> list[dict[str, Any]]:
    """Events that reached the bus so far (drained from the local tap), optionally of one detail-type."""
    return [e for e in drain_bus(stack) if detail_type is None or e["detail-type"] == detail_type]


def refunds_repository(stack: LocalStack) -> RefundsRepository:
    """The refunds table of the stack."""
    return RefundsRepository(stack.session.client("dynamodb"), stack.output("RefundsTable"))


def refunds_of(stack: LocalStack, order_id: str) -> list[RefundRecord]:
    """Every refund the table holds for an order."""
    return refunds_repository(stack).list_for_order(order_id)


def refund_calls(control: SimControl, path: str = "/refunds") -> list[dict[str, Any]]:
    """Every refund request Juspay (the simulator) received on ``path``."""
    return [r for r in control.requests_log() if r["method"] == "POST" and r["path"] == path]


def juspay_refunds(control: SimControl, order_id: str) -> list[dict[str, Any]]:
    """The refunds Juspay holds for the order (its ``refunds[]``)."""
    order = control.http.get(f"{control.url}/__sim/orders/{order_id}").json()
    return list(order.get("refunds") or [])


def deliver_webhook(
    gateway: LocalApiGateway,
    settings: LocalSettings,
    control: SimControl,
    stack: LocalStack,
    order_id: str,
    event_name: str,
) -> None:
    """Sends Juspay's webhook for the simulator's current order through the webhook API, then waits."""
    order = control.http.get(f"{control.url}/__sim/orders/{order_id}").json()
    body = {
        "id": f"evt_V2_{uuid.uuid4().hex}",
        "event_name": event_name,
        "date_created": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "content": {"order": order},
    }
    headers = {
        "Content-Type": "application/json",
        "Authorization": basic_auth(settings.webhook_username, settings.webhook_password),
    }
    response = http(gateway, "POST", "/webhooks/juspay", body=json.dumps(body), headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    stack.runtime.drain()


def settle_split_order(stack: LocalStack, order_id: str, *, online: int, wallet: int, balance: int) -> None:
    """Makes the order SETTLED with its wallet share debited, as the settlement side does (minor units)."""
    dynamodb = stack.session.client("dynamodb")
    wallets = WalletRepository(dynamodb, stack.output("LedgerTable"))
    orders = OrdersRepository(dynamodb, stack.output("OrdersTable"))
    now = datetime.now(UTC)
    wallets.credit(
        customer_id=CUSTOMER, amount_minor=balance, currency="INR", idempotency_key="topup", now=now
    )
    fields = {
        "customer_id": CUSTOMER,
        "currency": "INR",
        "amount_minor": online + wallet,
        "online_minor": online,
        "wallet_minor": wallet,
        "wallet_txn_id": f"{order_id}-2",
        "online_txn_id": online_txn_id(order_id),
    }
    result = wallets.debit(
        customer_id=CUSTOMER,
        order_id=order_id,
        txn_id=f"{order_id}-2",
        amount_minor=wallet,
        currency="INR",
        now=now,
        order_update=orders.settled_update(order_id, now=now, fields=fields),
    )
    assert result.status.value == "DEBITED"
    record = orders.get(order_id)
    assert record is not None
    assert record.status is OrderStatus.SETTLED


def wallet_balance(stack: LocalStack) -> int:
    """The test customer's wallet balance in minor units."""
    wallets = WalletRepository(stack.session.client("dynamodb"), stack.output("LedgerTable"))
    wallet = wallets.get_wallet(CUSTOMER)
    assert wallet is not None
    return wallet.balance_minor


def reversal_entries(stack: LocalStack) -> list[Any]:
    """The test customer's REVERSAL ledger entries."""
    wallets = WalletRepository(stack.session.client("dynamodb"), stack.output("LedgerTable"))
    return [e for e in wallets.all_entries(CUSTOMER) if e.entry_type.value == "REVERSAL"]
