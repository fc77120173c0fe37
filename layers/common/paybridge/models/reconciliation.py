"""What a reconciliation run is asked to do: a time window, from a command or from the schedule."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from paybridge.errors import UnprocessableError

#: The longest window one run takes (one index query per hour; one Order Status call per order).
MAX_WINDOW_HOURS = 168


class ReconcileRequest(BaseModel):
    """``{"since": ISO, "until": ISO}``, ``{"hours": N}`` (the last N hours) or ``{}`` (the default window).

    Times need a UTC offset (``2026-11-29T10:00Z``). A scheduled event (``detail-type: Scheduled Event``)
    ends its window at the event's ``time``.
    """

    model_config = ConfigDict(extra="ignore", frozen=True)

    since: AwareDatetime | None = None
    until: AwareDatetime | None = None
    hours: int | None = Field(default=None, ge=1, le=MAX_WINDOW_HOURS)

    @model_validator(mode="before")
    @classmethod
    def _scheduled_event(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("detail-type") == "Scheduled Event":
            return {"until": data.get("time")}
        return data

    def window(self, *, now: datetime, default: timedelta) -> tuple[datetime, datetime]:
        """``(since, until)`` in UTC; raises ``UnprocessableError`` for an empty or too long window.

        ``default``: the length when the request names neither ``since`` nor ``hours``.
        """
        until = (self.until or now).astimezone(UTC)
        length = timedelta(hours=self.hours) if self.hours else default
        since = (self.since or until - length).astimezone(UTC)
        if since >= until:
            raise UnprocessableError("since must be before until", details={"field": "since"})
        if until - since > timedelta(hours=MAX_WINDOW_HOURS):
            raise UnprocessableError(
                f"the window is longer than {MAX_WINDOW_HOURS} hours", details={"field": "since"}
            )
        return since, until
