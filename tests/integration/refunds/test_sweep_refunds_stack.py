"""The refund sweep against moto (tables from template.yaml) and the Juspay simulator, with no webhook at all:
open refunds reach their final state through Order Status on a growing schedule, a Juspay outage converges
by itself, and a split order's wallet share comes back. Unknown call outcomes: test_refund_unknown_outcomes.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from paybridge.dal.refunds import NewRefund
from paybridge.logic.sweep_refunds import SweepDependencies
from paybridge.models.refund import next_transition
from paybridge.models.refund_schedule import RefundCheckSchedule
from paybridge_local.simulator import JuspaySimulator
from paybridge_local.stack import LocalStack
from tests.helpers import EVENTS
from tests.integration.refunds.support import (
    CUSTOMER,
    bus_events,
    online_txn_id,
    refund_calls,
    refunds_of,
    refunds_repository,
    reversal_entries,
    settle_split_order,
    split_order,
    wallet_balance,
)
from tests.integration.refunds.sweep_support import START, Clock, refund_online_share, status_reads, sweep
from tests.juspay_helpers import SimControl


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
    """A refund stored without its customer (as before routing was kept): Order Status is still routed by
    the customer of the order's settlement record."""
    control.put_order(split_order("ord_sw_c"))
    settle_split_order(stack, "ord_sw_c", online=4000, wallet=1000, balance=5000)
    repository = sweeper.track.refunds.repository
    record, _ = repository.create(
        NewRefund(
            order_id="ord_sw_c",
            request_key="api:k",
            kind="txn",
            amount_minor=4000,
            currency="INR",
            reason="r",
            source="api",
            max_attempts=3,
            txn_id=online_txn_id("ord_sw_c"),
        ),
        now=sweeper.track.refunds.now(),
    )
    sweeper.track.refunds.juspay.refund_txn(
        online_txn_id("ord_sw_c"),
        unique_request_id=record.unique_request_id,
        amount=Decimal("40"),
        order_id="ord_sw_c",
        customer_id=CUSTOMER,
    )
    transition = next_transition(record, "PENDING")
    assert transition is not None
    repository.apply(record, transition, now=sweeper.track.refunds.now())
    control.settle(record.unique_request_id, "SUCCESS")
    control.http.delete(f"{control.url}/__sim/requests")

    sweep(sweeper, clock)

    [read] = [r for r in control.requests_log() if r["path"] == "/orders/ord_sw_c"]
    assert read["headers"].get("x-routing-id") == CUSTOMER
    assert [r.status for r in refunds_of(stack, "ord_sw_c")] == ["SUCCESS"]


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
