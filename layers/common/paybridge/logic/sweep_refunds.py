"""Follow open refunds to a final state without relying on webhooks (the scheduled refund sweep).

Each run reads the refunds due for a check (sparse GSI: open, ``next_check_at`` at or before ``now``; never a
scan), calls Get Order Status once per order, and moves every open refund of that order with the code the
refund webhooks use (``track_refund.follow_order_refunds``): a SUCCESS, FAILURE (next attempt) or
MANUAL_REVIEW is applied, and a REQUESTED refund whose call's outcome is unknown is resolved (or sent again
with the same id when Juspay does not list it). When Juspay reports one of them SUCCESS, the webhook path's
wallet-share credit-back runs first (``track_refund.credit_back_if_refunded``).

Every still-open refund that was checked then gets its next check on a growing schedule
(``RefundCheckSchedule``), also when the check failed: a Juspay outage converges by itself once Juspay is
back. Three transient Juspay errors in a row end the run early (the rest stay due for the next run).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from paybridge.errors import TRANSIENT_ERRORS
from paybridge.logic.track_refund import TrackDependencies, credit_back_if_refunded, follow_order_refunds
from paybridge.models.juspay import Order
from paybridge.models.refund import JUSPAY_SUCCESS, RefundRecord
from paybridge.models.refund_schedule import RefundCheckSchedule
from paybridge.observability import MetricUnit, logger, metrics

#: Refunds read per run unless the caller says otherwise.
DEFAULT_LIMIT = 100
#: Consecutive transient Juspay errors after which a run stops (Juspay is down; the next run retries).
MAX_TRANSIENT_IN_A_ROW = 3
#: Seconds a run keeps in hand for one more order (Order Status with the client's retries).
DEFAULT_RESERVE_S = 60.0


@dataclass
class SweepDependencies:
    """The refund-following dependencies, the check schedule and (from the handler) the time left."""

    track: TrackDependencies
    schedule: RefundCheckSchedule = field(default_factory=RefundCheckSchedule)
    #: Seconds the invocation has left; None: no limit (a test, an operator's command).
    time_left: Callable[[], float] | None = None
    reserve_s: float = DEFAULT_RESERVE_S


@dataclass(frozen=True)
class SweepResult:
    """What one run did: ids, statuses and counts only."""

    due: int
    orders_checked: int
    orders_failed: int
    stopped_early: bool
    #: Every refund checked: order_id, refund_seq, unique_request_id, status, next_check_at (None: final).
    refunds: list[dict[str, Any]] = field(default_factory=list)
    #: Order id → the wallet credit-back's outcome, for orders whose refund turned SUCCESS in this run.
    wallet: dict[str, str] = field(default_factory=dict)


def sweep_refunds(deps: SweepDependencies, *, now: datetime, limit: int = DEFAULT_LIMIT) -> SweepResult:
    """Checks up to ``limit`` refunds due at ``now`` against Order Status and schedules their next checks."""
    if limit < 1:
        raise ValueError("limit must be at least 1")
    now_epoch = int(now.timestamp())
    due = deps.track.refunds.repository.due_for_check(now_epoch, limit=limit)
    pending = list(dict.fromkeys(order_id for order_id, _ in due))  # oldest due first, each order once
    checked, failed, transient_in_a_row, stopped = 0, 0, 0, False
    summaries: list[dict[str, Any]] = []
    wallet: dict[str, str] = {}
    while pending:
        if transient_in_a_row >= MAX_TRANSIENT_IN_A_ROW or _out_of_time(deps):
            stopped = True
            break
        order_id = pending.pop(0)
        logger.append_keys(order_id=order_id)
        outcome = _check_order(order_id, deps, now=now, now_epoch=now_epoch)
        if outcome is None:
            continue
        checked += 1
        failed += outcome.error is not None
        transient_in_a_row = transient_in_a_row + 1 if outcome.transient else 0
        summaries.extend(outcome.summaries)
        if outcome.wallet is not None:
            wallet[order_id] = outcome.wallet
    logger.remove_keys(["order_id"])
    if stopped:
        logger.warning("refund sweep stopped early; the rest stay due", extra={"orders_left": len(pending)})
    logger.info(
        "refund sweep done",
        extra={"due": len(due), "orders_checked": checked, "orders_failed": failed, "stopped_early": stopped},
    )
    metrics.add_metric(name="RefundChecks", unit=MetricUnit.Count, value=len(summaries))
    return SweepResult(len(due), checked, failed, stopped, summaries, wallet)


@dataclass(frozen=True)
class _OrderOutcome:
    summaries: list[dict[str, Any]]
    wallet: str | None = None
    error: str | None = None
    transient: bool = False


def _check_order(
    order_id: str, deps: SweepDependencies, *, now: datetime, now_epoch: int
) -> _OrderOutcome | None:
    """One Order Status for the order, its refunds moved, its checked refunds rescheduled. None: nothing due
    (the index lags the table, or another run got there first)."""
    refunds = deps.track.refunds
    records = refunds.repository.list_for_order(order_id)
    due = [r for r in records if r.is_open and r.next_check_at is not None and r.next_check_at <= now_epoch]
    if not due:
        return None
    after: dict[int, RefundRecord] = {r.seq: r for r in records}
    wallet: str | None = None
    error: str | None = None
    transient = False
    try:
        order = refunds.juspay.get_order_status(order_id, customer_id=_customer_of(order_id, records, deps))
        if any(_succeeds(r, order) for r in records):
            # Before the refund turns final (and leaves the schedule): a credit-back that fails is retried
            # with the refund's next check.
            wallet = credit_back_if_refunded(order_id, order, deps.track)
        after = follow_order_refunds(order, records, refunds)
    except Exception as exc:  # one order's trouble must not stop the others; it is retried on schedule
        error = getattr(exc, "code", None) or type(exc).__name__
        transient = isinstance(exc, TRANSIENT_ERRORS)
        metrics.add_metric(name="RefundCheckFailed", unit=MetricUnit.Count, value=1)
        logger.warning(
            "refund check failed; retried on schedule", extra={"error": error}, exc_info=not transient
        )
        after = {r.seq: _latest(r, refunds.repository.get(order_id, r.seq)) for r in records}
    return _OrderOutcome([_reschedule(r, after[r.seq], deps, now=now) for r in due], wallet, error, transient)


def _reschedule(
    seen: RefundRecord, current: RefundRecord, deps: SweepDependencies, *, now: datetime
) -> dict[str, Any]:
    """Sets the next check of a refund that was due, unless it is final or a new attempt (due at once)."""
    next_check_at = current.next_check_at
    if current.is_open and current.unique_request_id == seen.unique_request_id:
        checks = current.checks + 1
        next_check_at = deps.schedule.next_check_at(now.timestamp(), checks, current.status)
        moved = not deps.track.refunds.repository.reschedule(
            current, checks=checks, next_check_at=next_check_at, now=deps.track.refunds.now()
        )
        if moved:  # another writer moved it meanwhile: its write stands, and so does its schedule
            next_check_at = current.next_check_at
    return {
        "order_id": current.order_id,
        "refund_seq": current.seq,
        "unique_request_id": current.unique_request_id,
        "status": current.status,
        "next_check_at": next_check_at if current.is_open else None,
    }


def _succeeds(record: RefundRecord, order: Order) -> bool:
    """True when Order Status reports SUCCESS for an open refund's current id."""
    found = order.find_refund(record.unique_request_id) if record.is_open else None
    return found is not None and found.status == JUSPAY_SUCCESS


def _customer_of(order_id: str, records: list[RefundRecord], deps: SweepDependencies) -> str | None:
    """Juspay's routing id for the order: a refund's customer, else the order record's."""
    stored = next((r.customer_id for r in records if r.customer_id), None)
    if stored is not None:
        return stored
    record = deps.track.orders.get(order_id)
    return record.routing_customer_id if record is not None else None


def _latest(seen: RefundRecord, read: RefundRecord | None) -> RefundRecord:
    return read if read is not None else seen


def _out_of_time(deps: SweepDependencies) -> bool:
    return deps.time_left is not None and deps.time_left() < deps.reserve_s
