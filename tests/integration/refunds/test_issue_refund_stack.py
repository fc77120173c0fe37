"""RefundRequested on the bus → IssueRefundFunction (the real handler, moto from template.yaml) → the
Juspay simulator: exactly one refund whatever is duplicated, dropped or timed out on the way."""

from __future__ import annotations

import json
from typing import Any

import pytest

from paybridge_local.simulator import JuspaySimulator
from paybridge_local.stack import LocalStack
from tests.helpers import EVENTS
from tests.integration.refunds.support import (
    bus_events,
    juspay_refunds,
    online_txn_id,
    publish,
    refund_calls,
    refund_requested,
    refunds_of,
    split_order,
)
from tests.juspay_helpers import SimControl


def dead_letters(stack: LocalStack) -> list[dict[str, Any]]:
    sqs = stack.session.client("sqs")
    messages = sqs.receive_message(QueueUrl=stack.output("RuleTargetDeadLetterQueue"), MaxNumberOfMessages=10)
    return [json.loads(m["Body"]) for m in messages.get("Messages", [])]


def test_refund_requested_delivered_twice_makes_one_refund(
    stack: LocalStack, simulator: JuspaySimulator, control: SimControl
) -> None:
    control.put_order(split_order("ord_rr_1"))
    detail = refund_requested("ord_rr_1")

    publish(stack, "paybridge", "RefundRequested", detail)
    publish(stack, "paybridge", "RefundRequested", detail)

    calls = refund_calls(control)
    assert [c["form"] for c in calls] == [
        {"txn_id": online_txn_id("ord_rr_1"), "unique_request_id": "rf-ord_rr_1-1-1", "amount": "40.00"}
    ]
    [refund] = juspay_refunds(control, "ord_rr_1")
    assert (refund["unique_request_id"], refund["status"]) == ("rf-ord_rr_1-1-1", "PENDING")
    [record] = refunds_of(stack, "ord_rr_1")
    assert (record.status, record.attempt, record.amount_minor) == ("PENDING", 1, 4000)
    assert record.announced == "PENDING"
    [issued] = bus_events(stack, "RefundIssued")
    assert issued["source"] == "paybridge"
    assert issued["detail"]["unique_request_id"] == "rf-ord_rr_1-1-1"
    assert issued["detail"]["amount"] == "40.00"
    assert dead_letters(stack) == []


@pytest.mark.usefixtures("fast_juspay")
def test_two_dropped_calls_are_retried_by_lambda_with_the_same_id(
    stack: LocalStack, simulator: JuspaySimulator, control: SimControl
) -> None:
    control.put_order(split_order("ord_rr_2"))
    control.fault(method="POST", path="/refunds", drop=True, times=2)

    publish(stack, "paybridge", "RefundRequested", refund_requested("ord_rr_2"))
    publish(stack, "paybridge", "RefundRequested", refund_requested("ord_rr_2"))

    calls = refund_calls(control)
    assert len(calls) == 3  # two dropped, the third (Lambda's last async attempt) answered
    assert {c["form"]["unique_request_id"] for c in calls} == {"rf-ord_rr_2-1-1"}
    assert len(juspay_refunds(control, "ord_rr_2")) == 1
    [record] = refunds_of(stack, "ord_rr_2")
    assert record.status == "PENDING"
    assert record.attempt_ids == ("rf-ord_rr_2-1-1",)
    item = stack.session.client("dynamodb").get_item(
        TableName=stack.output("RefundsTable"), Key={"order_id": {"S": "ord_rr_2"}, "sk": {"S": "REFUND#001"}}
    )["Item"]
    assert item["unknown_outcomes"] == {"N": "2"}
    assert item["last_error"] == {"S": "juspay_unavailable"}
    assert dead_letters(stack) == []


