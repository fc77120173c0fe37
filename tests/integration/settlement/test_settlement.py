"""Settlement through moto built from template.yaml: bus events → the real SettleOrderFunction → Juspay
simulator → ledger and orders tables → domain events on the bus."""

from __future__ import annotations

import copy
import json
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

import pytest
import requests

from paybridge.bus import EventPublisher
from paybridge.dal.orders import OrdersRepository
from paybridge.dal.wallets import WalletRepository
from paybridge.logic.settle_order import SettleDependencies, settle_order
from paybridge_local.api_gateway import LocalApiGateway
from paybridge_local.simulator import JuspaySimulator
from paybridge_local.stack import LocalSettings, LocalStack
from tests.helpers import EVENTS, basic_auth, http, load_sample
from tests.integration.settlement.conftest import (
    credit,
    dead_letters,
    domain_events,
    ledger_items,
    order_record,
    publish_order_event,
    put_order,
    signed,
)
from tests.juspay_helpers import make_client

SPLIT = "order_status_split_partial_charged_custom_wallet.json"  # 50.00 = 40.00 card + 10.00 wallet
CUSTOMER = "testing-customer-two"
ORDER_ID = "testing-order-147"
WALLET_TXN = "neeraj_juspay_prod-testing-order-147-3-2"
ONLINE_TXN = "neeraj_juspay_prod-testing-order-147-3-1"


def split_order() -> dict[str, Any]:
    return copy.deepcopy(load_sample(SPLIT))


def wallet(gateway: LocalApiGateway, customer: str = CUSTOMER) -> dict[str, Any]:
    response = signed(gateway, "GET", f"/wallets/{customer}")
    assert response.status_code == 200, response.get_data(as_text=True)
    return dict(response.json)


def test_split_order_debits_once_under_20_concurrent_duplicate_deliveries(
    stack: LocalStack, gateway: LocalApiGateway, simulator: JuspaySimulator
) -> None:
    assert credit(gateway, CUSTOMER, "25.00", "topup-1").status_code == 201
    put_order(simulator, split_order())
    start = threading.Barrier(20)

    def deliver(index: int) -> None:
        start.wait()
        publish_order_event(stack, split_order(), event_id=f"evt_{index % 3}", name="ORDER_PARTIAL_CHARGED")

    with ThreadPoolExecutor(max_workers=20) as pool:
        list(pool.map(deliver, range(20)))
    stack.runtime.drain()

    view = wallet(gateway)
    assert view["balance"] == "15.00"
    assert [(e["type"], e["amount"], e["reference"]) for e in view["entries"]] == [
        ("DEBIT", "10.00", WALLET_TXN),
        ("CREDIT", "25.00", "topup-1"),
    ]
    assert view["entries"][0]["order_id"] == ORDER_ID
    record = order_record(stack, ORDER_ID)
    assert (record["status"], record["wallet_minor"], record["wallet_txn_id"]) == (
        "SETTLED",
        1000,
        WALLET_TXN,
    )
    settled = [e for e in domain_events(stack) if e["detail-type"] == "OrderSettled"]
    assert len(settled) == 1
    assert settled[0]["detail"]["wallet_amount"] == "10.00"
    assert settled[0]["detail"]["online_txn_id"] == ONLINE_TXN
    settle_runs = [
        n for n, kind in stack.runtime.invocations if n.endswith("SettleOrderFunction") and kind == "async"
    ]
    assert len(settle_runs) == 20


def test_settlements_racing_on_threads_debit_once(
    stack: LocalStack, gateway: LocalApiGateway, simulator: JuspaySimulator, local_settings: LocalSettings
) -> None:
    # Local handlers run one at a time (one execution environment), so the race Lambda's concurrent
    # environments have is driven here: the settlement logic itself on 12 threads, DynamoDB deciding.
    assert credit(gateway, CUSTOMER, "25.00", "topup-1").status_code == 201
    put_order(simulator, split_order())
    dynamodb = stack.session.client("dynamodb")
    deps = SettleDependencies(
        juspay=make_client(
            simulator.url,
            api_key=local_settings.juspay_api_key,
            merchant_id=local_settings.juspay_merchant_id,
        ),
        wallets=WalletRepository(dynamodb, stack.output("LedgerTable")),
        orders=OrdersRepository(dynamodb, stack.output("OrdersTable")),
        publisher=EventPublisher(stack.session.client("events"), stack.output("EventBus")),
        clock=lambda: datetime.now(UTC),
    )
    detail = {"event_id": "evt_race", "order_id": ORDER_ID, "customer_id": CUSTOMER}
    start = threading.Barrier(12)

    def settle(_: int) -> str:
        start.wait()
        return settle_order(detail, deps).action

    with ThreadPoolExecutor(max_workers=12) as pool:
        actions = list(pool.map(settle, range(12)))

    assert sorted(actions) == ["already_done"] * 11 + ["debited"]
    assert wallet(gateway)["balance"] == "15.00"
    assert [
        e["detail"]["wallet_amount"] for e in domain_events(stack) if e["detail-type"] == "OrderSettled"
    ] == ["10.00"]


