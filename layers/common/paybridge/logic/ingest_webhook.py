"""Ingest one Juspay webhook delivery: authenticate, validate, record, publish; only then succeed.

Idempotency (Powertools, keyed by Juspay's event ``id``, validated by the body hash) gives the delivery
semantics Juspay needs:

* first delivery: record → publish → the idempotency record turns COMPLETED → 200;
* a later duplicate: COMPLETED record found → 200, nothing published again;
* a duplicate racing an in-flight first delivery: wait briefly for it; still in flight →
  ``WebhookInProgressError`` (409, Juspay resends) — never a 200 before the event is durable;
* a failed publish: the exception removes the idempotency record, the caller answers 503, and Juspay's
  resend starts from scratch and publishes;
* the same id with a different body: recorded beside the first, logged and counted, not published.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from aws_lambda_powertools.utilities.idempotency import (
    BasePersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)
from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyAlreadyInProgressError,
    IdempotencyValidationError,
)
from aws_lambda_powertools.utilities.idempotency.persistence.datarecord import DataRecord

from paybridge.auth import BasicCredential, is_authorized
from paybridge.bus import MAX_ENTRY_BYTES, SOURCE_JUSPAY, EventPublisher, entry_size
from paybridge.dal.webhook_events import (
    STATUS_CONFLICT,
    STATUS_RECEIVED,
    STATUS_UNPUBLISHABLE,
    ReceivedWebhook,
)
from paybridge.dal.webhook_events import WebhookEventsRepository as Repository
from paybridge.errors import (
    PayloadTooLargeError,
    UnauthorizedError,
    UnpublishableEventError,
    WebhookInProgressError,
)
from paybridge.jsonutil import dumps
from paybridge.models.webhook import (
    WebhookEnvelope,
    canonical_sha256,
    parse_webhook_body,
    publishable_event_name,
)
from paybridge.observability import MetricUnit, logger, metrics

#: Largest body accepted. Juspay's webhooks are a few KB; 256 KB matches EventBridge's entry limit.
MAX_BODY_BYTES = 256 * 1024

IngestStatus = Literal["published", "duplicate", "conflict_recorded", "unpublishable"]


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
    publisher: EventPublisher
    persistence: BasePersistenceLayer
    idempotency_config: IdempotencyConfig
    clock: Callable[[], datetime]
    sleep: Callable[[float], None]
    #: How long, in total, a duplicate waits for an in-flight first delivery before asking for a resend.
    in_progress_waits: tuple[float, ...] = field(default=(0.2, 0.4, 0.8))


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
    body_sha256 = canonical_sha256(document)
    logger.append_keys(
        webhook_id=envelope.id, event_name=envelope.event_name.encode("unicode_escape").decode()
    )
    received = ReceivedWebhook(
        event_id=envelope.id,
        body_sha256=body_sha256,
        event_name=envelope.event_name,
        body=body.decode("utf-8"),
        order_id=envelope.order_id,
        customer_id=envelope.customer_id,
    )

    if not publishable_event_name(envelope.event_name):
        return _record_unpublishable(received, deps)

    def record_and_publish(delivery: dict[str, str]) -> dict[str, Any]:
        now = deps.clock()
        deps.repository.record(received, status=STATUS_RECEIVED, now=now)
        detail = build_detail(envelope, document, body_sha256, now, deps.repository.table_name)
        bus_event_id = deps.publisher.publish(SOURCE_JUSPAY, envelope.event_name, detail)
        try:
            deps.repository.mark_published(envelope.id, body_sha256, bus_event_id=bus_event_id, now=now)
        except Exception as exc:  # the event is on the bus already; the mark is bookkeeping only
            logger.warning("could not mark webhook published", extra={"error_type": type(exc).__name__})
        return {"status": "published", "bus_event_id": bus_event_id}

    guarded = idempotent_function(
        data_keyword_argument="delivery",
        persistence_store=deps.persistence,
        config=deps.idempotency_config,
        key_prefix="ingest_webhook",
    )(record_and_publish)
    delivery = {"event_id": envelope.id, "body_sha256": body_sha256}

    waits = iter(deps.in_progress_waits)
    while True:
        try:
            outcome = guarded(delivery=delivery)
            break
        except IdempotencyValidationError:
            return _record_conflict(received, deps)
        except UnpublishableEventError:
            return _record_unpublishable(received, deps)
        except IdempotencyAlreadyInProgressError as exc:
            wait = next(waits, None)
            if wait is None:
                metrics.add_metric(name="WebhookInFlightResendAsked", unit=MetricUnit.Count, value=1)
                raise WebhookInProgressError(
                    "this event is being processed by another delivery; resend later"
                ) from exc
            deps.sleep(wait)

    if outcome.get("replayed"):
        metrics.add_metric(name="WebhookDuplicate", unit=MetricUnit.Count, value=1)
        logger.info("duplicate webhook; already published")
        return IngestResult("duplicate", envelope.id, envelope.event_name, outcome.get("bus_event_id"))
    metrics.add_metric(name="WebhookPublished", unit=MetricUnit.Count, value=1)
    logger.info("webhook published")
    return IngestResult("published", envelope.id, envelope.event_name, outcome.get("bus_event_id"))


def make_idempotency_config(expires_after_seconds: int) -> IdempotencyConfig:
    """Idempotency keyed by Juspay's event id; the body hash tells a duplicate from a conflicting body."""
    return IdempotencyConfig(
        event_key_jmespath="event_id",
        payload_validation_jmespath="body_sha256",
        expires_after_seconds=expires_after_seconds,
        raise_on_no_idempotency_key=True,
        response_hook=mark_replayed,
    )


