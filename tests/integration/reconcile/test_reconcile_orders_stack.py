"""Reconciliation through moto built from template.yaml: the real ReconcileOrdersFunction against the
Juspay simulator, repairing through settlement and reporting mismatches on the bus."""

from __future__ import annotations

import copy
import json
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import requests

from paybridge.bus import EventPublisher
from paybridge.composition.reconcile import for_reconcile_orders
from paybridge.dal.orders import OrdersRepository, OrderStatus
from paybridge.dal.signed_orders import SignedOrdersRepository
from paybridge.dal.wallets import WalletRepository
from paybridge.logic.reconcile_orders import reconcile_orders
from paybridge.logic.settle_order import SettleDependencies, settle_order
from paybridge.models.signed_order import SignedOrder
from paybridge.settings.settlement import ReconcileOrdersSettings
from paybridge_local.api_gateway import LocalApiGateway
from paybridge_local.lambdas import LambdaContext
from paybridge_local.simulator import JuspaySimulator
from paybridge_local.stack import LocalSettings, LocalStack
from paybridge_local.template import function_environment, load_template
from tests.helpers import EVENTS, bus_events, load_sample
from tests.integration.settlement.conftest import (
    credit,
    dead_letters,
    order_record,
    publish_order_event,
    put_order,
    signed,
)
from tests.juspay_helpers import make_client

SPLIT = "order_status_split_partial_charged_custom_wallet.json"  # 50.00 = 40.00 card + 10.00 wallet
CUSTOMER = "testing-customer-two"
ORDER_ID = "testing-order-147"


def split_order(**changes: Any) -> dict[str, Any]:
    order = copy.deepcopy(load_sample(SPLIT))
    order.update(changes)
    return order


def reconcile(stack: LocalStack, **request: Any) -> dict[str, Any]:
    report: dict[str, Any] = stack.runtime.invoke("ReconcileOrdersFunction", request or {"hours": 1})
    stack.runtime.drain()
    return report


def line(report: dict[str, Any], order_id: str) -> dict[str, Any]:
    [found] = [o for o in report["orders"] if o["order_id"] == order_id]
    return found


def balance(gateway: LocalApiGateway) -> str:
    return str(signed(gateway, "GET", f"/wallets/{CUSTOMER}").json["balance"])


def test_a_settlement_lost_to_an_outage_is_repaired_and_a_second_run_does_nothing(
    stack: LocalStack, gateway: LocalApiGateway, simulator: JuspaySimulator
) -> None:
    assert credit(gateway, CUSTOMER, "100.00", "topup").status_code == 201
    put_order(simulator, split_order())
    fault = {"method": "GET", "path": "/orders/*", "status": 503, "times": 100}
    assert requests.post(f"{simulator.url}/__sim/faults", json=fault, timeout=5).status_code in (200, 201)
    publish_order_event(stack, split_order(), event_id="evt_down", name="ORDER_PARTIAL_CHARGED")
    stack.runtime.drain()
    assert [letter["error"]["errorType"] for letter in dead_letters(stack)] == ["JuspayUnavailableError"]
    assert order_record(stack, ORDER_ID)["status"] == "RECEIVED"

    # Still down: the run notes the error and moves nothing.
    during = reconcile(stack)
    assert line(during, ORDER_ID)["result"] == "error"
    assert during["counts"]["error"] == 1
    assert balance(gateway) == "100.00"

    requests.delete(f"{simulator.url}/__sim/faults", timeout=5)
    bus_events(stack)  # forget what is on the tap so far
    first = reconcile(stack)
    assert line(first, ORDER_ID)["result"] == "repaired"
    assert line(first, ORDER_ID)["done"] == ["settlement: debited"]
    assert first["counts"]["repaired"] == 1
    assert first["complete"] is True
    assert order_record(stack, ORDER_ID)["status"] == "SETTLED"
    assert balance(gateway) == "90.00"
    assert [e["detail-type"] for e in bus_events(stack) if e["source"] == "paybridge"] == ["OrderSettled"]

    second = reconcile(stack)
    assert line(second, ORDER_ID)["result"] == "in_agreement"
    assert line(second, ORDER_ID)["done"] == []
    assert balance(gateway) == "90.00"
    assert [e for e in bus_events(stack) if e["source"] == "paybridge"] == []