def test_webhooks_through_the_gateway_settle_and_a_replay_changes_nothing(
    stack: LocalStack, gateway: LocalApiGateway, local_settings: LocalSettings, simulator: JuspaySimulator
) -> None:
    assert credit(gateway, "testCustomer", "5000.00", "k1").status_code == 201
    body = load_sample("webhook_order_partial_charged_merchant_container_split.json")
    put_order(simulator, body["content"]["order"])
    auth = basic_auth(local_settings.webhook_username, local_settings.webhook_password)
    headers = {"Content-Type": "application/json", "Authorization": auth}
    for event_id in ("evt_a", "evt_b", "evt_a"):  # a resend of evt_a and a second event for the same order
        body["id"] = event_id
        assert (
            http(gateway, "POST", "/webhooks/juspay", body=json.dumps(body), headers=headers).status_code
            == 200
        )
        stack.runtime.drain()

    view = wallet(gateway, "testCustomer")
    assert view["balance"] == "1001.00"  # 5000.00 - 3999 (the wallet txn_amount), not net_amount 5950
    assert [e["type"] for e in view["entries"]] == ["DEBIT", "CREDIT"]


def test_insufficient_balance_cancels_and_requests_exactly_one_refund(
    stack: LocalStack, gateway: LocalApiGateway, simulator: JuspaySimulator
) -> None:
    assert credit(gateway, CUSTOMER, "9.99", "topup-low").status_code == 201
    put_order(simulator, split_order())
    for index in range(5):
        publish_order_event(stack, split_order(), event_id=f"evt_{index}", name="ORDER_PARTIAL_CHARGED")
    stack.runtime.drain()

    assert wallet(gateway)["balance"] == "9.99"
    record = order_record(stack, ORDER_ID)
    assert (record["status"], record["reason"]) == ("CANCELLED", "insufficient_funds")
    events = domain_events(stack)
    refunds = [e["detail"] for e in events if e["detail-type"] == "RefundRequested"]
    assert refunds == [
        {
            "order_id": ORDER_ID,
            "customer_id": CUSTOMER,
            "txn_id": ONLINE_TXN,
            "amount": "40.00",
            "currency": "INR",
            "reason": "wallet_debit_failed:insufficient_funds",
            "requested_at": record["cancelled_at"],
        }
    ]
    cancelled = [e["detail"] for e in events if e["detail-type"] == "OrderCancelled"]
    assert len(cancelled) == 1
    assert cancelled[0]["refund_requested"] is True
    assert not [e for e in events if e["detail-type"] == "OrderSettled"]


def test_missing_wallet_cancels_and_cod_requests_no_refund(
    stack: LocalStack, gateway: LocalApiGateway, simulator: JuspaySimulator
) -> None:
    order = split_order()
    order["status"] = "TO_BE_CHARGED"
    order["txn_list"][0]["status"] = order["txn_list"][0]["txn_detail"]["status"] = "COD_INITIATED"
    put_order(simulator, order)
    publish_order_event(stack, order, event_id="evt_cod", name="ORDER_TO_BE_CHARGED")
    stack.runtime.drain()

    record = order_record(stack, ORDER_ID)
    assert (record["status"], record["reason"], record["cod"]) == ("CANCELLED", "wallet_missing", True)
    events = domain_events(stack)
    assert [e["detail-type"] for e in events] == ["OrderCancelled"]
    assert events[0]["detail"]["refund_requested"] is False
    assert signed(gateway, "GET", f"/wallets/{CUSTOMER}").status_code == 404


@pytest.mark.parametrize(
    ("status", "expected", "event"),
    [("AUTHORIZATION_FAILED", "FAILED", "OrderFailed"), ("PENDING_VBV", "PENDING", "OrderPending")],
)
def test_failure_and_pending_orders_move_no_money(
    stack: LocalStack,
    gateway: LocalApiGateway,
    simulator: JuspaySimulator,
    status: str,
    expected: str,
    event: str,
) -> None:
    assert credit(gateway, CUSTOMER, "100.00", "topup").status_code == 201
    order = split_order()
    order["status"] = status
    order["txn_list"][0]["status"] = order["txn_list"][0]["txn_detail"]["status"] = status
    put_order(simulator, order)
    for index in range(3):
        publish_order_event(stack, order, event_id=f"evt_{index}", name="ORDER_FAILED")
    stack.runtime.drain()

    view = wallet(gateway)
    assert view["balance"] == "100.00"
    assert [e["type"] for e in view["entries"]] == ["CREDIT"]
    assert order_record(stack, ORDER_ID)["status"] == expected
    assert [e["detail-type"] for e in domain_events(stack)] == [event]
    assert not any(i["pk"].startswith("DEBIT#") for i in ledger_items(stack))


