"""EventBridge ``TXN_CREATED`` (juspay) / ``OrderPending`` (paybridge) → the order's pending-order execution.
Thin: wiring, then ``paybridge.logic.start_pending_order``."""

from __future__ import annotations

import functools
from dataclasses import asdict
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from paybridge.composition import follow
from paybridge.logic.start_pending_order import StartDependencies, handle_pending_event
from paybridge.observability import log_correlation_ids, logger, metrics, tracer
from paybridge.settings.follower import StartPendingOrderSettings

#: This function's settings: its fields are its template Environment (tests/contract checks).
SETTINGS = StartPendingOrderSettings


@functools.cache
def _deps() -> StartDependencies:
    # Built on first use, once per container: no AWS client exists at import time.
    return follow.for_start_pending_order(SETTINGS.from_env())


@logger.inject_lambda_context(clear_state=True)
@log_correlation_ids
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """EventBridge target entry point; answers what it did (ids only)."""
    logger.append_keys(bus_event_id=event.get("id"))
    return asdict(handle_pending_event(event, _deps()))