def test_settled_here_but_failed_at_juspay_is_reported_once(
    stack: LocalStack, gateway: LocalApiGateway, simulator: JuspaySimulator
) -> None:
    assert credit(gateway, CUSTOMER, "100.00", "topup").status_code == 201
    put_order(simulator, split_order())
    publish_order_event(stack, split_order(), event_id="evt_ok", name="ORDER_PARTIAL_CHARGED")
    stack.runtime.drain()
    assert order_record(stack, ORDER_ID)["status"] == "SETTLED"

    failed = split_order(status="AUTHORIZATION_FAILED")
    failed["txn_list"][0]["txn_detail"]["status"] = "AUTHORIZATION_FAILED"
    put_order(simulator, failed)
    bus_events(stack)
    first = reconcile(stack)
    assert line(first, ORDER_ID)["result"] == "mismatch"
    assert line(first, ORDER_ID)["done"] == ["mismatch settled_but_failed reported"]
    [event] = [e for e in bus_events(stack) if e["detail-type"] == "ReconciliationMismatch"]
    assert event["source"] == "paybridge"
    assert event["detail"]["order_id"] == ORDER_ID
    assert event["detail"]["kind"] == "settled_but_failed"
    assert event["detail"]["record_status"] == "SETTLED"
    assert event["detail"]["juspay_status"] == "AUTHORIZATION_FAILED"
    assert event["detail"]["amount"] == "50.00"
    assert event["detail"]["wallet_amount"] == "10.00"

    second = reconcile(stack)
    assert line(second, ORDER_ID)["done"] == ["mismatch settled_but_failed already reported"]
    assert [e for e in bus_events(stack) if e["detail-type"] == "ReconciliationMismatch"] == []
    assert balance(gateway) == "90.00"  # nothing moved


def test_an_order_signed_and_never_heard_of_is_reconciled(
    stack: LocalStack, simulator: JuspaySimulator
) -> None:
    client = stack.session.client("dynamodb")
    now = datetime.now(UTC)
    SignedOrdersRepository(client, stack.output("OrdersTable")).record(
        SignedOrder(
            order_id=ORDER_ID,
            customer_id=CUSTOMER,
            amount_minor=5000,
            currency="INR",
            wallet_offered_minor=1000,
            wallet_payment_method="SPENCERS_WALLET",
            merchant_key_id="k",
            signed_at=now,
        )
    )
    # Never paid: Juspay does not know the order.
    assert line(reconcile(stack), ORDER_ID)["found"] == ["not at Juspay: never paid"]

    pending = split_order(status="PENDING_VBV")
    pending["txn_list"][0]["txn_detail"]["status"] = "PENDING_VBV"
    put_order(simulator, pending)
    report = reconcile(stack)
    assert line(report, ORDER_ID)["done"] == ["settlement: recorded", "follower: started"]
    assert order_record(stack, ORDER_ID)["status"] == "PENDING"


def test_an_explicit_window_excludes_orders_touched_outside_it(
    stack: LocalStack, simulator: JuspaySimulator
) -> None:
    put_order(simulator, split_order())
    publish_order_event(stack, split_order(), event_id="evt_x", name="ORDER_PARTIAL_CHARGED")
    stack.runtime.drain()
    until = datetime.now(UTC) - timedelta(hours=2)
    report = reconcile(stack, since=(until - timedelta(hours=1)).isoformat(), until=until.isoformat())
    assert report["orders"] == []
    assert report["counts"]["checked"] == 0
    assert report["until"] == until.isoformat()


