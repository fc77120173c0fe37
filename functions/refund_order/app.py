"""POST /orders/{order_id}/refunds (merchant API, IAM auth). Thin: wiring, then ``logic.refund_order``."""

from __future__ import annotations

import functools
from datetime import UTC, datetime
from typing import Any

import boto3
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.utilities.typing import LambdaContext

from paybridge.api import json_response, parse_json_body, register_error_handlers, request_body
from paybridge.bus import EventPublisher
from paybridge.config import Settings
from paybridge.dal.orders import OrdersRepository
from paybridge.dal.refunds import RefundsRepository
from paybridge.juspay.factory import juspay_client
from paybridge.logic.issue_refund import RefundDependencies
from paybridge.logic.refund_order import refund_order
from paybridge.observability import logger, metrics, tracer

app = APIGatewayRestResolver()
register_error_handlers(app)


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


@app.post("/orders/<order_id>/refunds")
def create_refund(order_id: str) -> Response[str]:
    """201 with the new refund, or 200 with the same refund for a repeated idempotency_key."""
    settings, repository, publisher, orders = _runtime()
    deps = RefundDependencies(
        repository=repository,
        juspay=juspay_client(settings),
        publisher=publisher,
        clock=lambda: datetime.now(UTC),
        max_attempts=settings.refund_max_attempts,
    )
    body = parse_json_body(request_body(app.current_event))
    status, answer = refund_order(order_id, body, deps, orders=orders)
    return json_response(status, answer)


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """API Gateway (REST, proxy) entry point."""
    return app.resolve(event, context)
