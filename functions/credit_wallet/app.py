"""POST /wallets/{customer_id}/credits (merchant API, IAM auth). Thin: wiring, then
``paybridge.logic.credit_wallet``."""

from __future__ import annotations

import functools
from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body, Path
from aws_lambda_powertools.utilities.typing import LambdaContext

from paybridge.api import error_responses, model_response, new_resolver
from paybridge.composition import ledger
from paybridge.composition.aws import now
from paybridge.dal.wallets import WalletRepository
from paybridge.logic.credit_wallet import credit_wallet
from paybridge.models.validation import CUSTOMER_ID_PATTERN
from paybridge.models.wallet import CreditAnswer, CreditRequest
from paybridge.observability import log_correlation_ids, logger, metrics, tracer
from paybridge.settings.settlement import CreditWalletSettings

#: This function's settings: its fields are its template Environment (tests/contract checks).
SETTINGS = CreditWalletSettings

app = new_resolver()


@functools.cache
def _wallets() -> WalletRepository:
    # Built on first use, once per container: no AWS client exists at import time.
    return ledger.wallets(SETTINGS.from_env())


@app.post(
    "/wallets/<customer_id>/credits",
    summary="Top a wallet up (idempotent on idempotency_key)",
    status_code=201,
    responses=error_responses(
        400,
        404,
        409,
        422,
        503,
        success={201: "created", 200: "the same idempotency_key again: the original credit"},
    ),
)
def add_credit(
    customer_id: Annotated[str, Path(pattern=CUSTOMER_ID_PATTERN)], request: Annotated[CreditRequest, Body()]
) -> Response[CreditAnswer]:
    """201 with the new entry, or 200 with the original one for a replayed idempotency key."""
    status, body = credit_wallet(customer_id, request, _wallets(), now=now())
    return model_response(status, body)


@logger.inject_lambda_context(clear_state=True)
@log_correlation_ids
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """API Gateway (REST, proxy) entry point."""
    return app.resolve(event, context)