def test_a_scheduled_event_reconciles_the_window_before_its_time(
    stack: LocalStack, gateway: LocalApiGateway, simulator: JuspaySimulator
) -> None:
    assert credit(gateway, CUSTOMER, "100.00", "topup").status_code == 201
    put_order(simulator, split_order())
    stack.session.client("dynamodb").update_item(  # a RECEIVED record: settlement died before Juspay answered
        TableName=stack.output("OrdersTable"),
        Key={"order_id": {"S": ORDER_ID}},
        UpdateExpression="SET #s = :r, customer_id = :c, touched_hour = :h, touched_at = :t",
        ExpressionAttributeNames={"#s": "status"},
        ExpressionAttributeValues={
            ":r": {"S": "RECEIVED"},
            ":c": {"S": CUSTOMER},
            ":h": {"S": datetime.now(UTC).strftime("%Y-%m-%dT%H")},
            ":t": {"S": datetime.now(UTC).isoformat()},
        },
    )
    event = {"source": "aws.events", "detail-type": "Scheduled Event", "time": datetime.now(UTC).isoformat()}
    report = reconcile(stack, **event)
    assert line(report, ORDER_ID)["done"] == ["settlement: debited"]
    assert balance(gateway) == "90.00"


def test_the_template_schedules_the_function_and_alarms_on_mismatches() -> None:
    template = load_template()
    function = template["Resources"]["ReconcileOrdersFunction"]["Properties"]
    assert function["Events"]["Scheduled"] == {
        "Type": "Schedule",
        "Properties": {
            "Schedule": {"Ref": "ReconcileSchedule"},
            "Description": "Reconciles the orders touched in the last ReconcileWindowHours with Juspay.",
            "DeadLetterConfig": {"Arn": {"Fn::GetAtt": ["ScheduledRunDeadLetterQueue", "Arn"]}},
        },
    }
    assert function_environment(template, "ReconcileOrdersFunction")["RECONCILE_WINDOW_HOURS"] == {
        "Ref": "ReconcileWindowHours"
    }
    alarm = template["Resources"]["ReconciliationMismatchAlarm"]["Properties"]
    assert (alarm["MetricName"], alarm["AlarmActions"]) == ("ReconciliationMismatch", [{"Ref": "AlarmTopic"}])


def test_the_canned_scheduled_event_runs_through_the_handler(stack: LocalStack) -> None:
    event = json.loads((EVENTS / "reconcile_orders_scheduled.json").read_text())
    report = stack.runtime.invoke("ReconcileOrdersFunction", event)
    assert (report["since"], report["until"]) == ("2026-11-29T10:00:00+00:00", "2026-11-29T13:00:00+00:00")
    assert report["counts"]["checked"] == 0
    assert report["complete"] is True


def test_a_refund_without_webhook_is_followed_and_the_wallet_share_comes_back_once(
    stack: LocalStack, gateway: LocalApiGateway, simulator: JuspaySimulator
) -> None:
    assert credit(gateway, CUSTOMER, "100.00", "topup").status_code == 201
    put_order(simulator, split_order())
    publish_order_event(stack, split_order(), event_id="evt_ok", name="ORDER_PARTIAL_CHARGED")
    stack.runtime.drain()
    assert balance(gateway) == "90.00"
    refund = signed(
        gateway, "POST", f"/orders/{ORDER_ID}/refunds", {"amount": "40.00", "idempotency_key": "r1"}
    )
    assert refund.status_code == 201, refund.get_data(as_text=True)
    [uid] = [r["unique_request_id"] for r in simulator_refunds(simulator, ORDER_ID)]
    # Juspay completes the refund; its webhook never comes.
    assert requests.post(f"{simulator.url}/__sim/refunds/{uid}", json={"status": "SUCCESS"}, timeout=5).ok

    first = line(reconcile(stack), ORDER_ID)
    assert first["result"] == "repaired"
    assert first["done"][0] == "credit-back: REVERSED"
    assert balance(gateway) == "100.00"
    [stored] = [
        i
        for i in stack.session.client("dynamodb").scan(TableName=stack.output("RefundsTable"))["Items"]
        if i["sk"]["S"].startswith("REFUND#")
    ]
    assert stored["status"]["S"] == "SUCCESS"

    second = line(reconcile(stack), ORDER_ID)
    assert (second["result"], second["done"]) == ("in_agreement", ["credit-back: ALREADY_DONE"])
    assert balance(gateway) == "100.00"


