"""POST /orders/{order_id} (merchant API, IAM auth). Thin: wiring, then ``paybridge.logic.update_order``."""

from __future__ import annotations

import functools
from typing import Any

import boto3
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.utilities.typing import LambdaContext

from paybridge.api import json_response, parse_json_body, register_error_handlers, request_body
from paybridge.config import Settings
from paybridge.dal.orders import OrdersRepository
from paybridge.dal.signed_orders import SignedOrdersRepository
from paybridge.juspay.factory import juspay_client
from paybridge.logic.update_order import update_order
from paybridge.observability import logger, metrics, tracer

app = APIGatewayRestResolver()
register_error_handlers(app)


@functools.cache
def _runtime() -> tuple[Settings, OrdersRepository, SignedOrdersRepository]:
    # Built on first use, once per container: no AWS client exists at import time.
    settings = Settings.from_env()
    dynamodb = boto3.session.Session().client("dynamodb")
    return (
        settings,
        OrdersRepository(dynamodb, settings.orders_table),
        SignedOrdersRepository(dynamodb, settings.orders_table),
    )


@app.post("/orders/<order_id>")
def change_order(order_id: str) -> Response[str]:
    """Changes the amount, udf1..udf10 or address of the order at Juspay."""
    settings, orders, terms = _runtime()
    body = parse_json_body(request_body(app.current_event))
    answer = update_order(order_id, body, juspay=juspay_client(settings), orders=orders, terms=terms)
    return json_response(200, answer)


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """API Gateway (REST, proxy) entry point."""
    return app.resolve(event, context)
