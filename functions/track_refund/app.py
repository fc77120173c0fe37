"""EventBridge Juspay refund events (ORDER_REFUNDED, ORDER_REFUND_FAILED, REFUND_INITIATED,
REFUND_MANUAL_REVIEW_NEEDED, AUTO_REFUND_*) → refunds followed to their final state, wallet share credited
back. Thin: wiring, then ``paybridge.logic.track_refund``. Raising makes Lambda retry the event.
"""

from __future__ import annotations

import functools
from dataclasses import asdict
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from paybridge.composition import refunds as compose
from paybridge.logic.track_refund import track_refund
from paybridge.observability import log_correlation_ids, logger, metrics, tracer
from paybridge.settings.refunds import TrackRefundSettings

#: This function's settings: its fields are its template Environment (tests/contract checks).
SETTINGS = TrackRefundSettings


@functools.cache
def _runtime() -> compose.TrackRuntime:
    # Built on first use, once per container: no AWS client exists at import time.
    return compose.for_track_refund(SETTINGS.from_env())


@logger.inject_lambda_context(clear_state=True)
@log_correlation_ids
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """EventBridge target entry point; answers what changed (ids and statuses only)."""
    logger.append_keys(bus_event_id=event.get("id"))
    deps = _runtime().track_dependencies()
    result = track_refund(str(event.get("detail-type", "")), event.get("detail") or {}, deps)
    return asdict(result)
