"""Settlement's domain events (source ``paybridge``): built from the order record alone and published under
a claim stored with the record (see ``paybridge.dal.orders``), so there is one publication per status change
and a crash between the change and the publication is repaired by the next delivery.

A settlement debit is the exception that keeps the first webhook's path to one transaction: its write marks
the events published by its delivery (the bus event id) and the same invocation publishes them with no write
after (``publish_settled``); a crash in between is repaired by a redelivery of that same event (Lambda's
retries, then the dead-letter queue and its redrive), which publishes again (``publish_for_delivery``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, Protocol

from paybridge.bus import SOURCE_PAYBRIDGE, EventPublisher
from paybridge.dal.orders import OrderRecord, OrdersRepository, OrderStatus
from paybridge.models.money import format_major
from paybridge.observability import MetricUnit, metrics

__all__ = [
    "EVENT_ORDER_CANCELLED",
    "EVENT_ORDER_FAILED",
    "EVENT_ORDER_NEEDS_REVIEW",
    "EVENT_ORDER_PENDING",
    "EVENT_ORDER_REFUNDED",
    "EVENT_ORDER_SETTLED",
    "EVENT_REFUND_REQUESTED",
    "PUBLISH_CLAIM_STALE_AFTER",
    "ensure_published",
    "events_for",
    "events_of",
    "publish_for_delivery",
    "publish_settled",
]

EVENT_ORDER_SETTLED = "OrderSettled"
EVENT_ORDER_CANCELLED = "OrderCancelled"
EVENT_REFUND_REQUESTED = "RefundRequested"
EVENT_ORDER_PENDING = "OrderPending"
EVENT_ORDER_FAILED = "OrderFailed"
EVENT_ORDER_REFUNDED = "OrderRefunded"
EVENT_ORDER_NEEDS_REVIEW = "OrderNeedsReview"

#: A claim to publish older than this is taken over (its holder died between the write and the publish).
PUBLISH_CLAIM_STALE_AFTER = timedelta(seconds=60)


class _PublishingDependencies(Protocol):
    @property
    def orders(self) -> OrdersRepository: ...

    @property
    def publisher(self) -> EventPublisher: ...

    @property
    def clock(self) -> Callable[[], datetime]: ...


def events_of(status: OrderStatus) -> tuple[str, ...]:
    """The detail-types a status publishes (none for RECEIVED, NO_WALLET, MISMATCH, UNKNOWN, ...)."""
    return {
        OrderStatus.SETTLED: (EVENT_ORDER_SETTLED,),
        OrderStatus.CANCELLED: (EVENT_ORDER_CANCELLED, EVENT_REFUND_REQUESTED),
        OrderStatus.PENDING: (EVENT_ORDER_PENDING,),
        OrderStatus.FAILED: (EVENT_ORDER_FAILED,),
        OrderStatus.REFUNDED: (EVENT_ORDER_REFUNDED,),
        OrderStatus.REVIEW: (EVENT_ORDER_NEEDS_REVIEW,),
    }.get(status, ())


def events_for(record: OrderRecord) -> list[tuple[str, dict[str, Any]]]:
    """The domain events of a record's status as (detail-type, detail); a pure function of the record,
    so a republication after a crash is identical to the first one."""
    base = {
        "order_id": record.order_id,
        "customer_id": record.customer_id,
        "juspay_status": record.juspay_status,
    }
    currency = record.currency or "INR"

    def money(minor: int | None) -> str | None:
        return format_major(minor, currency) if minor is not None else None

    amounts = {
        "currency": record.currency,
        "amount": money(record.amount_minor),
        "online_amount": money(record.online_minor),
        "wallet_amount": money(record.wallet_minor),
        "wallet_txn_id": record.wallet_txn_id,
        "online_txn_id": record.online_txn_id,
        "cod": record.cod,
    }
    if record.status is OrderStatus.SETTLED:
        return [(EVENT_ORDER_SETTLED, {**base, **amounts, "settled_at": record.settled_at})]
    if record.status is OrderStatus.CANCELLED:
        return _cancelled(record, {**base, **amounts}, money(record.online_minor), currency)
    if record.status is OrderStatus.PENDING:
        return [(EVENT_ORDER_PENDING, {**base, "recorded_at": record.updated_at})]
    if record.status is OrderStatus.FAILED:
        return [(EVENT_ORDER_FAILED, {**base, "reason": record.reason, "recorded_at": record.updated_at})]
    if record.status in (OrderStatus.REFUNDED, OrderStatus.REVIEW):
        refunded_in_full = record.status is OrderStatus.REFUNDED
        detail_type = EVENT_ORDER_REFUNDED if refunded_in_full else EVENT_ORDER_NEEDS_REVIEW
        refunded = {"refunded_amount": money(record.refunded_minor), "reason": record.reason}
        return [(detail_type, {**base, **amounts, **refunded, "recorded_at": record.updated_at})]
    return []


def _cancelled(
    record: OrderRecord, cancelled: dict[str, Any], online_amount: str | None, currency: str
) -> list[tuple[str, dict[str, Any]]]:
    refundable = not record.cod and bool(record.online_txn_id) and (record.online_minor or 0) > 0
    cancelled |= {"reason": record.reason, "cancelled_at": record.cancelled_at}
    events: list[tuple[str, dict[str, Any]]] = [
        (EVENT_ORDER_CANCELLED, {**cancelled, "refund_requested": refundable})
    ]
    if refundable:
        refund = {
            "order_id": record.order_id,
            "customer_id": record.customer_id,
            "txn_id": record.online_txn_id,
            "amount": online_amount,
            "currency": currency,
            "reason": f"wallet_debit_failed:{record.reason}",
            "requested_at": record.cancelled_at,
        }
        events.append((EVENT_REFUND_REQUESTED, refund))
    return events


def ensure_published(record: OrderRecord, deps: _PublishingDependencies, *, own_claim: bool = False) -> None:
    """Publishes the record's events unless they are on the bus already or a live publisher holds the claim.

    ``own_claim``: this invocation made the status change, whose write claimed the publication itself.
    """
    if record.events_published or not events_of(record.status):
        return
    if not own_claim and not deps.orders.claim_publication(
        record.order_id, record.status, now=deps.clock(), stale_after=PUBLISH_CLAIM_STALE_AFTER
    ):
        return
    try:
        for detail_type, detail in events_for(record):
            deps.publisher.publish(SOURCE_PAYBRIDGE, detail_type, detail)
            if detail_type == EVENT_REFUND_REQUESTED:
                metrics.add_metric(name="SettlementRefundRequested", unit=MetricUnit.Count, value=1)
    except Exception:
        # Give the claim back so Lambda's retry publishes at once instead of waiting for it to go stale.
        deps.orders.release_claim(record.order_id, record.status)
        raise
    deps.orders.mark_published(record.order_id, record.status, now=deps.clock())


def publish_settled(record: OrderRecord, deps: _PublishingDependencies) -> None:
    """Publishes the events of a status this invocation has just written (``record`` as written).

    Written with ``published_by`` (a settlement debit naming its delivery): the write marked them published
    already, so they go out now with no write after; if the publish fails the mark is taken back, so the
    next delivery publishes under a claim. Without it: the write's own claim (``ensure_published``).
    """
    if record.published_by is None:
        ensure_published(record, deps, own_claim=True)
        return
    try:
        _publish_all(record, deps)
    except Exception:
        deps.orders.unmark_published(record.order_id, record.status, published_by=record.published_by)
        raise


def publish_for_delivery(record: OrderRecord, deps: _PublishingDependencies, delivery_id: str | None) -> None:
    """A delivery finds ``record`` closed: publishes what it owes (usually nothing).

    The delivery that settled the order (``published_by``) is delivered again only when its first invocation
    failed (Lambda's retry, a dead-letter redrive) or when EventBridge repeats an event: its publish may never
    have happened, so it publishes again (identical events, at least once). Any other delivery publishes only
    what no one has (``ensure_published``).
    """
    if delivery_id is not None and record.published_by == delivery_id and record.events_published:
        _publish_all(record, deps)
        return
    ensure_published(record, deps)


def _publish_all(record: OrderRecord, deps: _PublishingDependencies) -> None:
    for detail_type, detail in events_for(record):
        deps.publisher.publish(SOURCE_PAYBRIDGE, detail_type, detail)
