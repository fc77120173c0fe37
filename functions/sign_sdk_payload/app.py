"""POST /sdk/initiate and POST /sdk/process (merchant API, IAM auth): signed SDK payloads.

Thin: wiring, then ``paybridge.logic.sign_sdk_payload``. The private key stays in KMS (or, for merchants who
must bring an existing key, in Secrets Manager); it never reaches the app.
"""

from __future__ import annotations

import functools
from typing import Annotated, Any

from aws_lambda_powertools.event_handler.openapi.params import Body
from aws_lambda_powertools.utilities.typing import LambdaContext

from paybridge.api import error_responses, new_resolver
from paybridge.composition import signing
from paybridge.logic.sign_sdk_payload import SigningDependencies, sign_sdk_initiate, sign_sdk_process
from paybridge.models.sdk import InitiateRequest, ProcessRequest
from paybridge.models.sdk_answers import InitiateAnswer, ProcessAnswer
from paybridge.observability import log_correlation_ids, logger, metrics, tracer
from paybridge.settings.orders import SignSdkPayloadSettings

#: This function's settings: its fields are its template Environment (tests/contract checks).
SETTINGS = SignSdkPayloadSettings

app = new_resolver()


@functools.cache
def _deps() -> SigningDependencies:
    # Built on first use, once per container: no AWS client exists at import time.
    return signing.for_sign_sdk_payload(SETTINGS.from_env())


@app.post(
    "/sdk/initiate",
    summary="A signed SDK Initiate payload for the customer",
    responses=error_responses(400, 422, 503),
)
def initiate(request: Annotated[InitiateRequest, Body()]) -> InitiateAnswer:
    """The signed Initiate payload for the customer."""
    return InitiateAnswer.model_validate(sign_sdk_initiate(request, _deps()))


@app.post(
    "/sdk/process",
    summary="A signed SDK Process payload; records the order and starts following it",
    responses=error_responses(400, 409, 422, 503),
)
def process(request: Annotated[ProcessRequest, Body()]) -> ProcessAnswer:
    """The signed Process payload for the order (the order is recorded before it is returned)."""
    return ProcessAnswer.model_validate(sign_sdk_process(request, _deps()).payload)


@logger.inject_lambda_context(clear_state=True)
@log_correlation_ids
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """API Gateway (REST, proxy) entry point."""
    return app.resolve(event, context)
