"""POST /orders/{order_id} (merchant API, IAM auth). Thin: wiring, then ``paybridge.logic.update_order``."""

from __future__ import annotations

import functools
from typing import Annotated, Any

from aws_lambda_powertools.event_handler.openapi.params import Body, Path
from aws_lambda_powertools.utilities.typing import LambdaContext

from paybridge.api import error_responses, new_resolver
from paybridge.composition import order_routes as compose
from paybridge.logic.update_order import update_order
from paybridge.models.order_api import OrderAnswer, UpdateOrderRequest
from paybridge.models.validation import ORDER_ID_PATTERN
from paybridge.observability import log_correlation_ids, logger, metrics, tracer
from paybridge.settings.orders import UpdateOrderSettings

#: This function's settings: its fields are its template Environment (tests/contract checks).
SETTINGS = UpdateOrderSettings

app = new_resolver()


@functools.cache
def _runtime() -> compose.OrderRuntime:
    # Built on first use, once per container: no AWS client exists at import time.
    return compose.for_order_routes(SETTINGS.from_env())


@app.post(
    "/orders/<order_id>",
    summary="Update an order's amount, udf1..udf10 or address at Juspay",
    responses=error_responses(400, 404, 409, 422, 502, 503),
)
def change_order(
    order_id: Annotated[str, Path(pattern=ORDER_ID_PATTERN)], request: Annotated[UpdateOrderRequest, Body()]
) -> OrderAnswer:
    """Changes the amount, udf1..udf10 or address of the order at Juspay."""
    runtime = _runtime()
    answer = update_order(
        order_id, request, juspay=runtime.juspay(), orders=runtime.orders, terms=runtime.terms
    )
    return OrderAnswer.model_validate(answer)


@logger.inject_lambda_context(clear_state=True)
@log_correlation_ids
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """API Gateway (REST, proxy) entry point."""
    return app.resolve(event, context)
