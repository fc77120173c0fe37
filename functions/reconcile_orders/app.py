"""Scheduled (and on-demand: ``python -m paybridge_ops reconcile``) reconciliation of the orders touched in a
window with Juspay. Thin: wiring of the normal paths it repairs through, then
``paybridge.logic.reconcile_orders``. Answers the report (ids, statuses, counts)."""

from __future__ import annotations

import functools
from dataclasses import asdict
from datetime import timedelta
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import ValidationError

from paybridge.composition import reconcile
from paybridge.composition.aws import now
from paybridge.logic.reconcile_orders import reconcile_orders
from paybridge.models.reconciliation import ReconcileRequest
from paybridge.models.validation import request_error
from paybridge.observability import log_correlation_ids, logger, metrics, tracer
from paybridge.settings.settlement import ReconcileOrdersSettings

#: This function's settings: its fields are its template Environment (tests/contract checks).
SETTINGS = ReconcileOrdersSettings


@functools.cache
def _runtime() -> reconcile.ReconcileRuntime:
    # Built on first use, once per container: no AWS client exists at import time.
    return reconcile.for_reconcile_orders(SETTINGS.from_env())


@logger.inject_lambda_context(clear_state=True)
@log_correlation_ids
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Schedule event or ``{"since", "until"}`` / ``{"hours"}`` / ``{}`` → the run's report."""
    runtime = _runtime()
    try:
        request = ReconcileRequest.model_validate(event if isinstance(event, dict) else {})
    except ValidationError as exc:
        raise request_error(exc) from None
    # A scheduled run's window shrinks with the schedule's period under a local TIME_SCALE (1 on AWS).
    settings = runtime.settings
    default = timedelta(hours=settings.reconcile_window_hours) / settings.time_scale
    since, until = request.window(now=now(), default=default)
    report = reconcile_orders(since, until, runtime.dependencies(context.get_remaining_time_in_millis))
    return {**asdict(report), "counts": report.counts()}
