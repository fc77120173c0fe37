"""The pending-order state machine's catch-all: records a failure (item, event, metric).
Thin: wiring, then ``paybridge.logic.record_pending_order_failure``."""

from __future__ import annotations

import functools
from datetime import UTC, datetime
from typing import Any

import boto3
from aws_lambda_powertools.utilities.typing import LambdaContext

from paybridge.bus import EventPublisher
from paybridge.config import Settings
from paybridge.dal.pending_orders import PendingOrdersRepository
from paybridge.logic.record_pending_order_failure import FailureDependencies, record_pending_order_failure
from paybridge.observability import log_correlation_ids, logger, metrics, tracer


@functools.cache
def _deps() -> FailureDependencies:
    # Built on first use, once per container: no AWS client exists at import time.
    settings = Settings.from_env()
    session = boto3.session.Session()
    return FailureDependencies(
        repository=PendingOrdersRepository(session.client("dynamodb"), settings.pending_orders_table),
        publisher=EventPublisher(session.client("events"), settings.event_bus_name),
        clock=lambda: datetime.now(UTC),
    )


@logger.inject_lambda_context(clear_state=True)
@log_correlation_ids
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Step Functions task entry point."""
    return record_pending_order_failure(event, _deps())
