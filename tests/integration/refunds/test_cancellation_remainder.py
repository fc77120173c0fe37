"""A cancellation refund (``RefundRequested``) refunds only what is left of the online transaction when
Juspay's dashboard refunded part of it after settlement cancelled the order (issue 9, soak seed 7): never
more than is left, never twice. Against moto (the stack's functions) and the simulator."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest

from paybridge.errors import JuspayUnavailableError
from paybridge.logic.issue_refund import RefundDependencies, handle_refund_requested
from paybridge.logic.sweep_refunds import SweepDependencies
from paybridge_local.simulator import JuspaySimulator
from paybridge_local.stack import LocalStack
from tests.integration.refunds.support import (
    bus_events,
    juspay_refunds,
    publish,
    refund_calls,
    refund_requested,
    refunds_of,
    split_order,
)
from tests.integration.refunds.sweep_support import Clock, sweep
from tests.juspay_helpers import SimControl


def dashboard_refund(control: SimControl, order_id: str, amount: str, status: str = "SUCCESS") -> None:
    """A refund made on Juspay's dashboard (listed without ``txn_id``, against the one charged txn)."""
    response = control.http.post(
        f"{control.url}/__sim/orders/{order_id}/refunds", json={"amount": amount, "status": status}
    )
    assert response.status_code == 201, response.text


def dead_letters(stack: LocalStack) -> list[dict[str, Any]]:
    sqs = stack.session.client("sqs")
    messages = sqs.receive_message(QueueUrl=stack.output("RuleTargetDeadLetterQueue"), MaxNumberOfMessages=10)
    return [json.loads(m["Body"]) for m in messages.get("Messages", [])]


def held_by_juspay(control: SimControl, order_id: str) -> Decimal:
    """What Juspay holds for refunds of the order (every refund but FAILURE)."""
    return sum(
        (Decimal(str(r["amount"])) for r in juspay_refunds(control, order_id) if r["status"] != "FAILURE"),
        Decimal(0),
    )


def test_a_dashboard_refund_before_the_cancellation_refund_leaves_only_the_rest_to_refund(
    stack: LocalStack, simulator: JuspaySimulator, control: SimControl
) -> None:
    control.put_order(split_order("ord_rm_1"))
    dashboard_refund(control, "ord_rm_1", "15.00")

    publish(stack, "paybridge", "RefundRequested", refund_requested("ord_rm_1"))  # the whole 40.00
    publish(stack, "paybridge", "RefundRequested", refund_requested("ord_rm_1"))  # delivered again

    [call] = refund_calls(control)
    assert (call["form"]["unique_request_id"], call["form"]["amount"]) == ("rf-ord_rm_1-1-1", "25.00")
    [record] = refunds_of(stack, "ord_rm_1")
    assert (record.status, record.amount_minor, record.requested_minor) == ("PENDING", 2500, 4000)
    assert dead_letters(stack) == []  # the redelivery is the same request, not a conflict
    assert held_by_juspay(control, "ord_rm_1") == Decimal("40.00")
    [issued] = bus_events(stack, "RefundIssued")
    assert issued["detail"]["amount"] == "25.00"


def test_nothing_left_to_refund_ends_the_refund_without_a_call(
    stack: LocalStack, simulator: JuspaySimulator, control: SimControl
) -> None:
    control.put_order(split_order("ord_rm_2"))
    dashboard_refund(control, "ord_rm_2", "30.00")
    dashboard_refund(control, "ord_rm_2", "10.00", status="PENDING")  # pending refunds hold money too

    publish(stack, "paybridge", "RefundRequested", refund_requested("ord_rm_2"))
    publish(stack, "paybridge", "RefundRequested", refund_requested("ord_rm_2"))

    assert refund_calls(control) == []
    [record] = refunds_of(stack, "ord_rm_2")
    assert (record.status, record.next_check_at) == ("ALREADY_REFUNDED", None)
    [event] = bus_events(stack, "RefundSucceeded")
    assert event["detail"]["status"] == "ALREADY_REFUNDED"
    assert held_by_juspay(control, "ord_rm_2") == Decimal("40.00")


def test_a_dashboard_refund_between_the_read_and_the_call_moves_to_a_new_id_for_the_rest(
    simulator: JuspaySimulator,
    control: SimControl,
    refund_deps: RefundDependencies,
    stack: LocalStack,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    control.put_order(split_order("ord_rm_3"))
    real_refund_txn = refund_deps.juspay.refund_txn

    def dashboard_first(*args: Any, **kwargs: Any) -> Any:
        monkeypatch.setattr(refund_deps.juspay, "refund_txn", real_refund_txn)
        dashboard_refund(control, "ord_rm_3", "10.00")
        return real_refund_txn(*args, **kwargs)

    monkeypatch.setattr(refund_deps.juspay, "refund_txn", dashboard_first)

    outcome = handle_refund_requested(refund_requested("ord_rm_3"), refund_deps)

    calls = [(c["form"]["unique_request_id"], c["form"]["amount"]) for c in refund_calls(control)]
    assert calls == [("rf-ord_rm_3-1-1", "40.00"), ("rf-ord_rm_3-1-2", "30.00")]
    assert (outcome.status, outcome.amount, outcome.attempt) == ("PENDING", "30.00", 2)
    assert held_by_juspay(control, "ord_rm_3") == Decimal("40.00")


def test_a_lost_call_then_a_dashboard_refund_sends_the_rest_under_a_new_id(
    simulator: JuspaySimulator,
    control: SimControl,
    stack: LocalStack,
    sweeper: SweepDependencies,
    clock: Clock,
) -> None:
    """The lost call's id went out for 40.00; the rest (30.00) goes under the next id, never the same id with
    another amount. Had the lost call landed, Juspay's own ceiling would refuse the second."""
    control.put_order(split_order("ord_rm_4"))
    control.fault(method="POST", path="/refunds", status=503, times=1)
    with pytest.raises(JuspayUnavailableError):
        handle_refund_requested(refund_requested("ord_rm_4"), sweeper.track.refunds)
    dashboard_refund(control, "ord_rm_4", "10.00")

    sweep(sweeper, clock)

    calls = [(c["form"]["unique_request_id"], c["form"]["amount"]) for c in refund_calls(control)]
    assert calls == [("rf-ord_rm_4-1-1", "40.00"), ("rf-ord_rm_4-1-2", "30.00")]
    [record] = refunds_of(stack, "ord_rm_4")
    assert (record.status, record.attempt, record.amount_minor) == ("PENDING", 2, 3000)
    assert held_by_juspay(control, "ord_rm_4") == Decimal("40.00")


def test_a_request_above_the_transaction_is_still_rejected_once(
    stack: LocalStack, simulator: JuspaySimulator, control: SimControl
) -> None:
    """Refused with nothing refunded meanwhile: the refusal stands (no new attempt)."""
    control.put_order(split_order("ord_rm_5"))
    publish(stack, "paybridge", "RefundRequested", refund_requested("ord_rm_5", amount="45.00"))

    assert len(refund_calls(control)) == 1
    [record] = refunds_of(stack, "ord_rm_5")
    assert (record.status, record.attempt, record.error_code) == ("REJECTED", 1, "invalid.amount.exceeded")
