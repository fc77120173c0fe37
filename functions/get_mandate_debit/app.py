"""GET /mandates/{mandate_id}/debits/{cycle} (merchant API, IAM auth): one billing cycle's debit. Thin: then
``logic.get_mandate_debit``."""

from __future__ import annotations

import functools
from typing import Annotated, Any

from aws_lambda_powertools.event_handler.openapi.params import Path
from aws_lambda_powertools.utilities.typing import LambdaContext

from paybridge.api import error_responses, new_resolver
from paybridge.composition import debit_reads
from paybridge.dal.mandate_debits import MandateDebitsRepository
from paybridge.logic.get_mandate_debit import get_mandate_debit
from paybridge.logic.mandate_debit_outcome import to_answer
from paybridge.models.mandate_debit import CYCLE_PATTERN, MandateDebitAnswer
from paybridge.models.validation import MANDATE_ID_PATTERN
from paybridge.observability import log_correlation_ids, logger, metrics, tracer
from paybridge.settings.mandates import GetMandateDebitSettings

#: This function's settings: its fields are its template Environment (tests/contract checks).
SETTINGS = GetMandateDebitSettings

app = new_resolver()


@functools.cache
def _debits() -> MandateDebitsRepository:
    # Built on first use, once per container: no AWS client exists at import time.
    return debit_reads.for_get_mandate_debit(SETTINGS.from_env())


@app.get(
    "/mandates/<mandate_id>/debits/<cycle>",
    summary="One billing cycle's debit on a mandate, as it stands",
    responses=error_responses(400, 404, 503),
)
def get_debit(
    mandate_id: Annotated[str, Path(pattern=MANDATE_ID_PATTERN)],
    cycle: Annotated[str, Path(pattern=CYCLE_PATTERN)],
) -> MandateDebitAnswer:
    """The cycle's debit (notification, execution, final state); 404 for a cycle never notified."""
    return MandateDebitAnswer.model_validate(
        to_answer(get_mandate_debit(mandate_id, cycle, debits=_debits()))
    )


@logger.inject_lambda_context(clear_state=True)
@log_correlation_ids
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """API Gateway (REST, proxy) entry point."""
    return app.resolve(event, context)
