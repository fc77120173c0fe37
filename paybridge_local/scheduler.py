"""Fires the template's scheduled rules locally (SAM ``Schedule`` / ``ScheduleV2`` events).

moto stores a rule's ``ScheduleExpression`` but never fires it, so the local stack does: one thread invokes
each scheduled function asynchronously (as EventBridge would, with Lambda's retries and the function's
on-failure destination) every ``rate / time_scale`` seconds. The first firing comes one period after the
start, as on AWS, where a new rule first fires one period after it is created. Only ``rate(...)``
expressions are emulated: a ``cron(...)`` schedule has no meaning for a stack whose day is compressed by
``LOCAL_TIME_SCALE``.
"""

from __future__ import annotations

import re
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from paybridge_local.template import TemplateError

_RATE = re.compile(r"^rate\(\s*([1-9][0-9]*)\s+(minute|minutes|hour|hours|day|days)\s*\)$")
_UNIT_SECONDS = {"minute": 60, "hour": 3600, "day": 86400}
#: Below this a scaled period would only burn CPU: every handler runs on this machine's two cores.
MIN_PERIOD_S = 0.2


@dataclass(frozen=True)
class ScheduleSpec:
    """One scheduled rule of the template and the function it targets."""

    function: str
    rule_name: str
    rule_arn: str
    expression: str
    period_s: int
    input: Any | None = None
    dead_letter_arn: str | None = None


def rate_seconds(expression: str) -> int:
    """Seconds between firings of an EventBridge ``rate(...)`` expression (singular unit only for 1)."""
    match = _RATE.match(expression.strip())
    if match is None:
        raise TemplateError(
            f"schedule {expression!r} is not emulated locally: use rate(N minute|minutes|hour|hours|day|days)"
        )
    value, unit = int(match.group(1)), match.group(2)
    if (value == 1) != (not unit.endswith("s")):
        # EventBridge itself refuses "rate(1 minutes)" and "rate(5 minute)".
        raise TemplateError(f"schedule {expression!r}: use the singular unit for 1 and the plural otherwise")
    return value * _UNIT_SECONDS[unit.rstrip("s")]


def scheduled_event(spec: ScheduleSpec, *, region: str, account: str, now: datetime) -> Any:
    """What EventBridge sends a scheduled rule's target: the rule's ``Input``, else a Scheduled Event."""
    if spec.input is not None:
        return spec.input
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": account,
        "time": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": region,
        "resources": [spec.rule_arn],
        "detail": {},
    }


class LocalScheduler:
    """Invokes each scheduled function every ``period / time_scale`` seconds until stopped."""

    def __init__(
        self,
        schedules: list[ScheduleSpec],
        invoke_async: Callable[..., None],
        *,
        time_scale: float,
        region: str,
        account: str,
    ) -> None:
        if time_scale <= 0:
            raise ValueError("time_scale must be positive")
        self._schedules = schedules
        self._invoke_async = invoke_async
        self._time_scale = time_scale
        self._region = region
        self._account = account
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.fired: list[str] = []  # rule names in firing order, for tests and people

    def period(self, spec: ScheduleSpec) -> float:
        """The local period of a schedule: its rate divided by the time scale, never below MIN_PERIOD_S."""
        return max(MIN_PERIOD_S, spec.period_s / self._time_scale)

    def start(self) -> LocalScheduler:
        """Starts firing in a daemon thread (no-op without schedules)."""
        if self._schedules and self._thread is None:
            self._thread = threading.Thread(target=self._run, name="local-scheduler", daemon=True)
            self._thread.start()
        return self

    def stop(self) -> None:
        """Stops firing; an invocation already handed to the runtime is the runtime's to finish or drop."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _run(self) -> None:
        started = time.monotonic()
        due = {spec.rule_name: started + self.period(spec) for spec in self._schedules}
        while not self._stop.is_set():
            now = time.monotonic()
            for spec in self._schedules:
                if now >= due[spec.rule_name]:
                    # The next firing keeps to the grid even if this one was late, as EventBridge does.
                    periods_late = int((now - due[spec.rule_name]) // self.period(spec))
                    due[spec.rule_name] += (periods_late + 1) * self.period(spec)
                    self._fire(spec)
            next_due = min(due.values())
            self._stop.wait(max(0.01, next_due - time.monotonic()))

    def _fire(self, spec: ScheduleSpec) -> None:
        event = scheduled_event(spec, region=self._region, account=self._account, now=datetime.now(UTC))
        self.fired.append(spec.rule_name)
        try:
            # The rule's own dead-letter queue only gets events EventBridge cannot deliver; a failing function
            # is the runtime's to retry and send to the function's on-failure destination.
            self._invoke_async(spec.function, event)
        except RuntimeError:
            # The runtime's pool is shut down: the stack is closing, so this firing has nowhere to go.
            self._stop.set()
