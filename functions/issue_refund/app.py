"""EventBridge ``RefundRequested`` (source paybridge) → one Txn-ID refund. Thin: wiring, then
``paybridge.logic.issue_refund``.

Raising is the retry mechanism: an unknown Juspay outcome propagates, Lambda retries the event, and the
retry finds the stored refund and calls Juspay again with the same ``unique_request_id``.
"""

from __future__ import annotations

import functools
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

import boto3
from aws_lambda_powertools.utilities.typing import LambdaContext

from paybridge.bus import EventPublisher
from paybridge.config import Settings
from paybridge.dal.refunds import RefundsRepository
from paybridge.juspay.factory import juspay_client
from paybridge.logic.issue_refund import RefundDependencies, handle_refund_requested
from paybridge.observability import log_correlation_ids, logger, metrics, tracer


@dataclass(frozen=True)
class _Runtime:
    settings: Settings
    repository: RefundsRepository
    publisher: EventPublisher


@functools.cache
def _runtime() -> _Runtime:
    # Built on first use, once per container: no AWS client exists at import time.
    settings = Settings.from_env()
    session = boto3.session.Session()
    return _Runtime(
        settings=settings,
        repository=RefundsRepository(session.client("dynamodb"), settings.refunds_table),
        publisher=EventPublisher(session.client("events"), settings.event_bus_name),
    )


@logger.inject_lambda_context(clear_state=True)
@log_correlation_ids
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """EventBridge target entry point; answers the refund's outcome (ids and status only)."""
    runtime = _runtime()
    logger.append_keys(bus_event_id=event.get("id"))
    deps = RefundDependencies(
        repository=runtime.repository,
        juspay=juspay_client(runtime.settings),
        publisher=runtime.publisher,
        clock=lambda: datetime.now(UTC),
        max_attempts=runtime.settings.refund_max_attempts,
    )
    outcome = handle_refund_requested(event.get("detail") or {}, deps)
    return asdict(outcome)