@pytest.mark.usefixtures("fast_juspay")
def test_timeouts_where_juspay_did_refund_still_make_one_refund(
    stack: LocalStack, simulator: JuspaySimulator, control: SimControl
) -> None:
    """The simulator applies a delayed call after the client gave up: the retry must find that refund.

    Each retry reads Order Status first. Until the delayed call lands there, a retry calls again with the
    same id; the first retry that finds the refund makes no call (which retry that is depends on timing).
    """
    control.put_order(split_order("ord_rr_3"))
    control.fault(method="POST", path="/refunds", delay_ms=800, times=2)

    publish(stack, "paybridge", "RefundRequested", refund_requested("ord_rr_3"))

    calls = refund_calls(control)
    assert 1 <= len(calls) <= 2  # without the Order Status check, each of the three invocations calls
    log = [(r["method"], r["path"]) for r in control.requests_log()]
    assert log[-1] == ("GET", "/orders/ord_rr_3")
    assert {c["form"]["unique_request_id"] for c in calls} == {"rf-ord_rr_3-1-1"}
    assert [r["unique_request_id"] for r in juspay_refunds(control, "ord_rr_3")] == ["rf-ord_rr_3-1-1"]
    [record] = refunds_of(stack, "ord_rr_3")
    assert record.status == "PENDING"


def test_the_clients_own_retries_absorb_two_drops(
    stack: LocalStack, simulator: JuspaySimulator, control: SimControl
) -> None:
    control.put_order(split_order("ord_rr_4"))
    control.fault(method="POST", path="/refunds", status=503, times=1)
    control.fault(method="POST", path="/refunds", drop=True, times=1)

    publish(stack, "paybridge", "RefundRequested", refund_requested("ord_rr_4"))

    calls = refund_calls(control)
    assert len(calls) == 3
    assert {c["form"]["unique_request_id"] for c in calls} == {"rf-ord_rr_4-1-1"}
    assert len(juspay_refunds(control, "ord_rr_4")) == 1
    assert [(r.status, r.attempt) for r in refunds_of(stack, "ord_rr_4")] == [("PENDING", 1)]


@pytest.mark.usefixtures("fast_juspay")
def test_juspay_down_for_every_attempt_dead_letters_and_a_redrive_reuses_the_id(
    stack: LocalStack, simulator: JuspaySimulator, control: SimControl
) -> None:
    control.put_order(split_order("ord_rr_5"))
    control.fault(method="POST", path="/refunds", status=503, times=3)

    publish(stack, "paybridge", "RefundRequested", refund_requested("ord_rr_5"))

    [letter] = dead_letters(stack)
    assert letter["error"]["errorType"] == "JuspayUnavailableError"
    assert [r.status for r in refunds_of(stack, "ord_rr_5")] == ["REQUESTED"]
    assert juspay_refunds(control, "ord_rr_5") == []

    # An operator redrives the dead letter: the same stored id is used, and the refund is made once.
    stack.runtime.invoke("IssueRefundFunction", letter["event"])
    assert {c["form"]["unique_request_id"] for c in refund_calls(control)} == {"rf-ord_rr_5-1-1"}
    assert len(juspay_refunds(control, "ord_rr_5")) == 1
    assert [r.status for r in refunds_of(stack, "ord_rr_5")] == ["PENDING"]


def test_an_immediate_failure_answer_retries_with_a_new_id(
    stack: LocalStack, simulator: JuspaySimulator, control: SimControl
) -> None:
    control.put_order(split_order("ord_rr_6"))
    failed = {
        "unique_request_id": "rf-ord_rr_6-1-1",
        "status": "FAILURE",
        "error_code": "GW_DOWN",
        "amount": 40,
    }
    control.fault(method="POST", path="/refunds", status=200, body=failed, times=1)

    publish(stack, "paybridge", "RefundRequested", refund_requested("ord_rr_6"))

    ids = [c["form"]["unique_request_id"] for c in refund_calls(control)]
    assert ids == ["rf-ord_rr_6-1-1", "rf-ord_rr_6-1-2"]
    [record] = refunds_of(stack, "ord_rr_6")
    assert (record.status, record.attempt, record.unique_request_id) == ("PENDING", 2, "rf-ord_rr_6-1-2")
    assert record.attempt_ids == ("rf-ord_rr_6-1-1", "rf-ord_rr_6-1-2")
    assert [r["unique_request_id"] for r in juspay_refunds(control, "ord_rr_6")] == ["rf-ord_rr_6-1-2"]


