"""MANDATE_* webhooks from the bus keep the mandates table current. Thin: then ``logic.track_mandate``."""

from __future__ import annotations

import functools
from typing import Any

from aws_lambda_powertools.utilities.data_classes import EventBridgeEvent, event_source
from aws_lambda_powertools.utilities.typing import LambdaContext

from paybridge.composition import mandates as compose
from paybridge.logic.track_mandate import track_mandate
from paybridge.observability import log_correlation_ids, logger, metrics, tracer
from paybridge.settings.mandates import TrackMandateSettings

#: This function's settings: its fields are its template Environment (tests/contract checks).
SETTINGS = TrackMandateSettings


@functools.cache
def _runtime() -> compose.MandateRuntime:
    # Built on first use, once per container: no AWS client exists at import time.
    return compose.for_mandate_commands(SETTINGS.from_env(), max_retries=1)


@logger.inject_lambda_context(clear_state=True)
@log_correlation_ids
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
@event_source(data_class=EventBridgeEvent)
def lambda_handler(event: EventBridgeEvent, context: LambdaContext) -> dict[str, Any]:
    """EventBridge target. Juspay errors propagate so Lambda's async retries and the DLQ apply."""
    runtime = _runtime()
    summary = track_mandate(
        event.detail,
        juspay=runtime.juspay(),
        mandates=runtime.mandates,
        clock=runtime.clock,
    )
    return {
        "mandate_id": summary.mandate_id if summary else None,
        "status": summary.status if summary else None,
    }
