"""The pending-order state machine's ``.waitForTaskToken`` task: stores the wait's token for the order.
Thin: wiring, then ``paybridge.logic.await_order_webhook``."""

from __future__ import annotations

import functools
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from paybridge.composition import pending
from paybridge.logic.await_order_webhook import AwaitDependencies, await_order_webhook
from paybridge.observability import log_correlation_ids, logger, metrics, tracer
from paybridge.settings.follower import AwaitOrderWebhookSettings

#: This function's settings: its fields are its template Environment (tests/contract checks).
SETTINGS = AwaitOrderWebhookSettings


@functools.cache
def _deps() -> AwaitDependencies:
    # Built on first use, once per container: no AWS client exists at import time.
    return pending.for_await_order_webhook(SETTINGS.from_env())


@logger.inject_lambda_context(clear_state=True)
@log_correlation_ids
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Step Functions task entry point (the result is ignored: the execution waits for the token)."""
    return await_order_webhook(event, _deps())