def test_every_attempt_failing_at_once_ends_failed_and_alarms(
    stack: LocalStack, simulator: JuspaySimulator, control: SimControl, capsys: pytest.CaptureFixture[str]
) -> None:
    control.put_order(split_order("ord_rr_7"))
    for attempt in (1, 2, 3):
        body = {"unique_request_id": f"rf-ord_rr_7-1-{attempt}", "status": "FAILURE", "amount": 40}
        control.fault(method="POST", path="/refunds", status=200, body=body, times=1)

    publish(stack, "paybridge", "RefundRequested", refund_requested("ord_rr_7"))

    assert [c["form"]["unique_request_id"] for c in refund_calls(control)] == [
        "rf-ord_rr_7-1-1",
        "rf-ord_rr_7-1-2",
        "rf-ord_rr_7-1-3",
    ]
    [record] = refunds_of(stack, "ord_rr_7")
    assert (record.status, record.attempt) == ("FAILED", 3)
    [failed] = bus_events(stack, "RefundFailed")
    assert failed["detail"]["status"] == "FAILED"
    assert "RefundFailed" in capsys.readouterr().out


def test_juspay_refusing_the_refund_is_rejected_not_retried(
    stack: LocalStack, simulator: JuspaySimulator, control: SimControl
) -> None:
    control.put_order(split_order("ord_rr_8"))
    detail = refund_requested("ord_rr_8", amount="45.00")  # more than the 40.00 online share

    publish(stack, "paybridge", "RefundRequested", detail)
    publish(stack, "paybridge", "RefundRequested", detail)

    assert len(refund_calls(control)) == 1
    [record] = refunds_of(stack, "ord_rr_8")
    assert (record.status, record.error_code) == ("REJECTED", "invalid.amount.exceeded")
    [failed] = bus_events(stack, "RefundFailed")
    assert failed["detail"]["error_code"] == "invalid.amount.exceeded"


def test_a_conflicting_repeat_goes_to_the_dead_letter_queue(
    stack: LocalStack, simulator: JuspaySimulator, control: SimControl
) -> None:
    control.put_order(split_order("ord_rr_9"))
    publish(stack, "paybridge", "RefundRequested", refund_requested("ord_rr_9"))
    publish(stack, "paybridge", "RefundRequested", refund_requested("ord_rr_9", amount="30.00"))

    assert len(refund_calls(control)) == 1
    [letter] = dead_letters(stack)
    assert letter["error"]["errorType"] == "ConflictError"
    assert [r.amount_minor for r in refunds_of(stack, "ord_rr_9")] == [4000]


def test_a_malformed_request_refunds_nothing(
    stack: LocalStack, simulator: JuspaySimulator, control: SimControl
) -> None:
    publish(stack, "paybridge", "RefundRequested", {"order_id": "ord_rr_10", "amount": 12.5})

    assert refund_calls(control) == []
    [letter] = dead_letters(stack)
    assert letter["error"]["errorType"] == "BadRequestError"


def test_canned_refund_requested_event_runs_through_the_handler(
    stack: LocalStack, simulator: JuspaySimulator, control: SimControl
) -> None:
    event = json.loads((EVENTS / "refund_requested.json").read_text())
    order_id = event["detail"]["order_id"]
    control.put_order(split_order(order_id))

    result = stack.runtime.invoke("IssueRefundFunction", event)

    assert result["status"] == "PENDING"
    assert result["unique_request_id"] == f"rf-{order_id}-1-1"
    assert result["created"] is True
    again = stack.runtime.invoke("IssueRefundFunction", event)
    assert (again["created"], again["unique_request_id"]) == (False, result["unique_request_id"])
    assert len(refund_calls(control)) == 1
