"""The follower's growing schedule: poll counts for a day and for an abandoned order, how late a lost success
is found, and the time scale (which changes real waits, never the number of polls)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from paybridge.composition.follow import follow_schedule
from paybridge.logic.pending_order_schedule import FollowSchedule
from paybridge.settings.groups import FollowSchedule as FollowScheduleSettings

DEFAULT = FollowSchedule()


def poll_times(schedule: FollowSchedule, *, expiry_s: float | None = None) -> list[int]:
    """Scheduled time of every poll of one follow until it ends: at the deadline (STALE) or, with
    ``expiry_s`` and no attempt, at the expiry (ABANDONED). The same rules the poll task applies."""
    followed, times = schedule.first_wait(), []
    while True:
        times.append(followed)
        if expiry_s is not None and followed >= expiry_s:
            return times
        if schedule.deadline_reached(followed):
            return times
        followed += schedule.next_wait(followed, until_s=expiry_s)


def test_defaults_are_the_documented_ones() -> None:
    assert (DEFAULT.first_wait_s, DEFAULT.max_wait_s, DEFAULT.deadline_s, DEFAULT.time_scale) == (
        30,
        14400,
        86400,
        1,
    )
    assert follow_schedule(FollowScheduleSettings.from_env({})) == DEFAULT
    configured = {"TIME_SCALE": "720", "PENDING_ORDER_FIRST_WAIT_SECONDS": "10"}
    assert follow_schedule(FollowScheduleSettings.from_env(configured)) == FollowSchedule(
        first_wait_s=10, time_scale=720
    )


def test_poll_times_double_then_repeat_at_the_longest_wait_until_the_deadline() -> None:
    times = poll_times(DEFAULT)
    assert times[:10] == [30, 60, 120, 240, 480, 960, 1920, 3840, 7680, 15360]
    assert times[10:] == [29760, 44160, 58560, 72960, 86400]


def test_a_day_pending_costs_at_most_twenty_polls_and_sixty_transitions() -> None:
    polls = len(poll_times(DEFAULT))
    transitions = 1 + 3 * polls + 1  # Init, (wait, poll, decide) per poll, Stale
    assert polls == 15 <= 20
    assert transitions == 47 <= 60


def test_an_order_never_attempted_is_abandoned_at_its_default_expiry_within_six_polls() -> None:
    times = poll_times(DEFAULT, expiry_s=15 * 60)
    assert times == [30, 60, 120, 240, 480, 900]  # the last poll lands on the expiry


@pytest.mark.parametrize("expiry_minutes", [1, 5, 15])
def test_short_expiries_need_no_more_polls(expiry_minutes: int) -> None:
    times = poll_times(DEFAULT, expiry_s=expiry_minutes * 60)
    assert times[-1] == max(30, expiry_minutes * 60)
    assert len(times) <= 6


@given(st.integers(min_value=1, max_value=86400))
def test_a_success_without_webhook_is_found_within_max_60s_and_time_followed(success_at: int) -> None:
    times = poll_times(DEFAULT)
    found_at = next(t for t in times if t >= success_at)
    assert found_at - success_at <= max(60, success_at)


def test_waits_never_pass_the_deadline_or_the_expiry() -> None:
    schedule = FollowSchedule(first_wait_s=30, max_wait_s=600, deadline_s=1000)
    assert schedule.next_wait(900) == 100
    assert schedule.next_wait(100, until_s=150.2) == 51  # rounded up: lands at or just after the expiry
    assert schedule.next_wait(100, until_s=50) == 100  # an expiry already past does not shorten anything
    assert schedule.next_wait(999) == 1


def test_the_time_scale_divides_real_waits_only() -> None:
    scaled = FollowSchedule(time_scale=2880)
    assert poll_times(scaled) == poll_times(DEFAULT)  # the same polls, whatever the scale
    assert [scaled.real_seconds(w) for w in (30, 2880, 14400)] == [1, 1, 5]
    assert DEFAULT.real_seconds(30) == 30
    assert scaled.real_duration(timedelta(days=1)) == timedelta(seconds=30)
    start = datetime(2026, 11, 29, tzinfo=UTC)
    assert scaled.scheduled_seconds(start, start + timedelta(seconds=1)) == 2880


@pytest.mark.parametrize(
    "kwargs",
    [{"first_wait_s": 0}, {"time_scale": 0}, {"deadline_s": 0}, {"first_wait_s": 100, "max_wait_s": 50}],
)
def test_nonsense_schedules_are_refused(kwargs: dict[str, int]) -> None:
    with pytest.raises(ValueError, match=r"wait|positive"):
        FollowSchedule(**kwargs)
