"""POST /wallets/{customer_id}/credits (merchant API, IAM auth). Thin: wiring, then
``paybridge.logic.credit_wallet``."""

from __future__ import annotations

import functools
from datetime import UTC, datetime
from typing import Any

import boto3
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.utilities.typing import LambdaContext

from paybridge.api import json_response, register_error_handlers, request_body
from paybridge.config import Settings
from paybridge.dal.wallets import WalletRepository
from paybridge.logic.credit_wallet import credit_wallet
from paybridge.observability import logger, metrics, tracer

app = APIGatewayRestResolver()
register_error_handlers(app)


@functools.cache
def _wallets() -> WalletRepository:
    # Built on first use, once per container: no AWS client exists at import time.
    settings = Settings.from_env()
    return WalletRepository(boto3.session.Session().client("dynamodb"), settings.ledger_table)


@app.post("/wallets/<customer_id>/credits")
def add_credit(customer_id: str) -> Response[str]:
    """201 with the new entry, or 200 with the original one for a replayed idempotency key."""
    status, body = credit_wallet(
        customer_id, request_body(app.current_event), _wallets(), now=datetime.now(UTC)
    )
    return json_response(status, body)


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """API Gateway (REST, proxy) entry point."""
    return app.resolve(event, context)
