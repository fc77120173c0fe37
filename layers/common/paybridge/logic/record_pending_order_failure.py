"""The catch-all of the pending-order state machine: a permanent error is recorded, never a silent end.

Reached when Get Order Status fails permanently (unknown order, refused API key, rejected request), when
transient errors outlast their retries, or when a task fails for any other reason. Marks the order FAILED,
publishes ``PendingOrderFailed`` and counts it; the execution then ends in a Fail state, so Step Functions'
own ``ExecutionsFailed`` metric sees it too. Nothing moves money.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from paybridge import errors
from paybridge.bus import SOURCE_PAYBRIDGE, EventPublisher
from paybridge.dal.pending_orders import PendingOrdersRepository
from paybridge.logic.pending_orders import DETAIL_PENDING_ORDER_FAILED
from paybridge.observability import MetricUnit, logger, metrics

#: Longest error message carried on the event.
_MAX_MESSAGE = 300


class FailureRequest(BaseModel):
    """The task's payload: the order, and the error Step Functions caught (``{"Error", "Cause"}``)."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    order_id: str = Field(min_length=1)
    customer_id: str | None = None
    follow: int = Field(ge=1)
    execution_arn: str | None = None
    polls: int = 0
    error: dict[str, Any] = Field(default_factory=dict)


@dataclass(frozen=True)
class FailureDependencies:
    """What the task needs, passed in by the handler (or a test)."""

    repository: PendingOrdersRepository
    publisher: EventPublisher
    clock: Callable[[], datetime]


def error_summary(error: dict[str, Any]) -> tuple[str, str | None]:
    """The error name, and its message when it is one of ours (our messages are written to be shown; an
    unknown exception's text might carry data, so only its name is kept)."""
    name = str(error.get("Error") or "UnknownError")
    cause = error.get("Cause")
    message: str | None = None
    defined = isinstance(getattr(errors, name, None), type)
    if defined and isinstance(cause, str):
        try:
            parsed = json.loads(cause)
        except ValueError:
            parsed = None
        if isinstance(parsed, dict) and isinstance(parsed.get("errorMessage"), str):
            message = parsed["errorMessage"][:_MAX_MESSAGE]
    return name, message


def record_pending_order_failure(payload: dict[str, Any], deps: FailureDependencies) -> dict[str, Any]:
    """Marks FAILED (unless resolved meanwhile), publishes ``PendingOrderFailed``, counts it."""
    request = FailureRequest.model_validate(payload)
    logger.append_keys(order_id=request.order_id)
    name, message = error_summary(request.error)
    now = deps.clock()
    marked = deps.repository.mark_failed(request.order_id, follow=request.follow, error=name, now=now)
    deps.publisher.publish(
        SOURCE_PAYBRIDGE,
        DETAIL_PENDING_ORDER_FAILED,
        {
            "order_id": request.order_id,
            "customer_id": request.customer_id,
            "error": name,
            "message": message,
            "polls": request.polls,
            "execution_arn": request.execution_arn,
            "failed_at": now.isoformat(),
            "already_resolved": not marked,
        },
    )
    metrics.add_metric(name="PendingOrderFailed", unit=MetricUnit.Count, value=1)
    logger.error("following the pending order failed", extra={"error": name, "already_resolved": not marked})
    return {"order_id": request.order_id, "error": name, "recorded": True}
