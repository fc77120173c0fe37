"""EventBridge → settlement of a split order against the in-house wallet. Thin: wiring, then
``paybridge.logic.settle_order``. Errors propagate: Lambda retries the event, then the rule's DLQ gets it."""

from __future__ import annotations

import functools
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from paybridge.composition import settlement
from paybridge.logic.settle_order import settle_order
from paybridge.observability import log_correlation_ids, logger, metrics, tracer
from paybridge.settings.settlement import SettleOrderSettings

#: This function's settings: its fields are its template Environment (tests/contract checks).
SETTINGS = SettleOrderSettings


@functools.cache
def _runtime() -> settlement.SettleRuntime:
    # Built on first use, once per container: no AWS client exists at import time.
    return settlement.for_settle_order(SETTINGS.from_env())


@logger.inject_lambda_context(clear_state=True)
@log_correlation_ids
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """EventBridge target: ``detail`` names the order (Juspay order webhooks, ``PendingOrderResolved``)."""
    logger.append_keys(
        source=event.get("source"), detail_type=event.get("detail-type"), bus_event_id=event.get("id")
    )
    detail = event.get("detail")
    deps = _runtime().dependencies()
    result = settle_order(detail if isinstance(detail, dict) else {}, deps, bus_event_id=_delivery_id(event))
    return {
        "order_id": result.order_id,
        "status": result.status,
        "action": result.action,
        "reason": result.reason,
    }


def _delivery_id(event: dict[str, Any]) -> str | None:
    """The bus event's id: the same on Lambda's retries, EventBridge's redeliveries and a dead-letter
    redrive of one event. An archive replay is another delivery (its replay's name is part of the id)."""
    event_id = event.get("id")
    if not isinstance(event_id, str) or not event_id:
        return None
    replay = event.get("replay-name")
    return f"{event_id}@{replay}" if isinstance(replay, str) and replay else event_id
