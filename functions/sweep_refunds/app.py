"""Scheduled (rate 5 minutes): open refunds checked with Order Status on a growing schedule, so they reach a
final state without webhooks. Thin: wiring, then ``paybridge.logic.sweep_refunds``.
"""

from __future__ import annotations

import functools
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from paybridge.config import JUSPAY_VARIABLES
from paybridge.logic.sweep_refunds import SweepDependencies, sweep_refunds
from paybridge.models.refund_schedule import RefundCheckSchedule
from paybridge.observability import log_correlation_ids, logger, metrics, tracer
from paybridge.refunds_runtime import RefundWiring

#: The variables this function reads: template.yaml gives it exactly these (tests/contract checks).
ENVIRONMENT = frozenset(
    {
        "EVENT_BUS_NAME",
        "LEDGER_TABLE",
        "ORDERS_TABLE",
        "REFUND_CHECK_FIRST_SECONDS",
        "REFUND_CHECK_MAX_SECONDS",
        "REFUND_MAX_ATTEMPTS",
        "REFUND_SWEEP_LIMIT",
        "REFUNDS_TABLE",
        "TIME_SCALE",
        *JUSPAY_VARIABLES,
    }
)


@functools.cache
def _wiring() -> RefundWiring:
    # Built on first use, once per container: no AWS client exists at import time.
    return RefundWiring(ENVIRONMENT)


@logger.inject_lambda_context(clear_state=True)
@log_correlation_ids
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Scheduled-event entry point; answers what the run did (ids, statuses and counts only)."""
    wiring = _wiring()
    settings = wiring.settings
    deps = SweepDependencies(
        track=wiring.track_dependencies(),
        schedule=RefundCheckSchedule(
            first_s=settings.refund_check_first_s,
            # A cap below the first gap (a deploy-time slip CloudFormation cannot refuse) means "no doubling".
            max_s=max(settings.refund_check_max_s, settings.refund_check_first_s),
            time_scale=settings.time_scale,
        ),
        time_left=lambda: context.get_remaining_time_in_millis() / 1000,
    )
    result = sweep_refunds(deps, now=datetime.now(UTC), limit=settings.refund_sweep_limit)
    return asdict(result)
