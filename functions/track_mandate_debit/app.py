"""EventBridge → a recurring debit followed to its final state (NOTIFICATION_*, ORDER_SUCCEEDED/FAILED of an
execution order, PendingOrderResolved). Thin: then ``logic.track_mandate_debit``. Errors propagate: Lambda
retries the event, then the function's dead-letter queue gets it."""

from __future__ import annotations

import functools
from dataclasses import asdict
from typing import Any

import boto3
from aws_lambda_powertools.utilities.typing import LambdaContext

from paybridge.config import Settings
from paybridge.logic.mandate_debit_outcome import DebitDependencies
from paybridge.logic.track_mandate_debit import track_mandate_debit
from paybridge.mandate_debits_runtime import debit_dependencies
from paybridge.observability import log_correlation_ids, logger, metrics, tracer


@functools.cache
def _deps() -> DebitDependencies:
    # Built on first use, once per container. Asynchronous invocation: Lambda retries the whole event, so
    # the client's own retries stay short.
    return debit_dependencies(Settings.from_env(), boto3.session.Session(), max_retries=1)


@logger.inject_lambda_context(clear_state=True)
@log_correlation_ids
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """EventBridge target entry point; answers what it did (ids and states only)."""
    logger.append_keys(
        source=event.get("source"), detail_type=event.get("detail-type"), bus_event_id=event.get("id")
    )
    return asdict(track_mandate_debit(event, _deps()))
