"""When the pending-order follower polls: a growing schedule, its deadline, and the time scale; pure.

Each wait is as long as the order has already been followed (at least ``first_wait_s``, at most
``max_wait_s``), so poll times double: 30 s, 1 min, 2 min, 4 min, ... A success whose webhook is lost is
therefore found within max(first wait, time followed), and a day of following costs about fifteen polls.
A wait never runs past the deadline, nor past the order's expiry while the order has no payment attempt
(the poll then lands exactly when the order can no longer be paid).

Time is counted in *scheduled* seconds (``followed_s``: the sum of the planned waits), not read from the
clock, so the number of polls does not depend on how long each task took nor on the time scale:
``time_scale`` (the template's ``TimeScale``, 1 on AWS) divides only the real wait handed to Step Functions,
which must be a whole number of seconds (at least 1).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

__all__ = ["FollowSchedule"]


@dataclass(frozen=True)
class FollowSchedule:
    """The follower's timing, in unscaled seconds, and the time scale that divides real waits."""

    first_wait_s: int = 30
    max_wait_s: int = 4 * 3600
    deadline_s: int = 24 * 3600
    time_scale: int = 1

    def __post_init__(self) -> None:
        if min(self.first_wait_s, self.max_wait_s, self.deadline_s, self.time_scale) < 1:
            raise ValueError("waits, deadline and time scale must be positive")
        if self.first_wait_s > self.max_wait_s:
            raise ValueError("the first wait must not exceed the longest wait")

    def first_wait(self) -> int:
        """Scheduled seconds before the first poll."""
        return min(self.first_wait_s, self.deadline_s)

    def next_wait(self, followed_s: int, *, until_s: float | None = None) -> int:
        """Scheduled seconds before the next poll, after ``followed_s`` scheduled seconds of following.

        ``until_s`` (the order's expiry, in scheduled seconds from the start of this follow) ends the wait
        early when it comes first, so the poll that can tell "abandoned" lands at the expiry.
        """
        wait = min(max(self.first_wait_s, followed_s), self.max_wait_s, self.deadline_s - followed_s)
        if until_s is not None and until_s > followed_s:
            wait = min(wait, math.ceil(until_s - followed_s))
        return max(1, wait)

    def deadline_reached(self, followed_s: int) -> bool:
        """True once the follow has lasted its deadline (the order is then STALE)."""
        return followed_s >= self.deadline_s

    def real_seconds(self, scheduled_s: int) -> int:
        """The wait Step Functions is given: scaled down, rounded up, at least 1 s (a whole number)."""
        return max(1, math.ceil(scheduled_s / self.time_scale))

    def real_duration(self, scheduled: timedelta) -> timedelta:
        """A scheduled duration (deadline, expiry) as it passes on the clock."""
        return scheduled / self.time_scale

    def scheduled_seconds(self, start: datetime, moment: datetime) -> float:
        """A clock interval (e.g. from the follow's start to the order's expiry) in scheduled seconds."""
        return (moment - start).total_seconds() * self.time_scale
