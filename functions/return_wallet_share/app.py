"""POST /orders/{order_id}/wallet-returns (merchant API, IAM auth). Thin: wiring, then
``paybridge.logic.return_wallet_share``."""

from __future__ import annotations

import functools
from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body, Path
from aws_lambda_powertools.utilities.typing import LambdaContext

from paybridge.api import error_responses, model_response, new_resolver
from paybridge.composition import wallet_returns
from paybridge.logic.return_wallet_share import ReturnDependencies, return_wallet_share
from paybridge.models.order_api import WalletReturnAnswer, WalletReturnRequest
from paybridge.models.validation import ORDER_ID_PATTERN
from paybridge.observability import log_correlation_ids, logger, metrics, tracer
from paybridge.settings.settlement import ReturnWalletShareSettings

#: This function's settings: its fields are its template Environment (tests/contract checks).
SETTINGS = ReturnWalletShareSettings

app = new_resolver()


@functools.cache
def _deps() -> ReturnDependencies:
    # Built on first use, once per container: no AWS client exists at import time.
    return wallet_returns.for_return_wallet_share(SETTINGS.from_env())


@app.post(
    "/orders/<order_id>/wallet-returns",
    summary="Return part of a settled order's wallet share to the wallet (idempotent on idempotency_key)",
    status_code=201,
    responses=error_responses(
        400,
        404,
        409,
        415,
        422,
        503,
        success={201: "created", 200: "the same idempotency_key again: the original return"},
    ),
)
def create_wallet_return(
    order_id: Annotated[str, Path(pattern=ORDER_ID_PATTERN)], request: Annotated[WalletReturnRequest, Body()]
) -> Response[WalletReturnAnswer]:
    """201 with the new return, or 200 with the original one for a repeated idempotency_key."""
    status, body = return_wallet_share(order_id, request, _deps())
    return model_response(status, body)


@logger.inject_lambda_context(clear_state=True)
@log_correlation_ids
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """API Gateway (REST, proxy) entry point."""
    return app.resolve(event, context)
