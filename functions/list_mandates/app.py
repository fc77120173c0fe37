"""GET /customers/{customer_id}/mandates (merchant API, IAM auth). Thin: then ``logic.list_mandates``."""

from __future__ import annotations

import functools
from typing import Annotated, Any

from aws_lambda_powertools.event_handler.openapi.params import Path
from aws_lambda_powertools.utilities.typing import LambdaContext

from paybridge.api import error_responses, new_resolver
from paybridge.composition import mandates as compose
from paybridge.logic.list_mandates import list_mandates
from paybridge.models.mandate import MandateListAnswer
from paybridge.models.validation import CUSTOMER_ID_PATTERN
from paybridge.observability import log_correlation_ids, logger, metrics, tracer
from paybridge.settings.mandates import ListMandatesSettings

#: This function's settings: its fields are its template Environment (tests/contract checks).
SETTINGS = ListMandatesSettings

app = new_resolver()


@functools.cache
def _runtime() -> compose.MandateRuntime:
    # Built on first use, once per container: no AWS client exists at import time.
    return compose.for_mandate_commands(SETTINGS.from_env())


@app.get(
    "/customers/<customer_id>/mandates",
    summary="A customer's mandates as Juspay lists them",
    responses=error_responses(400, 404, 502, 503),
)
def read_mandates(customer_id: Annotated[str, Path(pattern=CUSTOMER_ID_PATTERN)]) -> MandateListAnswer:
    """The customer's mandates as Juspay lists them."""
    runtime = _runtime()
    mandates = list_mandates(
        customer_id, juspay=runtime.juspay(), mandates=runtime.mandates, clock=runtime.clock
    )
    return MandateListAnswer.model_validate(
        {"customer_id": customer_id, "mandates": [m.to_api() for m in mandates]}
    )


@logger.inject_lambda_context(clear_state=True)
@log_correlation_ids
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """API Gateway (REST, proxy) entry point."""
    return app.resolve(event, context)
