"""EventBridge ``RefundRequested`` (source paybridge) → one Txn-ID refund. Thin: wiring, then
``paybridge.logic.issue_refund``.

Raising is the retry mechanism: an unknown Juspay outcome propagates, Lambda retries the event, and the
retry finds the stored refund and calls Juspay again with the same ``unique_request_id``.
"""

from __future__ import annotations

import functools
from dataclasses import asdict
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from paybridge.composition import refunds as compose
from paybridge.logic.issue_refund import handle_refund_requested
from paybridge.observability import log_correlation_ids, logger, metrics, tracer
from paybridge.settings.refunds import IssueRefundSettings

#: This function's settings: its fields are its template Environment (tests/contract checks).
SETTINGS = IssueRefundSettings


@functools.cache
def _runtime() -> compose.RefundRuntime:
    # Built on first use, once per container: no AWS client exists at import time.
    return compose.for_issue_refund(SETTINGS.from_env())


@logger.inject_lambda_context(clear_state=True)
@log_correlation_ids
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """EventBridge target entry point; answers the refund's outcome (ids and status only)."""
    logger.append_keys(bus_event_id=event.get("id"))
    deps = _runtime().refund_dependencies()
    outcome = handle_refund_requested(event.get("detail") or {}, deps)
    return asdict(outcome)
