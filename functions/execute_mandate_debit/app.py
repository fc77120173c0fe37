"""POST /mandates/{mandate_id}/debits (merchant API, IAM auth): execute the notified debit of one
billing cycle, once. Thin: then ``logic.execute_mandate_debit``."""

from __future__ import annotations

import functools
from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body, Path
from aws_lambda_powertools.utilities.typing import LambdaContext

from paybridge.api import error_responses, model_response, new_resolver
from paybridge.composition import mandate_debits as compose
from paybridge.logic.execute_mandate_debit import execute_mandate_debit
from paybridge.logic.mandate_debit_outcome import DebitDependencies, to_answer
from paybridge.models.mandate_debit import ExecuteDebitRequest, MandateDebitAnswer
from paybridge.models.validation import MANDATE_ID_PATTERN
from paybridge.observability import log_correlation_ids, logger, metrics, tracer
from paybridge.settings.mandates import ExecuteMandateDebitSettings

#: This function's settings: its fields are its template Environment (tests/contract checks).
SETTINGS = ExecuteMandateDebitSettings

app = new_resolver()


@functools.cache
def _deps() -> DebitDependencies:
    # Built on first use, once per container: no AWS client exists at import time.
    return compose.for_execute_mandate_debit(SETTINGS.from_env())


@app.post(
    "/mandates/<mandate_id>/debits",
    summary="Execute the notified debit of one billing cycle (at most once per cycle)",
    status_code=201,
    responses=error_responses(
        400,
        404,
        409,
        415,
        422,
        502,
        503,
        success={
            201: "executed (or refused by Juspay)",
            200: "the cycle again: the first execution's result",
        },
    ),
)
def execute(
    mandate_id: Annotated[str, Path(pattern=MANDATE_ID_PATTERN)],
    request: Annotated[ExecuteDebitRequest, Body()],
) -> Response[MandateDebitAnswer]:
    """201 after this request executed the debit; 200 with the first execution's result for a repeat."""
    debit, created = execute_mandate_debit(mandate_id, request, _deps())
    return model_response(201 if created else 200, to_answer(debit))


@logger.inject_lambda_context(clear_state=True)
@log_correlation_ids
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """API Gateway (REST, proxy) entry point."""
    return app.resolve(event, context)
