"""POST /webhooks/juspay: Juspay's webhooks in. Thin: wiring, then ``paybridge.logic.ingest_webhook``."""

from __future__ import annotations

import functools
from datetime import timedelta
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from paybridge.api import error_responses, new_resolver, request_body
from paybridge.composition import webhooks
from paybridge.logic.ingest_webhook import ingest_webhook
from paybridge.models.webhook import WebhookAnswer
from paybridge.observability import log_correlation_ids, logger, metrics, tracer
from paybridge.settings.settlement import IngestWebhookSettings

#: This function's settings: its fields are its template Environment (tests/contract checks).
SETTINGS = IngestWebhookSettings

app = new_resolver()


@functools.cache
def _runtime() -> webhooks.IngestRuntime:
    # Built on first use, once per container: no AWS client exists at import time.
    return webhooks.for_ingest_webhook(SETTINGS.from_env())


@app.post(
    "/webhooks/juspay",
    summary="Juspay's webhooks in (HTTP Basic); 200 only once recorded and on the bus",
    responses=error_responses(400, 401, 409, 413, 503),
)
def receive_webhook() -> WebhookAnswer:
    """Answers 200 only once the event is recorded and on the bus."""
    # The lease holds until this invocation is certainly over: Lambda ends it by then, published or not.
    lease = timedelta(milliseconds=app.lambda_context.get_remaining_time_in_millis())
    deps = _runtime().dependencies(lease=lease)
    result = ingest_webhook(app.current_event.headers, request_body(app.current_event), deps)
    return WebhookAnswer(status=result.status, id=result.event_id)


@logger.inject_lambda_context(clear_state=True)
@log_correlation_ids
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """API Gateway (REST, proxy) entry point."""
    return app.resolve(event, context)
