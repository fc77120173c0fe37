"""The refund sweep's growing schedule, and what it costs in Order Status calls per refund (the README's
numbers come from ``checks_over``)."""

from __future__ import annotations

import pytest

from paybridge.models.refund import MANUAL_REVIEW, PENDING, REQUESTED
from paybridge.models.refund_schedule import RefundCheckSchedule

SWEEP_PERIOD_S = 300  # the template's rate(5 minutes)


def checks_over(days: float, schedule: RefundCheckSchedule, status: str = PENDING) -> int:
    """Order Status checks of one refund that stays ``status`` for ``days``, created just before a sweep."""
    t, due, checks = 0, 0, 0
    while t <= days * 86400:
        if t >= due:
            checks += 1
            due = schedule.next_check_at(t, checks, status)
        t += SWEEP_PERIOD_S
    return checks


def test_gaps_double_from_the_first_to_the_cap() -> None:
    schedule = RefundCheckSchedule(first_s=60, max_s=21600)
    gaps = [schedule.delay_s(n, PENDING) for n in range(1, 12)]
    assert gaps == [60, 120, 240, 480, 960, 1920, 3840, 7680, 15360, 21600, 21600]
    assert schedule.delay_s(10**6, REQUESTED) == 21600  # no overflow however many checks


def test_manual_review_waits_the_cap_and_the_time_scale_divides_everything() -> None:
    assert RefundCheckSchedule().delay_s(1, MANUAL_REVIEW) == 6 * 3600
    scaled = RefundCheckSchedule(first_s=60, max_s=3600, time_scale=60)
    assert (scaled.delay_s(1, PENDING), scaled.delay_s(1, MANUAL_REVIEW)) == (1, 60)
    assert scaled.next_check_at(1000.0, 1, PENDING) == 1001


def test_the_next_check_is_always_a_later_second() -> None:
    fast = RefundCheckSchedule(first_s=1, max_s=1, time_scale=1000)
    assert fast.next_check_at(1000.9, 1, PENDING) == 1001
    assert RefundCheckSchedule().next_check_at(1000.5, 1, PENDING) == 1061


@pytest.mark.parametrize(
    ("first_s", "max_s", "time_scale"), [(0, 60, 1), (60, 59, 1), (60, 60, 0), (60, 60, float("inf"))]
)
def test_a_nonsense_schedule_is_refused(first_s: int, max_s: int, time_scale: float) -> None:
    with pytest.raises(ValueError):
        RefundCheckSchedule(first_s=first_s, max_s=max_s, time_scale=time_scale)


def test_order_status_calls_per_refund_with_the_default_schedule() -> None:
    schedule = RefundCheckSchedule()
    assert [checks_over(days, schedule) for days in (1 / 24, 1, 3, 7, 10, 30)] == [6, 12, 20, 36, 48, 128]
    assert checks_over(1, schedule, MANUAL_REVIEW) == 5
