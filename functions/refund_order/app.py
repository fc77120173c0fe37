"""POST /orders/{order_id}/refunds (merchant API, IAM auth). Thin: wiring, then ``logic.refund_order``."""

from __future__ import annotations

import functools
from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body, Path
from aws_lambda_powertools.utilities.typing import LambdaContext

from paybridge.api import error_responses, model_response, new_resolver
from paybridge.composition import refunds as compose
from paybridge.logic.refund_order import refund_order
from paybridge.models.order_api import RefundAnswer, RefundOrderRequest
from paybridge.models.validation import ORDER_ID_PATTERN
from paybridge.observability import log_correlation_ids, logger, metrics, tracer
from paybridge.settings.refunds import RefundOrderSettings

#: This function's settings: its fields are its template Environment (tests/contract checks).
SETTINGS = RefundOrderSettings

app = new_resolver()


@functools.cache
def _runtime() -> compose.RefundOrderRuntime:
    # Built on first use, once per container: no AWS client exists at import time.
    return compose.for_refund_order(SETTINGS.from_env())


@app.post(
    "/orders/<order_id>/refunds",
    summary="Refund an order, or one of its transactions (idempotent on idempotency_key)",
    status_code=201,
    responses=error_responses(
        400,
        404,
        409,
        422,
        502,
        503,
        success={201: "created", 200: "the same idempotency_key again: the same refund"},
    ),
)
def create_refund(
    order_id: Annotated[str, Path(pattern=ORDER_ID_PATTERN)], request: Annotated[RefundOrderRequest, Body()]
) -> Response[RefundAnswer]:
    """201 with the new refund, or 200 with the same refund for a repeated idempotency_key."""
    runtime = _runtime()
    status, body = refund_order(order_id, request, runtime.refund_dependencies(), orders=runtime.orders)
    return model_response(status, body)


@logger.inject_lambda_context(clear_state=True)
@log_correlation_ids
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """API Gateway (REST, proxy) entry point."""
    return app.resolve(event, context)
