"""Ingest one Juspay webhook delivery: authenticate, validate, record, publish; only then succeed.

De-duplication is the record itself: one conditional PutItem of the event item keyed by Juspay's event
``id`` (``WebhookEventsRepository.claim``), holding the body, its hash and a lease. Then one PutEvents, then
the item is marked published. What each delivery gets:

* first delivery: record (lease) → publish → mark published → 200 ``published``;
* a later duplicate (same body, event published): 200 ``duplicate``, nothing published again;
* a duplicate racing an in-flight first delivery (same body, lease live): wait briefly; still in flight →
  ``WebhookInProgressError`` (409, Juspay resends) — never a 200 before the event is on the bus;
* a failed publish: the lease is given up and the caller answers 503; Juspay's resend takes the event over
  and publishes. A delivery that died mid-publish (no answer at all) leaves its lease to run out (the
  Lambda's remaining time), after which the resend takes over in the same way;
* the same id with a different body: recorded beside the first, logged and counted, not published.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal, Protocol

from paybridge.auth import BasicCredential, is_authorized
from paybridge.bus import MAX_ENTRY_BYTES, SOURCE_JUSPAY, entry_size
from paybridge.dal.webhook_events import (
    EVENT_KEY,
    STATUS_PUBLISHED,
    STATUS_RECEIVED,
    STATUS_UNPUBLISHABLE,
    ReceivedWebhook,
    StoredEvent,
)
from paybridge.errors import (
    PayloadTooLargeError,
    UnauthorizedError,
    UnpublishableEventError,
    WebhookInProgressError,
)
from paybridge.jsonutil import dumps
from paybridge.models.webhook import (
    WebhookEnvelope,
    canonical_body,
    parse_webhook_body,
    publishable_event_name,
)
from paybridge.observability import MetricUnit, logger, metrics

#: Largest body accepted. Juspay's webhooks are a few KB; 256 KB matches EventBridge's entry limit.
MAX_BODY_BYTES = 256 * 1024

IngestStatus = Literal["published", "duplicate", "conflict_recorded", "unpublishable"]


class Repository(Protocol):
    """The webhook events table, as ingestion uses it (``paybridge.dal.webhook_events``)."""

    table_name: str

    def claim(
        self, webhook: ReceivedWebhook, *, status: str, now: datetime, lease: timedelta, token: str
    ) -> StoredEvent | None: ...

    def mark_published(self, event_id: str, token: str, *, bus_event_id: str, now: datetime) -> bool: ...

    def release(self, event_id: str, token: str) -> bool: ...

    def mark_unpublishable(self, event_id: str, token: str) -> bool: ...

    def record_conflict(self, webhook: ReceivedWebhook, *, now: datetime) -> int: ...


class Publisher(Protocol):
    """Puts one event on the bus (``paybridge.bus.EventPublisher``)."""

    def publish_json(self, source: str, detail_type: str, detail_json: str) -> str: ...


@dataclass(frozen=True)
class IngestResult:
    """What happened to a delivery (all of these are answered with 200)."""

    status: IngestStatus
    event_id: str
    event_name: str
    bus_event_id: str | None = None


@dataclass
class IngestDependencies:
    """Everything ``ingest_webhook`` touches, passed in by the handler (or a test)."""

    credentials: tuple[BasicCredential, ...]
    repository: Repository
    publisher: Publisher
    clock: Callable[[], datetime]
    sleep: Callable[[float], None]
    #: How long this delivery may hold the event while it publishes: until the caller is certainly done
    #: with it (the Lambda's remaining time), so a lease that ran out means a delivery that died.
    lease: timedelta
    #: How long, in total, a duplicate waits for an in-flight first delivery before asking for a resend.
    in_progress_waits: tuple[float, ...] = field(default=(0.2, 0.4, 0.8))
    new_token: Callable[[], str] = field(default=lambda: uuid.uuid4().hex)


def ingest_webhook(headers: Mapping[str, str], body: bytes, deps: IngestDependencies) -> IngestResult:
    """Processes one delivery. Raises a ``PaybridgeError`` for every outcome that is not a 200."""
    if not is_authorized(_header(headers, "authorization"), deps.credentials):
        metrics.add_metric(name="WebhookAuthFailed", unit=MetricUnit.Count, value=1)
        raise UnauthorizedError("authentication required")
    if len(body) > MAX_BODY_BYTES:
        raise PayloadTooLargeError(
            f"body of {len(body)} bytes is over the {MAX_BODY_BYTES} byte limit",
            details={"limit_bytes": MAX_BODY_BYTES},
        )
    envelope, document = parse_webhook_body(body)
    body_sha256, content_json = canonical_body(document)
    # The correlation keys every function logs (observability.CORRELATION_KEYS), from the authenticated body.
    ids = {"juspay_event_id": envelope.id, "order_id": envelope.order_id}
    logger.append_keys(
        **{k: v for k, v in ids.items() if v},
        event_name=envelope.event_name.encode("unicode_escape").decode(),
    )
    received = ReceivedWebhook(
        event_id=envelope.id,
        body_sha256=body_sha256,
        event_name=envelope.event_name,
        body=body.decode("utf-8"),
        order_id=envelope.order_id,
        customer_id=envelope.customer_id,
    )
    publishable = publishable_event_name(envelope.event_name)
    status = STATUS_RECEIVED if publishable else STATUS_UNPUBLISHABLE

    token = deps.new_token()
    waits = iter(deps.in_progress_waits)
    while (found := _claim(received, status, token, deps)) is not None:
        if found.body_sha256 != body_sha256:
            return _record_conflict(received, deps)
        if found.status == STATUS_PUBLISHED:
            metrics.add_metric(name="WebhookDuplicate", unit=MetricUnit.Count, value=1)
            logger.info("duplicate webhook; already published")
            return IngestResult("duplicate", envelope.id, envelope.event_name, found.bus_event_id)
        if found.status == STATUS_UNPUBLISHABLE:
            return _unpublishable(received)
        # Another delivery holds the event and may be publishing it right now.
        wait = next(waits, None)
        if wait is None:
            metrics.add_metric(name="WebhookInFlightResendAsked", unit=MetricUnit.Count, value=1)
            raise WebhookInProgressError("this event is being processed by another delivery; resend later")
        deps.sleep(wait)

    if not publishable:
        return _unpublishable(received)
    return _publish(envelope, content_json, received, token, deps)


def _claim(
    received: ReceivedWebhook, status: str, token: str, deps: IngestDependencies
) -> StoredEvent | None:
    return deps.repository.claim(received, status=status, now=deps.clock(), lease=deps.lease, token=token)


def _publish(
    envelope: WebhookEnvelope,
    content_json: str,
    received: ReceivedWebhook,
    token: str,
    deps: IngestDependencies,
) -> IngestResult:
    now = deps.clock()
    detail = build_detail(envelope, content_json, received.body_sha256, now, deps.repository.table_name)
    try:
        bus_event_id = deps.publisher.publish_json(SOURCE_JUSPAY, envelope.event_name, detail)
    except UnpublishableEventError:
        deps.repository.mark_unpublishable(envelope.id, token)
        return _unpublishable(received)
    except Exception:
        # Not on the bus: give the lease up so Juspay's resend publishes at once (if this fails too, the
        # lease runs out by itself). The caller answers 503.
        try:
            deps.repository.release(envelope.id, token)
        except Exception as exc:
            logger.warning("could not give the lease up", extra={"error_type": type(exc).__name__})
        raise
    try:
        marked = deps.repository.mark_published(envelope.id, token, bus_event_id=bus_event_id, now=now)
    except Exception as exc:  # the event is on the bus already; a resend after the lease may publish again
        logger.warning("could not mark webhook published", extra={"error_type": type(exc).__name__})
    else:
        if not marked:
            logger.warning("webhook published after its lease was taken over")
    metrics.add_metric(name="WebhookPublished", unit=MetricUnit.Count, value=1)
    logger.info("webhook published")
    return IngestResult("published", envelope.id, envelope.event_name, bus_event_id)


def build_detail(
    envelope: WebhookEnvelope, content_json: str, body_sha256: str, received_at: datetime, table_name: str
) -> str:
    """The bus event's detail as JSON: routing fields plus the content (``content_json``, its canonical
    JSON, written once for the body hash too), or a reference to the stored body when too large."""
    detail: dict[str, Any] = {
        "event_id": envelope.id,
        "event_name": envelope.event_name,
        "date_created": envelope.date_created,
        "order_id": envelope.order_id,
        "customer_id": envelope.customer_id,
        "status": envelope.status,
        "transaction_count": envelope.transaction_count,
        "received_at": received_at.isoformat(),
        "body_sha256": body_sha256,
    }
    routing = json.dumps(detail, separators=(",", ":"))  # text and integers only: the C encoder is exact
    with_content = f'{routing[:-1]},"content":{content_json}}}'
    if entry_size(SOURCE_JUSPAY, envelope.event_name, with_content) <= MAX_ENTRY_BYTES:
        return with_content
    detail["content_ref"] = {
        "table": table_name,
        "key": {"event_id": envelope.id, "body_sha256": EVENT_KEY},
        "event_id": envelope.id,
        "body_sha256": body_sha256,
    }
    return dumps(detail)


def _record_conflict(received: ReceivedWebhook, deps: IngestDependencies) -> IngestResult:
    deps.repository.record_conflict(received, now=deps.clock())
    metrics.add_metric(name="WebhookBodyConflict", unit=MetricUnit.Count, value=1)
    logger.warning("webhook id seen before with a different body; recorded, not published")
    return IngestResult("conflict_recorded", received.event_id, received.event_name)


def _unpublishable(received: ReceivedWebhook) -> IngestResult:
    # Valid JSON the bus will never take as it stands: resending cannot help, so it is kept for a person
    # (alarm WebhookUnpublishableAlarm) and acknowledged, instead of a 5xx Juspay would resend for ever.
    metrics.add_metric(name="WebhookUnpublishable", unit=MetricUnit.Count, value=1)
    logger.error("webhook cannot be published; recorded for a person, not resent")
    return IngestResult("unpublishable", received.event_id, received.event_name)


def _header(headers: Mapping[str, str], name: str) -> str | None:
    # API Gateway keeps the client's header case; HTTP says names are case-insensitive.
    return next((v for k, v in headers.items() if k.lower() == name), None)
