"""The poll task of the pending-order state machine: Get Order Status once, then decide what happens next.

* Terminal status → the follow is marked RESOLVED (by poll) and ``PendingOrderResolved`` is published, so
  settlement takes over exactly as for a webhook (same classification, same exactly-once debit).
* No payment attempt yet (Juspay does not know the order, or it is NEW without a transaction) for an order
  signed here: before its expiry the order is simply not created or paid yet, so following goes on; at its
  expiry the order is ABANDONED (follow and order record), ``OrderAbandoned`` is published and
  ``PendingOrderAbandoned`` counted. No failure, no alarm. A 404 for an order not signed here is an error.
* Still pending and the deadline passed → marked STALE, ``OrderStale`` published, ``PendingOrderStale``
  counted. Nothing moves money.
* Still pending otherwise → the next wait of the growing schedule (``pending_order_schedule``).
* Resolved by a webhook meanwhile (settlement released the order), or replaced by a later follow → ends,
  nothing published.

Juspay errors propagate with their class names: the state machine retries the transient ones and catches
the rest into a recorded failure. The answer is the state machine's next state document.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field

from paybridge.bus import SOURCE_PAYBRIDGE, EventPublisher
from paybridge.dal.orders import OrderStatus, Transition
from paybridge.dal.pending_orders import PendingOrdersRepository
from paybridge.errors import JuspayNotFoundError
from paybridge.logic.pending_order_schedule import FollowSchedule
from paybridge.logic.pending_orders import (
    DETAIL_ORDER_ABANDONED,
    DETAIL_ORDER_STALE,
    DETAIL_PENDING_ORDER_RESOLVED,
    has_attempt,
    is_pending,
)
from paybridge.models.juspay import Order
from paybridge.models.pending_order import RESOLVED_BY_POLL, RESOLVED_BY_WEBHOOK
from paybridge.observability import MetricUnit, logger, metrics

Outcome = Literal["pending", "resolved", "stale", "abandoned"]

#: ``last_status`` of a poll that found no order at Juspay (signed here, not created yet).
NOT_CREATED = "NOT_CREATED"


class OrderStatusReader(Protocol):
    """The one Juspay call this task makes (``JuspayClient`` provides it)."""

    def get_order_status(self, order_id: str, *, customer_id: str | None) -> Order:
        """``GET /orders/{order_id}``."""
        ...


class OrderExpiryReader(Protocol):
    """When a signed order can no longer be paid (``SignedOrdersRepository`` satisfies it)."""

    def order_expiry(self, order_id: str) -> datetime | None:
        """The expiry recorded when the order was signed here; None for an order not signed here."""
        ...


class OrderStatusRecorder(Protocol):
    """The order's settlement record (``OrdersRepository`` satisfies it)."""

    def record(
        self,
        order_id: str,
        status: OrderStatus,
        *,
        now: datetime,
        has_events: bool,
        fields: Mapping[str, Any] | None = None,
    ) -> Transition:
        """Moves the record to ``status`` unless it is final or already there."""
        ...


