"""GET /wallets/{customer_id} (merchant API, IAM auth). Thin: wiring, then ``paybridge.logic.get_wallet``."""

from __future__ import annotations

import functools
from typing import Any

import boto3
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.utilities.typing import LambdaContext

from paybridge.api import json_response, register_error_handlers
from paybridge.config import Settings
from paybridge.dal.wallets import WalletRepository
from paybridge.logic.get_wallet import get_wallet
from paybridge.observability import logger, metrics, tracer

app = APIGatewayRestResolver()
register_error_handlers(app)


@functools.cache
def _wallets() -> WalletRepository:
    # Built on first use, once per container: no AWS client exists at import time.
    settings = Settings.from_env()
    return WalletRepository(boto3.session.Session().client("dynamodb"), settings.ledger_table)


@app.get("/wallets/<customer_id>")
def read_wallet(customer_id: str) -> Response[str]:
    """The wallet's balance and newest entries."""
    return json_response(200, get_wallet(customer_id, _wallets()))


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """API Gateway (REST, proxy) entry point."""
    return app.resolve(event, context)
