"""Scheduled (rate 5 minutes): open refunds checked with Order Status on a growing schedule, so they reach a
final state without webhooks. Thin: wiring, then ``paybridge.logic.sweep_refunds``.
"""

from __future__ import annotations

import functools
from dataclasses import asdict
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from paybridge.composition import refunds as compose
from paybridge.composition.aws import now
from paybridge.logic.sweep_refunds import sweep_refunds
from paybridge.observability import log_correlation_ids, logger, metrics, tracer
from paybridge.settings.refunds import SweepRefundsSettings

#: This function's settings: its fields are its template Environment (tests/contract checks).
SETTINGS = SweepRefundsSettings


@functools.cache
def _runtime() -> compose.SweepRuntime:
    # Built on first use, once per container: no AWS client exists at import time.
    return compose.for_sweep_refunds(SETTINGS.from_env())


@logger.inject_lambda_context(clear_state=True)
@log_correlation_ids
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Scheduled-event entry point; answers what the run did (ids, statuses and counts only)."""
    runtime = _runtime()
    deps = runtime.sweep_dependencies(lambda: context.get_remaining_time_in_millis() / 1000)
    result = sweep_refunds(deps, now=now(), limit=runtime.limit)
    return asdict(result)
