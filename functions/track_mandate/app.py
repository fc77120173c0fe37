"""MANDATE_* webhooks from the bus keep the mandates table current. Thin: then ``logic.track_mandate``."""

from __future__ import annotations

import functools
from datetime import UTC, datetime
from typing import Any

import boto3
from aws_lambda_powertools.utilities.data_classes import EventBridgeEvent, event_source
from aws_lambda_powertools.utilities.typing import LambdaContext

from paybridge.config import Settings
from paybridge.dal.mandates import MandatesRepository
from paybridge.juspay.factory import juspay_client
from paybridge.logic.track_mandate import track_mandate
from paybridge.observability import log_correlation_ids, logger, metrics, tracer


@functools.cache
def _runtime() -> tuple[Settings, MandatesRepository]:
    # Built on first use, once per container: no AWS client exists at import time.
    settings = Settings.from_env()
    return settings, MandatesRepository(boto3.session.Session().client("dynamodb"), settings.mandates_table)


@logger.inject_lambda_context(clear_state=True)
@log_correlation_ids
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
@event_source(data_class=EventBridgeEvent)
def lambda_handler(event: EventBridgeEvent, context: LambdaContext) -> dict[str, Any]:
    """EventBridge target. Juspay errors propagate so Lambda's async retries and the DLQ apply."""
    settings, mandates = _runtime()
    summary = track_mandate(
        event.detail,
        juspay=juspay_client(settings, max_retries=1),
        mandates=mandates,
        clock=lambda: datetime.now(UTC),
    )
    return {
        "mandate_id": summary.mandate_id if summary else None,
        "status": summary.status if summary else None,
    }