def mark_replayed(response: Any, idempotent_data: DataRecord) -> Any:
    """Powertools response hook: a stored response returned again means this delivery is a duplicate."""
    return {**response, "replayed": True} if isinstance(response, dict) else response


def build_detail(
    envelope: WebhookEnvelope,
    document: dict[str, Any],
    body_sha256: str,
    received_at: datetime,
    table_name: str,
) -> dict[str, Any]:
    """The bus event's detail: routing fields plus the content, or a reference to it when too large."""
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
        "content": document.get("content") or {},
    }
    if entry_size(SOURCE_JUSPAY, envelope.event_name, dumps(detail)) > MAX_ENTRY_BYTES:
        del detail["content"]
        detail["content_ref"] = {"table": table_name, "event_id": envelope.id, "body_sha256": body_sha256}
    return detail


def _record_conflict(received: ReceivedWebhook, deps: IngestDependencies) -> IngestResult:
    deps.repository.record(received, status=STATUS_CONFLICT, now=deps.clock())
    metrics.add_metric(name="WebhookBodyConflict", unit=MetricUnit.Count, value=1)
    logger.warning("webhook id seen before with a different body; recorded, not published")
    return IngestResult("conflict_recorded", received.event_id, received.event_name)


def _record_unpublishable(received: ReceivedWebhook, deps: IngestDependencies) -> IngestResult:
    # Valid JSON the bus will never take as it stands: resending cannot help, so it is kept for a person
    # (alarm WebhookUnpublishableAlarm) and acknowledged, instead of a 5xx Juspay would resend for ever.
    deps.repository.record(received, status=STATUS_UNPUBLISHABLE, now=deps.clock())
    metrics.add_metric(name="WebhookUnpublishable", unit=MetricUnit.Count, value=1)
    logger.error("webhook cannot be published; recorded for a person, not resent")
    return IngestResult("unpublishable", received.event_id, received.event_name)


def _header(headers: Mapping[str, str], name: str) -> str | None:
    # API Gateway keeps the client's header case; HTTP says names are case-insensitive.
    return next((v for k, v in headers.items() if k.lower() == name), None)
