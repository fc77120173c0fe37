"""POST /orders/{order_id}/refunds (merchant API, IAM auth). Thin: wiring, then ``logic.refund_order``."""

from __future__ import annotations

import functools
from datetime import UTC, datetime
from typing import Annotated, Any

import boto3
from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body, Path
from aws_lambda_powertools.utilities.typing import LambdaContext

from paybridge.api import error_responses, model_response, new_resolver
from paybridge.bus import EventPublisher
from paybridge.config import Settings
from paybridge.dal.orders import OrdersRepository
from paybridge.dal.refunds import RefundsRepository
from paybridge.juspay.factory import juspay_client
from paybridge.logic.issue_refund import RefundDependencies
from paybridge.logic.refund_order import refund_order
from paybridge.models.order_api import RefundAnswer, RefundOrderRequest
from paybridge.models.validation import ORDER_ID_PATTERN
from paybridge.observability import log_correlation_ids, logger, metrics, tracer

app = new_resolver()


@functools.cache
def _runtime() -> tuple[Settings, RefundsRepository, EventPublisher, OrdersRepository]:
    # Built on first use, once per container: no AWS client exists at import time.
    settings = Settings.from_env()
    session = boto3.session.Session()
    return (
        settings,
        RefundsRepository(session.client("dynamodb"), settings.refunds_table),
        EventPublisher(session.client("events"), settings.event_bus_name),
        OrdersRepository(session.client("dynamodb"), settings.orders_table),
    )


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
    settings, repository, publisher, orders = _runtime()
    deps = RefundDependencies(
        repository=repository,
        juspay=juspay_client(settings),
        publisher=publisher,
        clock=lambda: datetime.now(UTC),
        max_attempts=settings.refund_max_attempts,
    )
    status, body = refund_order(order_id, request, deps, orders=orders)
    return model_response(status, body)


@logger.inject_lambda_context(clear_state=True)
@log_correlation_ids
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """API Gateway (REST, proxy) entry point."""
    return app.resolve(event, context)
