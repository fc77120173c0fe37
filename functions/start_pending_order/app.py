"""EventBridge ``TXN_CREATED`` (juspay) / ``OrderPending`` (paybridge) → the order's pending-order execution.
Thin: wiring, then ``paybridge.logic.start_pending_order``."""

from __future__ import annotations

import functools
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

import boto3
from aws_lambda_powertools.utilities.typing import LambdaContext

from paybridge.config import Settings
from paybridge.dal.pending_orders import PendingOrdersRepository
from paybridge.logic.pending_order_schedule import schedule_from
from paybridge.logic.start_pending_order import StartDependencies, handle_pending_event
from paybridge.observability import log_correlation_ids, logger, metrics, tracer


@functools.cache
def _deps() -> StartDependencies:
    # Built on first use, once per container: no AWS client exists at import time.
    settings = Settings.from_env()
    session = boto3.session.Session()
    return StartDependencies(
        sfn_client=session.client("stepfunctions"),
        state_machine_arn=settings.pending_order_state_machine_arn,
        clock=lambda: datetime.now(UTC),
        repository=PendingOrdersRepository(session.client("dynamodb"), settings.pending_orders_table),
        schedule=schedule_from(settings),
    )


@logger.inject_lambda_context(clear_state=True)
@log_correlation_ids
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """EventBridge target entry point; answers what it did (ids only)."""
    logger.append_keys(bus_event_id=event.get("id"))
    return asdict(handle_pending_event(event, _deps()))