def test_a_pending_order_that_later_succeeds_is_debited(
    stack: LocalStack, gateway: LocalApiGateway, simulator: JuspaySimulator
) -> None:
    assert credit(gateway, CUSTOMER, "10.00", "topup").status_code == 201
    pending = split_order()
    pending["status"] = pending["txn_list"][0]["status"] = "AUTHORIZING"
    put_order(simulator, pending)
    publish_order_event(stack, pending, event_id="evt_1", name="ORDER_PARTIAL_CHARGED")
    stack.runtime.drain()
    assert order_record(stack, ORDER_ID)["status"] == "PENDING"

    put_order(simulator, split_order())
    resolved = {"order_id": ORDER_ID, "customer_id": CUSTOMER}
    stack.session.client("events").put_events(
        Entries=[
            {
                "Source": "paybridge",
                "DetailType": "PendingOrderResolved",
                "Detail": json.dumps(resolved),
                "EventBusName": stack.output("EventBus"),
            }
        ]
    )
    stack.runtime.drain()

    assert wallet(gateway)["balance"] == "0.00"
    assert order_record(stack, ORDER_ID)["status"] == "SETTLED"


def test_amount_mismatch_moves_no_money_and_counts_a_metric(
    stack: LocalStack,
    gateway: LocalApiGateway,
    simulator: JuspaySimulator,
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert credit(gateway, CUSTOMER, "100.00", "topup").status_code == 201
    order = split_order()
    order["amount"] = 60  # 40 online + 10 wallet != 60
    put_order(simulator, order)
    publish_order_event(stack, order, event_id="evt_mismatch", name="ORDER_PARTIAL_CHARGED")
    stack.runtime.drain()

    assert wallet(gateway)["balance"] == "100.00"
    record = order_record(stack, ORDER_ID)
    assert (record["status"], record["reason"]) == ("MISMATCH", "amount_not_online_plus_wallet")
    assert domain_events(stack) == []
    metric_lines = [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"_aws"' in line]
    assert any(line.get("SettlementAmountMismatch") == [1.0] for line in metric_lines)


def test_wallet_in_another_currency_is_a_mismatch(
    stack: LocalStack, gateway: LocalApiGateway, simulator: JuspaySimulator
) -> None:
    assert credit(gateway, CUSTOMER, "100.00", "topup", currency="USD").status_code == 201
    put_order(simulator, split_order())
    publish_order_event(stack, split_order(), event_id="evt_usd", name="ORDER_PARTIAL_CHARGED")
    stack.runtime.drain()

    assert wallet(gateway)["balance"] == "100.00"
    assert order_record(stack, ORDER_ID)["reason"] == "wallet_currency_differs"


def test_juspay_unavailable_retries_then_dead_letters_without_moving_money(
    stack: LocalStack, gateway: LocalApiGateway, simulator: JuspaySimulator
) -> None:
    assert credit(gateway, CUSTOMER, "100.00", "topup").status_code == 201
    put_order(simulator, split_order())
    fault = {"method": "GET", "path": f"/orders/{ORDER_ID}", "status": 503, "times": 50}
    assert requests.post(f"{simulator.url}/__sim/faults", json=fault, timeout=5).status_code in (200, 201)
    publish_order_event(stack, split_order(), event_id="evt_down", name="ORDER_PARTIAL_CHARGED")
    stack.runtime.drain()

    [letter] = dead_letters(stack)
    assert letter["function"].endswith("SettleOrderFunction")
    assert letter["error"]["errorType"] == "JuspayUnavailableError"
    assert order_record(stack, ORDER_ID)["status"] == "RECEIVED"
    assert wallet(gateway)["balance"] == "100.00"

    requests.delete(f"{simulator.url}/__sim/faults", timeout=5)
    publish_order_event(stack, split_order(), event_id="evt_down", name="ORDER_PARTIAL_CHARGED")  # redrive
    stack.runtime.drain()
    assert wallet(gateway)["balance"] == "90.00"


def test_canned_settle_event_runs_through_the_handler(stack: LocalStack, simulator: JuspaySimulator) -> None:
    event = json.loads((EVENTS / "eventbridge_settle_order_partial_charged.json").read_text())
    put_order(
        simulator,
        load_sample("webhook_order_partial_charged_merchant_container_split.json")["content"]["order"],
    )
    result = stack.runtime.invoke("SettleOrderFunction", event)
    assert result == {
        "order_id": "3593869207",
        "status": "CANCELLED",
        "action": "cancelled",
        "reason": "wallet_missing",
    }
    again = stack.runtime.invoke("SettleOrderFunction", event)
    assert again["action"] == "already_done"
