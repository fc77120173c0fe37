"""GET /wallets/{customer_id} (merchant API, IAM auth). Thin: wiring, then ``paybridge.logic.get_wallet``."""

from __future__ import annotations

import functools
from typing import Annotated, Any

from aws_lambda_powertools.event_handler.openapi.params import Path
from aws_lambda_powertools.utilities.typing import LambdaContext

from paybridge.api import error_responses, new_resolver
from paybridge.composition import ledger
from paybridge.dal.wallets import WalletRepository
from paybridge.logic.get_wallet import get_wallet
from paybridge.models.validation import CUSTOMER_ID_PATTERN
from paybridge.models.wallet import WalletAnswer
from paybridge.observability import log_correlation_ids, logger, metrics, tracer
from paybridge.settings.settlement import GetWalletSettings

#: This function's settings: its fields are its template Environment (tests/contract checks).
SETTINGS = GetWalletSettings

app = new_resolver()


@functools.cache
def _wallets() -> WalletRepository:
    # Built on first use, once per container: no AWS client exists at import time.
    return ledger.wallets(SETTINGS.from_env())


@app.get(
    "/wallets/<customer_id>",
    summary="A wallet's balance and newest ledger entries",
    responses=error_responses(400, 404, 503),
)
def read_wallet(customer_id: Annotated[str, Path(pattern=CUSTOMER_ID_PATTERN)]) -> WalletAnswer:
    """The wallet's balance and newest entries."""
    return WalletAnswer.model_validate(get_wallet(customer_id, _wallets()))


@logger.inject_lambda_context(clear_state=True)
@log_correlation_ids
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """API Gateway (REST, proxy) entry point."""
    return app.resolve(event, context)
