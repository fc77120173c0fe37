"""The refund sweep against moto (tables from template.yaml) and the Juspay simulator, with no webhook at all:
open refunds reach their final state through Order Status on a growing schedule, calls whose outcome is
unknown are resolved before any new call, and a split order's wallet share comes back."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from paybridge.dal.orders import OrdersRepository
from paybridge.dal.wallets import WalletRepository
from paybridge.errors import JuspayUnavailableError
from paybridge.logic.issue_refund import RefundDependencies, RefundOutcome, request_refund
from paybridge.logic.sweep_refunds import SweepDependencies, SweepResult, sweep_refunds
from paybridge.logic.track_refund import TrackDependencies
from paybridge.models.refund import next_transition
from paybridge.models.refund_schedule import RefundCheckSchedule
from paybridge_local.simulator import JuspaySimulator
from paybridge_local.stack import LocalStack
from tests.helpers import EVENTS, wait_until
from tests.integration.refunds.support import (
    CUSTOMER,
    bus_events,
    juspay_refunds,
    online_txn_id,
    refund_calls,
    refunds_of,
    refunds_repository,
    reversal_entries,
    settle_split_order,
    split_order,
    wallet_balance,
)
from tests.juspay_helpers import SimControl

START = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)


class Clock:
    """A clock the test moves by hand: records are stamped with it and the sweep runs at its time."""

    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> datetime:
        self.now += timedelta(seconds=seconds)
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def sweeper(refund_deps: RefundDependencies, stack: LocalStack, clock: Clock) -> SweepDependencies:
    refund_deps.clock = clock
    dynamodb = stack.session.client("dynamodb")
    track = TrackDependencies(
        refunds=refund_deps,
        orders=OrdersRepository(dynamodb, stack.output("OrdersTable")),
        wallets=WalletRepository(dynamodb, stack.output("LedgerTable")),
    )
    return SweepDependencies(track=track)


def sweep(deps: SweepDependencies, clock: Clock, **kwargs: Any) -> SweepResult:
    return sweep_refunds(deps, now=clock.now, **kwargs)


def status_reads(control: SimControl, order_id: str) -> int:
    return sum(
        1 for r in control.requests_log() if (r["method"], r["path"]) == ("GET", f"/orders/{order_id}")
    )


def refund_online_share(deps: SweepDependencies, order_id: str, key: str = "k1") -> RefundOutcome:
    return request_refund(
        order_id=order_id,
        amount=Decimal("40"),
        idempotency_key=key,
        txn_id=online_txn_id(order_id),
        customer_id=CUSTOMER,
        deps=deps.track.refunds,
    )


def test_a_refund_settled_without_webhook_succeeds_at_the_next_sweep(
    stack: LocalStack,
    simulator: JuspaySimulator,
    control: SimControl,
    sweeper: SweepDependencies,
    clock: Clock,
) -> None:
    control.put_order(split_order("ord_sw_1"))
    outcome = refund_online_share(sweeper, "ord_sw_1")
    assert outcome.status == "PENDING"
    control.settle(outcome.unique_request_id, "SUCCESS")

    result = sweep(sweeper, clock)

    [record] = refunds_of(stack, "ord_sw_1")
    assert (record.status, record.next_check_at) == ("SUCCESS", None)
    assert result.refunds == [
        {
            "order_id": "ord_sw_1",
            "refund_seq": 1,
            "unique_request_id": outcome.unique_request_id,
            "status": "SUCCESS",
            "next_check_at": None,
        }
    ]
    assert len(bus_events(stack, "RefundSucceeded")) == 1
    assert refunds_repository(stack).due_for_check(int(clock.advance(10**6).timestamp()), limit=10) == []
    assert len(refund_calls(control)) == 1


def test_a_pending_refund_is_checked_on_a_growing_schedule(
    stack: LocalStack,
    simulator: JuspaySimulator,
    control: SimControl,
    sweeper: SweepDependencies,
    clock: Clock,
) -> None:
    control.put_order(split_order("ord_sw_2"))
    refund_online_share(sweeper, "ord_sw_2")
    checked_at: list[float] = []
    # Sweeps every 30 s for ten minutes: checks come 60, 120, 240 s apart after the first.
    for _ in range(21):
        before = status_reads(control, "ord_sw_2")
        sweep(sweeper, clock)
        if status_reads(control, "ord_sw_2") > before:
            checked_at.append((clock.now - START).total_seconds())
        clock.advance(30)

    assert checked_at == [0, 60, 180, 420]
    [record] = refunds_of(stack, "ord_sw_2")
    assert (record.status, record.checks) == ("PENDING", 4)
    assert record.next_check_at == int((START + timedelta(seconds=420 + 480)).timestamp())
    assert len(refund_calls(control)) == 1


def test_the_schedule_honours_the_time_scale_and_keeps_manual_review_at_the_cap(
    stack: LocalStack,
    simulator: JuspaySimulator,
    control: SimControl,
    sweeper: SweepDependencies,
    clock: Clock,
) -> None:
    sweeper.schedule = RefundCheckSchedule(first_s=60, max_s=3600, time_scale=60)
    control.put_order(split_order("ord_sw_3"))
    outcome = refund_online_share(sweeper, "ord_sw_3")

    sweep(sweeper, clock)
    [record] = refunds_of(stack, "ord_sw_3")
    assert record.next_check_at == int(clock.now.timestamp()) + 1  # 60 s / 60

    control.settle(outcome.unique_request_id, "MANUAL_REVIEW")
    clock.advance(1)
    sweep(sweeper, clock)
    [record] = refunds_of(stack, "ord_sw_3")
    assert record.status == "MANUAL_REVIEW"
    assert record.next_check_at == int(clock.now.timestamp()) + 60  # the cap, 3600 s / 60
    assert len(bus_events(stack, "RefundManualReview")) == 1

    # Juspay's later verdict still ends it, found by the sweep alone.
    control.settle(outcome.unique_request_id, "SUCCESS")
    clock.advance(60)
    sweep(sweeper, clock)
    assert [r.status for r in refunds_of(stack, "ord_sw_3")] == ["SUCCESS"]


def test_a_failure_found_by_the_sweep_starts_the_next_attempt_which_is_due_at_once(
    stack: LocalStack,
    simulator: JuspaySimulator,
    control: SimControl,
    sweeper: SweepDependencies,
    clock: Clock,
) -> None:
    control.put_order(split_order("ord_sw_4"))
    outcome = refund_online_share(sweeper, "ord_sw_4")
    control.settle(outcome.unique_request_id, "FAILURE")

    sweep(sweeper, clock)

    [record] = refunds_of(stack, "ord_sw_4")
    assert (record.status, record.attempt, record.unique_request_id) == ("PENDING", 2, "rf-ord_sw_4-1-2")
    assert (record.checks, record.next_check_at) == (0, int(clock.now.timestamp()))
    assert [c["form"]["unique_request_id"] for c in refund_calls(control)] == [
        "rf-ord_sw_4-1-1",
        "rf-ord_sw_4-1-2",
    ]


def test_the_sweep_credits_a_settled_split_orders_wallet_share_back_once(
    stack: LocalStack,
    simulator: JuspaySimulator,
    control: SimControl,
    sweeper: SweepDependencies,
    clock: Clock,
) -> None:
    control.put_order(split_order("ord_sw_5"))
    settle_split_order(stack, "ord_sw_5", online=4000, wallet=1000, balance=5000)
    assert wallet_balance(stack) == 4000
    outcome = refund_online_share(sweeper, "ord_sw_5")

    sweep(sweeper, clock)  # still PENDING at Juspay: nothing comes back yet
    assert wallet_balance(stack) == 4000

    control.settle(outcome.unique_request_id, "SUCCESS")
    clock.advance(60)
    result = sweep(sweeper, clock)
    clock.advance(3600)
    sweep(sweeper, clock)

    assert result.wallet == {"ord_sw_5": "REVERSED"}
    assert wallet_balance(stack) == 5000
    assert len(reversal_entries(stack)) == 1
    [reversed_event] = bus_events(stack, "WalletShareReversed")
    assert (reversed_event["detail"]["order_id"], reversed_event["detail"]["amount"]) == ("ord_sw_5", "10.00")


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
        deps=sweeper.track.refunds,
    )
    assert outcome.status == "REJECTED"
    assert refunds_repository(stack).due_for_check(int(clock.advance(60).timestamp()), limit=10) == []


def test_a_juspay_outage_is_retried_on_the_schedule_and_converges_when_juspay_is_back(
    stack: LocalStack,
    simulator: JuspaySimulator,
    control: SimControl,
    sweeper: SweepDependencies,
    clock: Clock,
) -> None:
    orders = [f"ord_sw_o{n}" for n in range(4)]
    uids = []
    for order_id in orders:
        control.put_order(split_order(order_id))
        uids.append(refund_online_share(sweeper, order_id).unique_request_id)
        control.settle(uids[-1], "SUCCESS")
    control.fault(method="GET", path="/orders/*", status=503, times=100)

    down = sweep(sweeper, clock)

    assert (down.orders_checked, down.orders_failed, down.stopped_early) == (3, 3, True)
    records = [r for order_id in orders for r in refunds_of(stack, order_id)]
    assert [r.status for r in records] == ["PENDING"] * 4
    assert sorted(r.checks for r in records) == [0, 1, 1, 1]  # the fourth was never tried: still due

    control.http.delete(f"{control.url}/__sim/faults")
    clock.advance(60)
    back = sweep(sweeper, clock)

    assert (back.orders_checked, back.orders_failed, back.stopped_early) == (4, 0, False)
    assert [r.status for order_id in orders for r in refunds_of(stack, order_id)] == ["SUCCESS"] * 4
    assert len(bus_events(stack, "RefundSucceeded")) == 4


def test_the_limit_bounds_one_run_and_the_rest_wait_for_the_next(
    stack: LocalStack,
    simulator: JuspaySimulator,
    control: SimControl,
    sweeper: SweepDependencies,
    clock: Clock,
) -> None:
    for n in range(3):
        control.put_order(split_order(f"ord_sw_l{n}"))
        refund_online_share(sweeper, f"ord_sw_l{n}")

    first = sweep(sweeper, clock, limit=2)
    second = sweep(sweeper, clock, limit=2)

    assert (first.due, first.orders_checked, second.due, second.orders_checked) == (2, 2, 1, 1)
    with pytest.raises(ValueError, match="limit"):
        sweep(sweeper, clock, limit=0)


def test_the_scheduled_function_runs_the_sweep_on_the_canned_event(
    stack: LocalStack, simulator: JuspaySimulator, control: SimControl, sweeper: SweepDependencies
) -> None:
    sweeper.track.refunds.clock = lambda: datetime.now(UTC)
    control.put_order(split_order("ord_sw_h"))
    outcome = refund_online_share(sweeper, "ord_sw_h")
    control.settle(outcome.unique_request_id, "SUCCESS")
    event = json.loads((EVENTS / "scheduled_sweep_refunds.json").read_text())

    result = stack.runtime.invoke("SweepRefundsFunction", event)

    assert (result["due"], result["orders_checked"], result["wallet"]) == (1, 1, {"ord_sw_h": "NOT_SETTLED"})
    assert [r.status for r in refunds_of(stack, "ord_sw_h")] == ["SUCCESS"]


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


def test_a_run_out_of_time_starts_no_order(
    stack: LocalStack,
    simulator: JuspaySimulator,
    control: SimControl,
    sweeper: SweepDependencies,
    clock: Clock,
) -> None:
    control.put_order(split_order("ord_sw_t"))
    refund_online_share(sweeper, "ord_sw_t")
    sweeper.time_left = lambda: 59.0

    result = sweep(sweeper, clock)

    assert (result.due, result.orders_checked, result.stopped_early) == (1, 0, True)
    assert status_reads(control, "ord_sw_t") == 0


def test_an_index_entry_behind_the_table_checks_nothing(
    stack: LocalStack,
    simulator: JuspaySimulator,
    control: SimControl,
    sweeper: SweepDependencies,
    clock: Clock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    control.put_order(split_order("ord_sw_g"))
    outcome = refund_online_share(sweeper, "ord_sw_g")
    control.settle(outcome.unique_request_id, "SUCCESS")
    sweep(sweeper, clock)
    before = status_reads(control, "ord_sw_g")
    # The GSI is eventually consistent: it may still list a refund the table already has as final.
    monkeypatch.setattr(
        sweeper.track.refunds.repository, "due_for_check", lambda now, limit: [("ord_sw_g", 1)]
    )

    result = sweep(sweeper, clock)

    assert (result.due, result.orders_checked, result.refunds) == (1, 0, [])
    assert status_reads(control, "ord_sw_g") == before


def test_a_refund_moved_while_being_rescheduled_keeps_the_other_writers_state(
    stack: LocalStack,
    simulator: JuspaySimulator,
    control: SimControl,
    sweeper: SweepDependencies,
    clock: Clock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    control.put_order(split_order("ord_sw_r"))
    refund_online_share(sweeper, "ord_sw_r")
    monkeypatch.setattr(sweeper.track.refunds.repository, "reschedule", lambda *a, **k: False)

    result = sweep(sweeper, clock)

    [record] = refunds_of(stack, "ord_sw_r")
    assert result.refunds[0]["next_check_at"] == record.next_check_at == int(clock.now.timestamp())


def test_a_refund_without_a_customer_is_routed_by_the_settled_orders_customer(
    stack: LocalStack,
    simulator: JuspaySimulator,
    control: SimControl,
    sweeper: SweepDependencies,
    clock: Clock,
) -> None:
    control.put_order(split_order("ord_sw_c"))
    settle_split_order(stack, "ord_sw_c", online=4000, wallet=1000, balance=5000)
    request_refund(
        order_id="ord_sw_c",
        amount=Decimal("40"),
        idempotency_key="k",
        txn_id=online_txn_id("ord_sw_c"),
        deps=sweeper.track.refunds,
    )
    control.http.delete(f"{control.url}/__sim/requests")

    sweep(sweeper, clock)

    [read] = [r for r in control.requests_log() if r["path"] == "/orders/ord_sw_c"]
    assert read["headers"].get("x-routing-id") == CUSTOMER


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
            other.txn_id, unique_request_id=other.unique_request_id, amount=Decimal("40"), order_id="ord_sw_m"
        )
        transition = next_transition(other, "PENDING")
        assert transition is not None
        repository.apply(other, transition, now=now)
        return None

    monkeypatch.setattr(repository, "mark_sent", other_writer_first)

    outcome = refund_online_share(sweeper, "ord_sw_m")

    assert outcome.status == "PENDING"
    assert len(refund_calls(control)) == 1


def test_a_credit_back_that_fails_is_retried_with_the_refunds_next_check(
    stack: LocalStack,
    simulator: JuspaySimulator,
    control: SimControl,
    sweeper: SweepDependencies,
    clock: Clock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    control.put_order(split_order("ord_sw_cb"))
    settle_split_order(stack, "ord_sw_cb", online=4000, wallet=1000, balance=5000)
    outcome = refund_online_share(sweeper, "ord_sw_cb")
    control.settle(outcome.unique_request_id, "SUCCESS")
    wallets = sweeper.track.wallets
    real_reverse = wallets.reverse_debit

    def unavailable(**kwargs: Any) -> Any:
        monkeypatch.setattr(wallets, "reverse_debit", real_reverse)
        raise RuntimeError("ledger table unavailable")

    monkeypatch.setattr(wallets, "reverse_debit", unavailable)

    failed = sweep(sweeper, clock)
    [record] = refunds_of(stack, "ord_sw_cb")
    assert (failed.orders_failed, record.status, wallet_balance(stack)) == (1, "PENDING", 4000)
    assert record.next_check_at == int(clock.now.timestamp()) + 60

    clock.advance(60)
    again = sweep(sweeper, clock)

    assert again.wallet == {"ord_sw_cb": "REVERSED"}
    assert [r.status for r in refunds_of(stack, "ord_sw_cb")] == ["SUCCESS"]
    assert wallet_balance(stack) == 5000
    assert len(bus_events(stack, "RefundSucceeded")) == 1