def simulator_refunds(simulator: JuspaySimulator, order_id: str) -> list[dict[str, Any]]:
    order = requests.get(f"{simulator.url}/__sim/orders/{order_id}", timeout=5).json()
    return list(order.get("refunds") or [])


def test_runs_racing_each_other_and_live_settlement_debit_once_and_report_once(
    stack: LocalStack, gateway: LocalApiGateway, simulator: JuspaySimulator, local_settings: LocalSettings
) -> None:
    # Local handlers run one at a time, so the race concurrent Lambda environments have is driven here: four
    # reconciliation runs (the handler's own wiring) and four live settlements on threads, DynamoDB deciding.
    assert credit(gateway, CUSTOMER, "100.00", "topup").status_code == 201
    put_order(simulator, split_order())
    orders = OrdersRepository(stack.session.client("dynamodb"), stack.output("OrdersTable"))
    orders.note_received(ORDER_ID, event_id="evt_lost", customer_id=CUSTOMER, now=datetime.now(UTC))
    settled_elsewhere = "testing-order-148"  # settled here, failed at Juspay: one mismatch for four runs
    failed = split_order(order_id=settled_elsewhere, status="AUTHORIZATION_FAILED")
    failed["txn_list"][0]["txn_detail"]["status"] = "AUTHORIZATION_FAILED"
    put_order(simulator, failed)
    OrdersRepository(stack.session.client("dynamodb"), stack.output("OrdersTable")).record(
        settled_elsewhere,
        OrderStatus.SETTLED,
        now=datetime.now(UTC),
        has_events=False,
        fields={"amount_minor": 5000, "customer_id": CUSTOMER},
    )
    settle_deps = SettleDependencies(
        juspay=make_client(
            simulator.url,
            api_key=local_settings.juspay_api_key,
            merchant_id=local_settings.juspay_merchant_id,
        ),
        wallets=WalletRepository(stack.session.client("dynamodb"), stack.output("LedgerTable")),
        orders=orders,
        publisher=EventPublisher(stack.session.client("events"), stack.output("EventBus")),
        clock=lambda: datetime.now(UTC),
    )
    context = LambdaContext("reconcile", "arn:reconcile", 512, "req", timeout_s=900)
    # Wired as the function wires itself, from its own settings.
    deps = for_reconcile_orders(ReconcileOrdersSettings.from_env(stack.environment)).dependencies(
        context.get_remaining_time_in_millis
    )
    start = threading.Barrier(8)
    now = datetime.now(UTC)

    def run(index: int) -> str:
        start.wait()
        if index % 2:
            return settle_order({"order_id": ORDER_ID, "customer_id": CUSTOMER}, settle_deps).action
        report = reconcile_orders(now - timedelta(hours=1), now + timedelta(minutes=1), deps)
        return ";".join(d for o in report.orders for d in o.done)

    bus_events(stack)
    with ThreadPoolExecutor(max_workers=8) as pool:
        outcomes = list(pool.map(run, range(8)))
    stack.runtime.drain()

    assert balance(gateway) == "90.00"
    assert sum(o.count("debited") for o in outcomes) == 1, outcomes
    events = bus_events(stack)
    assert [e["detail"]["order_id"] for e in events if e["detail-type"] == "OrderSettled"] == [ORDER_ID]
    assert [e["detail"]["order_id"] for e in events if e["detail-type"] == "ReconciliationMismatch"] == [
        settled_elsewhere
    ]
