"""POST /sessions (merchant API, IAM auth): Juspay's Session API, the alternative to signing. Thin: wiring,
then ``paybridge.logic.create_session``."""

from __future__ import annotations

import functools
from typing import Annotated, Any

from aws_lambda_powertools.event_handler.openapi.params import Body
from aws_lambda_powertools.utilities.typing import LambdaContext

from paybridge.api import error_responses, new_resolver
from paybridge.composition import sessions
from paybridge.logic.create_session import create_session
from paybridge.models.sdk import ProcessRequest
from paybridge.models.sdk_answers import SessionAnswer
from paybridge.observability import log_correlation_ids, logger, metrics, tracer
from paybridge.settings.orders import CreateSessionSettings

#: This function's settings: its fields are its template Environment (tests/contract checks).
SETTINGS = CreateSessionSettings

app = new_resolver()


@functools.cache
def _runtime() -> sessions.SessionRuntime:
    # Built on first use, once per container: no AWS client exists at import time.
    return sessions.for_create_session(SETTINGS.from_env())


@app.post(
    "/sessions",
    summary="Create the order at Juspay (Session API) with the wallet offer; answers Juspay's sdk_payload",
    responses=error_responses(400, 409, 422, 502, 503),
)
def new_session(request: Annotated[ProcessRequest, Body()]) -> SessionAnswer:
    """The alternative to signing: Juspay creates the order, the app gets Juspay's ``sdk_payload``."""
    return SessionAnswer.model_validate(create_session(request, _runtime().dependencies()))


@logger.inject_lambda_context(clear_state=True)
@log_correlation_ids
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """API Gateway (REST, proxy) entry point."""
    return app.resolve(event, context)
