"""Helpers of the refund sweep tests: a hand-moved clock, a sweep at its time, Juspay reads and calls."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from paybridge.logic.issue_refund import RefundOutcome, request_refund
from paybridge.logic.sweep_refunds import SweepDependencies, SweepResult, sweep_refunds
from tests.integration.refunds.support import CUSTOMER, online_txn_id
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


def sweep(deps: SweepDependencies, clock: Clock, **kwargs: Any) -> SweepResult:
    """One sweep run at the clock's time."""
    return sweep_refunds(deps, now=clock.now, **kwargs)


def status_reads(control: SimControl, order_id: str) -> int:
    """Get Order Status calls Juspay (the simulator) received for the order."""
    return sum(
        1 for r in control.requests_log() if (r["method"], r["path"]) == ("GET", f"/orders/{order_id}")
    )


def refund_online_share(deps: SweepDependencies, order_id: str, key: str = "k1") -> RefundOutcome:
    """A merchant refund of the whole 40.00 card transaction of ``support.split_order``."""
    return request_refund(
        order_id=order_id,
        amount=Decimal("40"),
        idempotency_key=key,
        txn_id=online_txn_id(order_id),
        customer_id=CUSTOMER,
        deps=deps.track.refunds,
    )
