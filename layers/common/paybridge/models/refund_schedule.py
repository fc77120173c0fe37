"""When an open refund is next checked with Get Order Status: a growing schedule, in epoch seconds.

After check ``n`` (1, 2, ...) of the current attempt the next one comes ``first_s * 2^(n-1)`` later, at most
``max_s``; a refund in MANUAL_REVIEW waits ``max_s`` (a person is on it; Juspay's later verdict still ends
it). Every delay is divided by ``time_scale`` (the ``TIME_SCALE`` setting, 1 on AWS), so a local stack can
run days of schedule in minutes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from paybridge.models.refund import MANUAL_REVIEW

#: Defaults: one minute, doubling, capped at six hours.
DEFAULT_FIRST_CHECK_SECONDS = 60
DEFAULT_MAX_CHECK_SECONDS = 6 * 3600


@dataclass(frozen=True)
class RefundCheckSchedule:
    """The growing schedule of refund checks (seconds, before ``time_scale``)."""

    first_s: int = DEFAULT_FIRST_CHECK_SECONDS
    max_s: int = DEFAULT_MAX_CHECK_SECONDS
    time_scale: float = 1.0

    def __post_init__(self) -> None:
        if self.first_s < 1 or self.max_s < self.first_s:
            raise ValueError("refund check schedule needs 1 <= first <= max seconds")
        if not self.time_scale > 0 or math.isinf(self.time_scale):
            raise ValueError("time scale must be a positive number")

    def delay_s(self, checks: int, status: str) -> float:
        """Seconds from check number ``checks`` (1 = the first) of a refund in ``status`` to the next."""
        if status == MANUAL_REVIEW:
            base = self.max_s
        else:
            # Bounded exponent: 2^40 seconds is far past any cap, and keeps the number small.
            base = min(self.first_s * 2 ** min(max(checks - 1, 0), 40), self.max_s)
        return base / self.time_scale

    def next_check_at(self, now_epoch: float, checks: int, status: str) -> int:
        """Epoch second of the next check after check number ``checks`` made at ``now_epoch``.

        Rounded up, and at least one second later, so a check is never due again in the same second.
        """
        return max(math.ceil(now_epoch + self.delay_s(checks, status)), math.floor(now_epoch) + 1)