class CheckRequest(BaseModel):
    """The task's payload, as the state machine builds it."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    order_id: str = Field(min_length=1)
    customer_id: str | None = None
    follow: int = Field(ge=1)
    started_at: datetime
    deadline_at: datetime
    polls: int = Field(ge=0)
    #: Scheduled seconds of following at this poll (the sum of the planned waits).
    followed_seconds: int = Field(ge=0)


@dataclass(frozen=True)
class CheckDependencies:
    """What the task needs, passed in by the handler (or a test)."""

    repository: PendingOrdersRepository
    juspay: OrderStatusReader
    publisher: EventPublisher
    clock: Callable[[], datetime]
    schedule: FollowSchedule
    expiries: OrderExpiryReader
    orders: OrderStatusRecorder


def check_pending_order(payload: dict[str, Any], deps: CheckDependencies) -> dict[str, Any]:
    """One poll and its consequence; returns the next state document (``outcome`` drives the Choice)."""
    request = CheckRequest.model_validate(payload)
    logger.append_keys(order_id=request.order_id, follow=request.follow)
    expires_at: datetime | None = None
    order: Order | None
    try:
        order = deps.juspay.get_order_status(request.order_id, customer_id=request.customer_id)
    except JuspayNotFoundError:
        expires_at = deps.expiries.order_expiry(request.order_id)
        if expires_at is None:
            raise  # not signed here: an unknown order stays a recorded failure
        order = None
    polls = request.polls + 1
    metrics.add_metric(name="PendingOrderPolled", unit=MetricUnit.Count, value=1)
    now = deps.clock()
    status = NOT_CREATED if order is None else order.status
    customer_id = request.customer_id or (order.customer_id if order is not None else None)
    followed = request.followed_seconds

    def answer(outcome: Outcome, wait: int = 0, resolved_by: str | None = None) -> dict[str, Any]:
        logger.info(
            "pending order polled",
            extra={"outcome": outcome, "order_status": status, "polls": polls, "resolved_by": resolved_by},
        )
        return {
            "order_id": request.order_id,
            # The correlation id passes through every state (the output is the next state's input).
            "juspay_event_id": payload.get("juspay_event_id"),
            "customer_id": customer_id,
            "follow": request.follow,
            "started_at": request.started_at.isoformat(),
            "deadline_at": request.deadline_at.isoformat(),
            "polls": polls,
            "status": status,
            "outcome": outcome,
            "resolved_by": resolved_by,
            "followed_seconds": followed + wait,
            "next_wait_seconds": deps.schedule.real_seconds(wait) if wait else 0,
        }

    def publish(detail_type: str, extra: dict[str, Any]) -> None:
        base = {"order_id": request.order_id, "customer_id": customer_id, "status": status, "polls": polls}
        deps.publisher.publish(SOURCE_PAYBRIDGE, detail_type, {**base, **extra})

    if order is not None and not is_pending(order):
        if not deps.repository.resolve_by_poll(
            request.order_id, follow=request.follow, status=status, polls=polls, now=now
        ):
            return answer("resolved", resolved_by=RESOLVED_BY_WEBHOOK)
        # Marked first, published second: a failed publish fails the task, and its retry (allowed to re-mark
        # a poll's resolution) publishes; settlement's exactly-once debit absorbs a duplicate.
        publish(DETAIL_PENDING_ORDER_RESOLVED, {"resolved_by": RESOLVED_BY_POLL})
        metrics.add_metric(name="PendingOrderResolvedByPoll", unit=MetricUnit.Count, value=1)
        return answer("resolved", resolved_by=RESOLVED_BY_POLL)

    until: float | None = None
    if order is None or not has_attempt(order):
        expires_at = expires_at or deps.expiries.order_expiry(request.order_id)
    if expires_at is not None:
        until = deps.schedule.scheduled_seconds(request.started_at, expires_at)
        if followed >= until:
            return _abandon(
                request,
                deps,
                now=now,
                status=status,
                polls=polls,
                expires_at=expires_at,
                publish=publish,
                answer=answer,
            )

    if deps.schedule.deadline_reached(followed):
        if not deps.repository.mark_stale(
            request.order_id, follow=request.follow, status=status, polls=polls, now=now
        ):
            return answer("resolved", resolved_by=RESOLVED_BY_WEBHOOK)
        publish(
            DETAIL_ORDER_STALE,
            {"started_at": request.started_at.isoformat(), "deadline_at": request.deadline_at.isoformat()},
        )
        metrics.add_metric(name="PendingOrderStale", unit=MetricUnit.Count, value=1)
        logger.warning("pending order passed its deadline; marked STALE")
        return answer("stale")

    if not deps.repository.record_poll(
        request.order_id,
        follow=request.follow,
        polls=polls,
        status=status,
        deadline_at=request.deadline_at,
        now=now,
    ):
        return answer("resolved", resolved_by=RESOLVED_BY_WEBHOOK)
    return answer("pending", deps.schedule.next_wait(followed, until_s=until))


def _abandon(
    request: CheckRequest,
    deps: CheckDependencies,
    *,
    now: datetime,
    status: str,
    polls: int,
    expires_at: datetime,
    publish: Callable[[str, dict[str, Any]], None],
    answer: Callable[..., dict[str, Any]],
) -> dict[str, Any]:
    """Expired without a payment attempt: ABANDONED (follow, then order record), event, metric; no alarm."""
    if not deps.repository.mark_abandoned(
        request.order_id, follow=request.follow, status=status, polls=polls, now=now
    ):
        return answer("resolved", resolved_by=RESOLVED_BY_WEBHOOK)
    deps.orders.record(
        request.order_id,
        OrderStatus.ABANDONED,
        now=now,
        has_events=False,
        fields={"reason": "not_created" if status == NOT_CREATED else "no_attempt", "juspay_status": status},
    )
    publish(
        DETAIL_ORDER_ABANDONED,
        {"started_at": request.started_at.isoformat(), "expired_at": expires_at.isoformat()},
    )
    metrics.add_metric(name="PendingOrderAbandoned", unit=MetricUnit.Count, value=1)
    logger.info("order expired without a payment attempt; marked ABANDONED")
    return answer("abandoned")
