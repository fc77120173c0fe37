"""Refund calls whose outcome is unknown (timeout, 5xx, dropped connection): before any further call the
refund is resolved with Order Status's ``refunds[]``; a 4xx on a repeated call of the same id is unknown,
not REJECTED. Driven by the sweep and the issue path against moto and the simulator."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from paybridge.errors import JuspayUnavailableError
from paybridge.logic.issue_refund import request_refund
from paybridge.logic.sweep_refunds import SweepDependencies
from paybridge.models.refund import next_transition
from paybridge_local.simulator import JuspaySimulator
from paybridge_local.stack import LocalStack
from tests.helpers import wait_until
from tests.integration.refunds.support import (
    CUSTOMER,
    bus_events,
    juspay_refunds,
    online_txn_id,
    refund_calls,
    refunds_of,
    refunds_repository,
    split_order,
)
from tests.integration.refunds.sweep_support import Clock, refund_online_share, sweep
from tests.juspay_helpers import SimControl


def test_a_call_whose_outcome_was_lost_is_sent_again_with_its_id_when_juspay_does_not_list_it(
    stack: LocalStack,
    simulator: JuspaySimulator,
    control: SimControl,
    sweeper: SweepDependencies,
    clock: Clock,
) -> None:
    control.put_order(split_order("ord_sw_6"))
    control.fault(method="POST", path="/refunds", status=503, times=1)
    with pytest.raises(JuspayUnavailableError):
        refund_online_share(sweeper, "ord_sw_6")
    [record] = refunds_of(stack, "ord_sw_6")
    assert (record.status, record.outcome_unknown) == ("REQUESTED", True)

    sweep(sweeper, clock)

    calls = refund_calls(control)
    assert [c["form"]["unique_request_id"] for c in calls] == ["rf-ord_sw_6-1-1", "rf-ord_sw_6-1-1"]
    [record] = refunds_of(stack, "ord_sw_6")
    assert (record.status, record.outcome_unknown) == ("PENDING", False)
    assert len(juspay_refunds(control, "ord_sw_6")) == 1


def test_a_call_that_juspay_applied_after_a_timeout_is_resolved_by_order_status_alone(
    stack: LocalStack,
    simulator: JuspaySimulator,
    control: SimControl,
    sweeper: SweepDependencies,
    clock: Clock,
) -> None:
    control.put_order(split_order("ord_sw_7"))
    control.fault(method="POST", path="/refunds", delay_ms=800, times=1)
    with pytest.raises(JuspayUnavailableError):
        refund_online_share(sweeper, "ord_sw_7")
    # Juspay applied it after the client gave up.
    wait_until(lambda: juspay_refunds(control, "ord_sw_7"), what="the delayed refund", timeout_s=10)

    sweep(sweeper, clock)

    assert len(refund_calls(control)) == 1
    [record] = refunds_of(stack, "ord_sw_7")
    assert record.status == "PENDING"


def test_a_refusal_of_a_repeated_call_is_unknown_not_rejected(
    stack: LocalStack,
    simulator: JuspaySimulator,
    control: SimControl,
    sweeper: SweepDependencies,
    clock: Clock,
) -> None:
    control.put_order(split_order("ord_sw_8"))
    control.fault(method="POST", path="/refunds", status=503, times=1)
    with pytest.raises(JuspayUnavailableError):
        refund_online_share(sweeper, "ord_sw_8")
    refusal = {"status": "ERROR", "error_code": "invalid.amount.exceeded", "error_message": "exceeded"}
    control.fault(method="POST", path="/refunds", status=400, body=refusal, times=1)

    first = sweep(sweeper, clock)
    [record] = refunds_of(stack, "ord_sw_8")
    assert (record.status, record.outcome_unknown) == ("REQUESTED", True)
    assert first.refunds[0]["status"] == "REQUESTED"
    assert bus_events(stack, "RefundFailed") == []

    clock.advance(60)
    sweep(sweeper, clock)
    [record] = refunds_of(stack, "ord_sw_8")
    assert record.status == "PENDING"
    assert {c["form"]["unique_request_id"] for c in refund_calls(control)} == {"rf-ord_sw_8-1-1"}
    assert len(juspay_refunds(control, "ord_sw_8")) == 1


def test_a_first_call_refused_is_still_rejected(
    stack: LocalStack,
    simulator: JuspaySimulator,
    control: SimControl,
    sweeper: SweepDependencies,
    clock: Clock,
) -> None:
    control.put_order(split_order("ord_sw_9"))
    outcome = request_refund(
        order_id="ord_sw_9",
        amount=Decimal("45"),  # more than the 40.00 online share
        idempotency_key="k",
        txn_id=online_txn_id("ord_sw_9"),
        customer_id=CUSTOMER,
        deps=sweeper.track.refunds,
    )
    assert outcome.status == "REJECTED"
    assert refunds_repository(stack).due_for_check(int(clock.advance(60).timestamp()), limit=10) == []


def test_a_404_on_a_repeated_call_is_unknown_too(
    stack: LocalStack,
    simulator: JuspaySimulator,
    control: SimControl,
    sweeper: SweepDependencies,
    clock: Clock,
) -> None:
    control.put_order(split_order("ord_sw_nf"))
    control.fault(method="POST", path="/refunds", status=503, times=1)
    with pytest.raises(JuspayUnavailableError):
        refund_online_share(sweeper, "ord_sw_nf")
    control.fault(method="POST", path="/refunds", status=404, times=1)

    sweep(sweeper, clock)

    [record] = refunds_of(stack, "ord_sw_nf")
    assert (record.status, record.outcome_unknown) == ("REQUESTED", True)


def test_a_refund_moved_just_before_its_call_is_read_again_and_not_sent_twice(
    stack: LocalStack,
    simulator: JuspaySimulator,
    control: SimControl,
    sweeper: SweepDependencies,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Another writer sends the refund between our read and our ``mark_sent``: we re-read, find it PENDING
    and call nothing."""
    control.put_order(split_order("ord_sw_m"))
    repository = sweeper.track.refunds.repository
    real_mark_sent = repository.mark_sent

    def other_writer_first(record: Any, *, now: str) -> Any:
        monkeypatch.setattr(repository, "mark_sent", real_mark_sent)
        other = real_mark_sent(record, now=now)
        assert other is not None
        sweeper.track.refunds.juspay.refund_txn(
            other.txn_id,
            unique_request_id=other.unique_request_id,
            amount=Decimal("40"),
            order_id="ord_sw_m",
            customer_id=CUSTOMER,
        )
        transition = next_transition(other, "PENDING")
        assert transition is not None
        repository.apply(other, transition, now=now)
        return None

    monkeypatch.setattr(repository, "mark_sent", other_writer_first)

    outcome = refund_online_share(sweeper, "ord_sw_m")

    assert outcome.status == "PENDING"
    assert len(refund_calls(control)) == 1
