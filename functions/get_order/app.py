"""GET /orders/{order_id} (merchant API, IAM auth). Thin: wiring, then ``paybridge.logic.get_order``."""

from __future__ import annotations

import functools
from typing import Annotated, Any

from aws_lambda_powertools.event_handler.openapi.params import Path, Query
from aws_lambda_powertools.utilities.typing import LambdaContext

from paybridge.api import error_responses, new_resolver
from paybridge.composition import order_routes as compose
from paybridge.logic.get_order import get_order
from paybridge.models.order_api import OrderStatusAnswer
from paybridge.models.validation import CUSTOMER_ID_PATTERN, ORDER_ID_PATTERN
from paybridge.observability import log_correlation_ids, logger, metrics, tracer
from paybridge.settings.orders import GetOrderSettings

#: This function's settings: its fields are its template Environment (tests/contract checks).
SETTINGS = GetOrderSettings

app = new_resolver()


@functools.cache
def _runtime() -> compose.OrderRuntime:
    # Built on first use, once per container: no AWS client exists at import time.
    return compose.for_order_routes(SETTINGS.from_env())


@app.get(
    "/orders/<order_id>",
    summary="Juspay's verified order status with the wallet settlement state",
    responses=error_responses(400, 404, 422, 502, 503),
)
def read_order(
    order_id: Annotated[str, Path(pattern=ORDER_ID_PATTERN)],
    customer_id: Annotated[str | None, Query(pattern=CUSTOMER_ID_PATTERN)] = None,
) -> OrderStatusAnswer:
    """Juspay's verified order status with the wallet settlement state.

    ``customer_id`` names the order's customer when this system has no record of the order yet (Juspay
    routes every call by it); a recorded customer wins.
    """
    runtime = _runtime()
    return OrderStatusAnswer.model_validate(
        get_order(order_id, juspay=runtime.juspay(), orders=runtime.orders, customer_id=customer_id)
    )


@logger.inject_lambda_context(clear_state=True)
@log_correlation_ids
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """API Gateway (REST, proxy) entry point."""
    return app.resolve(event, context)
