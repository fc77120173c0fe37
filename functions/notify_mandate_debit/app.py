"""POST /mandates/{mandate_id}/notifications (merchant API, IAM auth): the pre-debit notification of one
billing cycle. Thin: then ``logic.notify_mandate_debit``."""

from __future__ import annotations

import functools
from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body, Path
from aws_lambda_powertools.utilities.typing import LambdaContext

from paybridge.api import error_responses, model_response, new_resolver
from paybridge.composition import mandate_debits as compose
from paybridge.logic.mandate_debit_outcome import DebitDependencies, to_answer
from paybridge.logic.notify_mandate_debit import notify_mandate_debit
from paybridge.models.mandate_debit import MandateDebitAnswer, NotifyDebitRequest
from paybridge.models.validation import MANDATE_ID_PATTERN
from paybridge.observability import log_correlation_ids, logger, metrics, tracer
from paybridge.settings.mandates import NotifyMandateDebitSettings

#: This function's settings: its fields are its template Environment (tests/contract checks).
SETTINGS = NotifyMandateDebitSettings

app = new_resolver()


@functools.cache
def _deps() -> DebitDependencies:
    # Built on first use, once per container: no AWS client exists at import time.
    return compose.for_notify_mandate_debit(SETTINGS.from_env())


@app.post(
    "/mandates/<mandate_id>/notifications",
    summary="Send the pre-debit notification of one billing cycle (idempotent on the cycle)",
    status_code=201,
    responses=error_responses(
        400,
        404,
        409,
        415,
        422,
        502,
        503,
        success={201: "notification sent", 200: "the cycle again: the same notification"},
    ),
)
def notify(
    mandate_id: Annotated[str, Path(pattern=MANDATE_ID_PATTERN)],
    request: Annotated[NotifyDebitRequest, Body()],
) -> Response[MandateDebitAnswer]:
    """201 with the cycle's debit after a new notification; 200 with it for a repeat of the cycle."""
    debit, created = notify_mandate_debit(mandate_id, request, _deps())
    return model_response(201 if created else 200, to_answer(debit))


@logger.inject_lambda_context(clear_state=True)
@log_correlation_ids
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """API Gateway (REST, proxy) entry point."""
    return app.resolve(event, context)
