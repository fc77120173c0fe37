"""POST /mandates/{mandate_id}/resume (merchant API, IAM auth). Thin: then ``logic.resume_mandate``."""

from __future__ import annotations

import functools
from typing import Annotated, Any

from aws_lambda_powertools.event_handler.openapi.params import Body, Path
from aws_lambda_powertools.utilities.typing import LambdaContext

from paybridge.api import error_responses, new_resolver
from paybridge.composition import mandates as compose
from paybridge.logic.resume_mandate import resume_mandate
from paybridge.models.mandate import MandateAnswer, ResumeMandateRequest
from paybridge.models.validation import MANDATE_ID_PATTERN
from paybridge.observability import log_correlation_ids, logger, metrics, tracer
from paybridge.settings.mandates import ResumeMandateSettings

#: This function's settings: its fields are its template Environment (tests/contract checks).
SETTINGS = ResumeMandateSettings

app = new_resolver()


@functools.cache
def _runtime() -> compose.MandateRuntime:
    # Built on first use, once per container: no AWS client exists at import time.
    return compose.for_mandate_commands(SETTINGS.from_env())


@app.post(
    "/mandates/<mandate_id>/resume",
    summary="Resume a mandate at Juspay",
    responses=error_responses(400, 404, 422, 502, 503),
)
def resume(
    mandate_id: Annotated[str, Path(pattern=MANDATE_ID_PATTERN)],
    request: Annotated[ResumeMandateRequest, Body()],
) -> MandateAnswer:
    """Resumes the mandate at Juspay and answers its new state."""
    runtime = _runtime()
    summary = resume_mandate(
        mandate_id,
        request,
        juspay=runtime.juspay(),
        mandates=runtime.mandates,
        clock=runtime.clock,
    )
    return MandateAnswer.model_validate(summary.to_api())


@logger.inject_lambda_context(clear_state=True)
@log_correlation_ids
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """API Gateway (REST, proxy) entry point."""
    return app.resolve(event, context)
