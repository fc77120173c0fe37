"""The pending-order state machine's poll task: Get Order Status, then resolve, wait again or mark STALE.
Thin: wiring, then ``paybridge.logic.check_pending_order``.

Juspay errors are raised as they are: their class names are what the state machine retries and catches.
"""

from __future__ import annotations

import functools
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from paybridge.composition import polling
from paybridge.logic.check_pending_order import check_pending_order
from paybridge.observability import log_correlation_ids, logger, metrics, tracer
from paybridge.settings.follower import CheckPendingOrderSettings

#: This function's settings: its fields are its template Environment (tests/contract checks).
SETTINGS = CheckPendingOrderSettings


@functools.cache
def _runtime() -> polling.CheckRuntime:
    # Built on first use, once per container: no AWS client exists at import time.
    return polling.for_check_pending_order(SETTINGS.from_env())


@logger.inject_lambda_context(clear_state=True)
@log_correlation_ids
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Step Functions task entry point; answers the execution's next state document."""
    return check_pending_order(event, _runtime().dependencies())
