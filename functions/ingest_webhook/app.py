"""POST /webhooks/juspay: Juspay's webhooks in. Thin: wiring, then ``paybridge.logic.ingest_webhook``."""

from __future__ import annotations

import functools
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
from aws_lambda_powertools.utilities import parameters
from aws_lambda_powertools.utilities.typing import LambdaContext

from paybridge.api import error_responses, new_resolver, request_body
from paybridge.auth import credentials_from_secret
from paybridge.bus import EventPublisher
from paybridge.config import Settings
from paybridge.dal.webhook_events import WebhookEventsRepository
from paybridge.logic.ingest_webhook import IngestDependencies, ingest_webhook
from paybridge.models.webhook import WebhookAnswer
from paybridge.observability import log_correlation_ids, logger, metrics, tracer

#: The variables this function reads: template.yaml gives it exactly these (tests/contract checks).
ENVIRONMENT = frozenset(
    {
        "EVENT_BUS_NAME",
        "SECRET_MAX_AGE_SECONDS",
        "WEBHOOK_DEDUP_SECONDS",
        "WEBHOOK_EVENTS_TABLE",
        "WEBHOOK_RETENTION_DAYS",
        "WEBHOOK_SECRET_NAME",
    }
)

app = new_resolver()


@dataclass(frozen=True)
class _Runtime:
    settings: Settings
    repository: WebhookEventsRepository
    publisher: EventPublisher


@functools.cache
def _runtime() -> _Runtime:
    # Built on first use, once per container: no AWS client exists at import time.
    settings = Settings.from_env(variables=ENVIRONMENT)
    session = boto3.session.Session()
    dynamodb = session.client("dynamodb")
    return _Runtime(
        settings=settings,
        repository=WebhookEventsRepository(
            dynamodb,
            settings.webhook_events_table,
            retention=timedelta(days=settings.webhook_retention_days),
            dedup=timedelta(seconds=settings.webhook_dedup_seconds),
        ),
        publisher=EventPublisher(session.client("events"), settings.event_bus_name),
    )


@app.post(
    "/webhooks/juspay",
    summary="Juspay's webhooks in (HTTP Basic); 200 only once recorded and on the bus",
    responses=error_responses(400, 401, 409, 413, 503),
)
def receive_webhook() -> WebhookAnswer:
    """Answers 200 only once the event is recorded and on the bus."""
    runtime = _runtime()
    secret = parameters.get_secret(
        runtime.settings.webhook_secret_name, transform="json", max_age=runtime.settings.secret_max_age_s
    )
    deps = IngestDependencies(
        credentials=credentials_from_secret(secret),
        repository=runtime.repository,
        publisher=runtime.publisher,
        clock=lambda: datetime.now(UTC),
        sleep=time.sleep,
        # Held until this invocation is certainly over: Lambda ends it by then, published or not.
        lease=timedelta(milliseconds=app.lambda_context.get_remaining_time_in_millis()),
    )
    result = ingest_webhook(app.current_event.headers, request_body(app.current_event), deps)
    return WebhookAnswer(status=result.status, id=result.event_id)


@logger.inject_lambda_context(clear_state=True)
@log_correlation_ids
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """API Gateway (REST, proxy) entry point."""
    return app.resolve(event, context)
