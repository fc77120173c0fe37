"""EventBridge → a recurring debit followed to its final state (NOTIFICATION_*, ORDER_SUCCEEDED/FAILED of an
execution order, PendingOrderResolved). Thin: then ``logic.track_mandate_debit``. Errors propagate: Lambda
retries the event, then the function's dead-letter queue gets it."""

from __future__ import annotations

import functools
from dataclasses import asdict
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from paybridge.composition import mandate_debits as compose
from paybridge.logic.mandate_debit_outcome import DebitDependencies
from paybridge.logic.track_mandate_debit import track_mandate_debit
from paybridge.observability import log_correlation_ids, logger, metrics, tracer
from paybridge.settings.mandates import TrackMandateDebitSettings

#: This function's settings: its fields are its template Environment (tests/contract checks).
SETTINGS = TrackMandateDebitSettings


@functools.cache
def _deps() -> DebitDependencies:
    # Built on first use, once per container: no AWS client exists at import time.
    return compose.for_track_mandate_debit(SETTINGS.from_env())


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
