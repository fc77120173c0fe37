"""The poll task of the pending-order state machine: Get Order Status once, then decide what happens next.

* Terminal status → the order is marked RESOLVED (by poll) and ``PendingOrderResolved`` is published, so
  settlement takes over exactly as for a webhook (same classification, same exactly-once debit).
* Still pending and the deadline passed → marked STALE, ``OrderStale`` published, ``PendingOrderStale``
  counted. Nothing moves money.
* Still pending otherwise → the next wait from the backoff schedule (never past the deadline).
* Resolved by a webhook meanwhile (settlement released the order) → ends, nothing published.

Juspay errors propagate with their class names: the state machine retries the transient ones and catches
the rest into a recorded failure. The answer is the state machine's next state document.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field, field_validator

from paybridge.bus import SOURCE_PAYBRIDGE, EventPublisher
from paybridge.dal.pending_orders import RESOLVED_BY_POLL, RESOLVED_BY_WEBHOOK, PendingOrdersRepository
from paybridge.logic.pending_orders import (
    DETAIL_ORDER_STALE,
    DETAIL_PENDING_ORDER_RESOLVED,
    is_pending,
    parse_backoff,
    wait_after_poll,
)
from paybridge.models.juspay import Order
from paybridge.observability import MetricUnit, logger, metrics

Outcome = Literal["pending", "resolved", "stale"]


class OrderStatusReader(Protocol):
    """The one Juspay call this task makes (``JuspayClient`` provides it)."""

    def get_order_status(self, order_id: str, *, customer_id: str | None) -> Order:
        """``GET /orders/{order_id}``."""
        ...


class CheckRequest(BaseModel):
    """The task's payload, as the state machine builds it."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    order_id: str = Field(min_length=1)
    customer_id: str | None = None
    started_at: datetime
    polls: int = Field(ge=0)
    schedule: tuple[int, ...]
    deadline_seconds: int = Field(gt=0)

    @field_validator("schedule", mode="before")
    @classmethod
    def _schedule(cls, value: Any) -> Any:
        # The definition passes the template parameter as it is: "10,30,60".
        return parse_backoff(value) if isinstance(value, str) else value


@dataclass(frozen=True)
class CheckDependencies:
    """What the task needs, passed in by the handler (or a test)."""

    repository: PendingOrdersRepository
    juspay: OrderStatusReader
    publisher: EventPublisher
    clock: Callable[[], datetime]


def check_pending_order(payload: dict[str, Any], deps: CheckDependencies) -> dict[str, Any]:
    """One poll and its consequence; returns the next state document (``outcome`` drives the Choice)."""
    request = CheckRequest.model_validate(payload)
    logger.append_keys(order_id=request.order_id)
    order = deps.juspay.get_order_status(request.order_id, customer_id=request.customer_id)
    polls = request.polls + 1
    metrics.add_metric(name="PendingOrderPolled", unit=MetricUnit.Count, value=1)
    now = deps.clock()
    deadline_at = request.started_at + timedelta(seconds=request.deadline_seconds)
    customer_id = request.customer_id or order.customer_id

    def answer(
        outcome: Outcome, next_wait_seconds: int = 0, resolved_by: str | None = None
    ) -> dict[str, Any]:
        logger.info(
            "pending order polled",
            extra={
                "outcome": outcome,
                "order_status": order.status,
                "polls": polls,
                "resolved_by": resolved_by,
            },
        )
        return {
            "order_id": request.order_id,
            "customer_id": customer_id,
            "started_at": request.started_at.isoformat(),
            "polls": polls,
            "status": order.status,
            "outcome": outcome,
            "resolved_by": resolved_by,
            "next_wait_seconds": next_wait_seconds,
        }

    if not is_pending(order):
        if not deps.repository.resolve_by_poll(request.order_id, status=order.status, polls=polls, now=now):
            return answer("resolved", resolved_by=RESOLVED_BY_WEBHOOK)
        # Marked first, published second: a failed publish fails the task, and its retry (allowed to re-mark
        # a poll's resolution) publishes; settlement's exactly-once debit absorbs a duplicate.
        deps.publisher.publish(
            SOURCE_PAYBRIDGE,
            DETAIL_PENDING_ORDER_RESOLVED,
            {
                "order_id": request.order_id,
                "customer_id": customer_id,
                "status": order.status,
                "resolved_by": RESOLVED_BY_POLL,
                "polls": polls,
            },
        )
        metrics.add_metric(name="PendingOrderResolvedByPoll", unit=MetricUnit.Count, value=1)
        return answer("resolved", resolved_by=RESOLVED_BY_POLL)

    remaining_s = (deadline_at - now).total_seconds()
    if remaining_s <= 0:
        if not deps.repository.mark_stale(request.order_id, status=order.status, polls=polls, now=now):
            return answer("resolved", resolved_by=RESOLVED_BY_WEBHOOK)
        deps.publisher.publish(
            SOURCE_PAYBRIDGE,
            DETAIL_ORDER_STALE,
            {
                "order_id": request.order_id,
                "customer_id": customer_id,
                "status": order.status,
                "polls": polls,
                "started_at": request.started_at.isoformat(),
                "deadline_at": deadline_at.isoformat(),
            },
        )
        metrics.add_metric(name="PendingOrderStale", unit=MetricUnit.Count, value=1)
        logger.warning("pending order passed its deadline; marked STALE")
        return answer("stale")

    if not deps.repository.record_poll(
        request.order_id, polls=polls, status=order.status, deadline_at=deadline_at, now=now
    ):
        return answer("resolved", resolved_by=RESOLVED_BY_WEBHOOK)
    return answer("pending", wait_after_poll(request.schedule, polls, remaining_s))
