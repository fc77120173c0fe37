"""The pending-order state machine's catch-all: records a failure (item, event, metric).
Thin: wiring, then ``paybridge.logic.record_pending_order_failure``."""

from __future__ import annotations

import functools
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from paybridge.composition import pending
from paybridge.logic.record_pending_order_failure import FailureDependencies, record_pending_order_failure
from paybridge.observability import log_correlation_ids, logger, metrics, tracer
from paybridge.settings.follower import RecordPendingOrderFailureSettings

#: This function's settings: its fields are its template Environment (tests/contract checks).
SETTINGS = RecordPendingOrderFailureSettings


@functools.cache
def _deps() -> FailureDependencies:
    # Built on first use, once per container: no AWS client exists at import time.
    return pending.for_record_pending_order_failure(SETTINGS.from_env())


@logger.inject_lambda_context(clear_state=True)
@log_correlation_ids
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Step Functions task entry point."""
    return record_pending_order_failure(event, _deps())
