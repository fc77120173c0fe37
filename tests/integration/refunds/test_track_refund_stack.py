"""Juspay's refund webhooks (through the webhook API) → TrackRefundFunction → each refund's final state,
and the wallet share of a settled split order credited back exactly once."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from paybridge.dal.orders import OrdersRepository, OrderStatus
from paybridge.logic.issue_refund import RefundDependencies, request_refund
from paybridge_local.api_gateway import LocalApiGateway
from paybridge_local.simulator import JuspaySimulator
from paybridge_local.stack import LocalSettings, LocalStack
from tests.helpers import EVENTS
from tests.integration.refunds.support import (
    CUSTOMER,
    bus_events,
    deliver_webhook,
    juspay_refunds,
    online_txn_id,
    publish,
    refund_calls,
    refund_requested,
    refunds_of,
    reversal_entries,
    settle_split_order,
    split_order,
    wallet_balance,
)
from tests.juspay_helpers import SimControl


class Webhooks:
    """Delivers the simulator's order as Juspay's webhook for one order."""

    def __init__(
        self,
        gateway: LocalApiGateway,
        settings: LocalSettings,
        control: SimControl,
        stack: LocalStack,
        order_id: str,
    ) -> None:
        self.args = (gateway, settings, control, stack, order_id)

    def send(self, event_name: str) -> None:
        deliver_webhook(*self.args, event_name)


def issue(stack: LocalStack, control: SimControl, order_id: str) -> str:
    control.put_order(split_order(order_id))
    publish(stack, "paybridge", "RefundRequested", refund_requested(order_id))
    [record] = refunds_of(stack, order_id)
    assert record.status == "PENDING"
    return record.unique_request_id


def test_success_webhook_makes_the_refund_succeed_once(
    stack: LocalStack,
    simulator: JuspaySimulator,
    control: SimControl,
    gateway: LocalApiGateway,
    local_settings: LocalSettings,
) -> None:
    uid = issue(stack, control, "ord_tr_1")
    hooks = Webhooks(gateway, local_settings, control, stack, "ord_tr_1")
    hooks.send("REFUND_INITIATED")
    assert [r.status for r in refunds_of(stack, "ord_tr_1")] == ["PENDING"]

    control.settle(uid, "SUCCESS")
    hooks.send("ORDER_REFUNDED")
    hooks.send("ORDER_REFUNDED")

    [record] = refunds_of(stack, "ord_tr_1")
    assert (record.status, record.juspay_status, record.announced) == ("SUCCESS", "SUCCESS", "SUCCESS")
    assert len(bus_events(stack, "RefundSucceeded")) == 1
    assert len(refund_calls(control)) == 1
    # Each webhook with an open refund was confirmed with Get Order Status; the last found none open.
    assert len([r for r in control.requests_log() if r["path"] == "/orders/ord_tr_1"]) == 2


def test_failures_reported_by_webhook_retry_with_new_ids_then_stop(
    stack: LocalStack,
    simulator: JuspaySimulator,
    control: SimControl,
    gateway: LocalApiGateway,
    local_settings: LocalSettings,
    capsys: pytest.CaptureFixture[str],
) -> None:
    first = issue(stack, control, "ord_tr_2")
    hooks = Webhooks(gateway, local_settings, control, stack, "ord_tr_2")

    control.settle(first, "FAILURE")
    hooks.send("ORDER_REFUND_FAILED")
    hooks.send("ORDER_REFUND_FAILED")  # a duplicate must not start a third attempt
    [record] = refunds_of(stack, "ord_tr_2")
    assert (record.status, record.attempt, record.unique_request_id) == ("PENDING", 2, "rf-ord_tr_2-1-2")

    control.settle("rf-ord_tr_2-1-2", "FAILURE")
    hooks.send("ORDER_REFUND_FAILED")
    control.settle("rf-ord_tr_2-1-3", "FAILURE")
    hooks.send("ORDER_REFUND_FAILED")

    [record] = refunds_of(stack, "ord_tr_2")
    assert (record.status, record.attempt) == ("FAILED", 3)
    assert record.attempt_ids == ("rf-ord_tr_2-1-1", "rf-ord_tr_2-1-2", "rf-ord_tr_2-1-3")
    assert [c["form"]["unique_request_id"] for c in refund_calls(control)] == list(record.attempt_ids)
    assert [r["status"] for r in juspay_refunds(control, "ord_tr_2")] == ["FAILURE"] * 3
    [failed] = bus_events(stack, "RefundFailed")
    assert failed["detail"]["attempt"] == 3
    assert '"RefundAttemptFailed"' in capsys.readouterr().out


def test_manual_review_is_recorded_counted_and_announced(
    stack: LocalStack,
    simulator: JuspaySimulator,
    control: SimControl,
    gateway: LocalApiGateway,
    local_settings: LocalSettings,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    uid = issue(stack, control, "ord_tr_3")
    control.settle(uid, "MANUAL_REVIEW")
    Webhooks(gateway, local_settings, control, stack, "ord_tr_3").send("REFUND_MANUAL_REVIEW_NEEDED")

    [record] = refunds_of(stack, "ord_tr_3")
    assert (record.status, record.unique_request_id) == ("MANUAL_REVIEW", uid)
    [event] = bus_events(stack, "RefundManualReview")
    assert event["detail"]["unique_request_id"] == uid
    out = capsys.readouterr().out
    metric_lines = [json.loads(line) for line in out.splitlines() if '"_aws"' in line]
    review = [m for m in metric_lines if "RefundManualReview" in m]
    assert review
    assert review[0]["_aws"]["CloudWatchMetrics"][0]["Namespace"] == "Paybridge"
    assert review[0]["service"] == "paybridge"
    [warning] = [r for r in caplog.records if r.getMessage() == "refund needs manual review"]
    assert warning.levelname == "WARNING"
    assert getattr(warning, "unique_request_id", None) == uid
    assert CUSTOMER not in str(vars(warning))  # ids of the refund only, no customer data

    # Juspay's later verdict still ends the refund; a person does not have to.
    control.settle(uid, "SUCCESS")
    Webhooks(gateway, local_settings, control, stack, "ord_tr_3").send("ORDER_REFUNDED")
    assert [r.status for r in refunds_of(stack, "ord_tr_3")] == ["SUCCESS"]


def test_settled_split_order_refunded_credits_the_wallet_share_back_once(
    stack: LocalStack,
    simulator: JuspaySimulator,
    control: SimControl,
    gateway: LocalApiGateway,
    local_settings: LocalSettings,
    refund_deps: RefundDependencies,
) -> None:
    control.put_order(split_order("ord_tr_4", online=40, wallet=10))
    settle_split_order(stack, "ord_tr_4", online=4000, wallet=1000, balance=5000)
    assert wallet_balance(stack) == 4000
    outcome = request_refund(
        order_id="ord_tr_4",
        amount=Decimal("40"),
        idempotency_key="return-1",
        txn_id=online_txn_id("ord_tr_4"),
        customer_id=CUSTOMER,
        deps=refund_deps,
    )
    control.settle(outcome.unique_request_id, "SUCCESS")
    hooks = Webhooks(gateway, local_settings, control, stack, "ord_tr_4")

    hooks.send("ORDER_REFUNDED")
    hooks.send("ORDER_REFUNDED")  # Juspay delivers again under a new event id
    publish(stack, "juspay", "ORDER_REFUNDED", {"order_id": "ord_tr_4", "event_name": "ORDER_REFUNDED"})

    assert wallet_balance(stack) == 5000
    [entry] = reversal_entries(stack)
    assert (entry.amount_minor, entry.order_id, entry.reference) == (1000, "ord_tr_4", "ord_tr_4-2")
    [reversed_event] = bus_events(stack, "WalletShareReversed")
    assert reversed_event["detail"]["amount"] == "10.00"
    assert reversed_event["detail"]["wallet_txn_id"] == "ord_tr_4-2"
    assert [r.status for r in refunds_of(stack, "ord_tr_4")] == ["SUCCESS"]


def test_a_partial_refund_keeps_the_wallet_share(
    stack: LocalStack,
    simulator: JuspaySimulator,
    control: SimControl,
    refund_deps: RefundDependencies,
) -> None:
    control.put_order(split_order("ord_tr_5", online=40, wallet=10))
    settle_split_order(stack, "ord_tr_5", online=4000, wallet=1000, balance=5000)
    outcome = request_refund(
        order_id="ord_tr_5",
        amount=Decimal("15.50"),
        idempotency_key="partial-1",
        txn_id=online_txn_id("ord_tr_5"),
        customer_id=CUSTOMER,
        deps=refund_deps,
    )
    control.settle(outcome.unique_request_id, "SUCCESS")

    result = stack.runtime.invoke(
        "TrackRefundFunction",
        {"id": "e1", "detail-type": "ORDER_REFUNDED", "source": "juspay", "detail": {"order_id": "ord_tr_5"}},
    )

    assert result["wallet"] == "NOT_FULLY_REFUNDED"
    assert wallet_balance(stack) == 4000
    assert reversal_entries(stack) == []
    assert [r["status"] for r in result["refunds"]] == ["SUCCESS"]


def test_refund_event_for_an_order_that_is_not_ours_reads_nothing(
    stack: LocalStack, simulator: JuspaySimulator, control: SimControl
) -> None:
    event = json.loads((EVENTS / "juspay_order_refunded.json").read_text())

    result = stack.runtime.invoke("TrackRefundFunction", event)

    assert result == {
        "order_id": event["detail"]["order_id"],
        "event_name": "ORDER_REFUNDED",
        "refunds": [],
        "wallet": "NOT_SETTLED",
    }
    assert control.requests_log() == []


@pytest.mark.usefixtures("fast_juspay")
def test_a_refund_left_requested_is_sent_again_with_its_id_when_a_webhook_comes(
    stack: LocalStack, simulator: JuspaySimulator, control: SimControl
) -> None:
    control.put_order(split_order("ord_tr_6"))
    control.fault(method="POST", path="/refunds", drop=True, times=3)
    publish(stack, "paybridge", "RefundRequested", refund_requested("ord_tr_6"))
    assert [r.status for r in refunds_of(stack, "ord_tr_6")] == ["REQUESTED"]

    publish(stack, "juspay", "REFUND_INITIATED", {"order_id": "ord_tr_6", "event_name": "REFUND_INITIATED"})

    [record] = refunds_of(stack, "ord_tr_6")
    assert (record.status, record.unique_request_id) == ("PENDING", "rf-ord_tr_6-1-1")
    assert {c["form"]["unique_request_id"] for c in refund_calls(control)} == {"rf-ord_tr_6-1-1"}
    assert len(juspay_refunds(control, "ord_tr_6")) == 1


def test_an_event_without_order_id_is_matched_by_unique_request_id(
    stack: LocalStack, simulator: JuspaySimulator, control: SimControl
) -> None:
    uid = issue(stack, control, "ord_tr_7")
    control.settle(uid, "SUCCESS")
    content = {"order": {"refunds": [{"unique_request_id": "someone-elses"}, {"unique_request_id": uid}]}}

    found = stack.runtime.invoke(
        "TrackRefundFunction", {"detail-type": "ORDER_REFUNDED", "detail": {"content": content}}
    )
    unmatched = stack.runtime.invoke(
        "TrackRefundFunction",
        {"detail-type": "ORDER_REFUNDED", "detail": {"content": {"order": {"refunds": "not-a-list"}}}},
    )

    assert found["order_id"] == "ord_tr_7"
    assert found["refunds"][0]["status"] == "SUCCESS"
    assert unmatched == {"order_id": None, "event_name": "ORDER_REFUNDED", "refunds": [], "wallet": None}


def test_a_settled_order_without_a_wallet_share_has_nothing_to_credit_back(
    stack: LocalStack, simulator: JuspaySimulator, control: SimControl
) -> None:
    orders = OrdersRepository(stack.session.client("dynamodb"), stack.output("OrdersTable"))
    orders.record(
        "ord_tr_8",
        OrderStatus.SETTLED,
        now=datetime.now(UTC),
        has_events=False,
        fields={"customer_id": CUSTOMER},
    )

    result = stack.runtime.invoke(
        "TrackRefundFunction", {"detail-type": "AUTO_REFUND_SUCCEEDED", "detail": {"order_id": "ord_tr_8"}}
    )

    assert result["wallet"] == "NOT_SETTLED"
    assert control.requests_log() == []
