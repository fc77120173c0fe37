"""The HTTP edge, in one place: every API function builds its resolver here (its validation middleware and
response builder: ``paybridge.api_validation``).

Routes declare typed inputs and answers (Powertools' OpenAPI validation: ``Body``/``Path`` annotations and
response models); request bodies are read with :func:`paybridge.jsonutil.loads_request` (exact ``Decimal``, no
NaN, bounded nesting). Every error becomes the one JSON envelope ``{error, message, retryable, details?}``:

* a ``PaybridgeError`` → its own status (a 5xx only for the retryable dependency failures);
* a validation error → 400 (shape, path) or 422 (a value breaks a rule), naming fields, never values;
* a path no route matches (characters outside the route's pattern included) → 404;
* anything else → an opaque 500, logged with its stack (a bug, never echoed).
"""

from __future__ import annotations

import base64
import binascii
import json
from http import HTTPStatus
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response, content_types
from aws_lambda_powertools.event_handler.exceptions import NotFoundError as RouteNotFoundError
from aws_lambda_powertools.event_handler.openapi.exceptions import (
    RequestUnsupportedContentType,
    ValidationException,
)
from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse
from botocore.exceptions import BotoCoreError, ClientError

from paybridge import jsonutil
from paybridge.api_validation import AnswerBuilder, AnswerValidation, JsonOnlyValidation, compact_json
from paybridge.errors import (
    BadRequestError,
    DependencyUnavailableError,
    NotFoundError,
    PaybridgeError,
    UnsupportedMediaTypeError,
)
from paybridge.models.api import ErrorBody
from paybridge.models.validation import errors_envelope
from paybridge.observability import logger

#: What each status means on this API (the OpenAPI document lists them per operation).
ERROR_DESCRIPTIONS: dict[int, str] = {
    400: "the body is not acceptable JSON, a field is missing, unknown or of the wrong type, or a path "
    "parameter is malformed (details.field names it)",
    401: "webhook credentials missing or wrong",
    404: "no such resource",
    409: "the request clashes with the current state",
    413: "the body is too large",
    415: "the body is not application/json",
    422: "a value breaks a rule (details.field and details.errors[].code name it)",
    502: "Juspay answered in a way the request cannot succeed with (configuration)",
    503: "a dependency failed transiently: retryable is true and Retry-After says when to try again",
}


#: AWS error codes that mean "not now" rather than "never" (throttling, capacity, internal errors).
_TRANSIENT_AWS_CODES = frozenset(
    {
        "ThrottlingException",
        "Throttling",
        "ProvisionedThroughputExceededException",
        "RequestLimitExceeded",
        "TransactionInProgressException",
        "InternalServerError",
        "InternalFailure",
        "ServiceUnavailable",
        "KMSInternalException",
        "LimitExceededException",
    }
)


def error_responses(*codes: int, success: dict[int, str] | None = None) -> dict[int, OpenAPIResponse]:
    """The documented answers of a route: ``success`` (status → description; the schema is the route's
    return model) and the error ``codes``, each with the error envelope's schema."""
    documented: dict[int, OpenAPIResponse] = {
        code: {"description": description} for code, description in (success or {200: "OK"}).items()
    }
    for code in codes:
        documented[code] = {
            "description": ERROR_DESCRIPTIONS[code],
            "content": {content_types.APPLICATION_JSON: {"model": ErrorBody}},
        }
    return documented


def new_resolver() -> APIGatewayRestResolver:
    """A REST-proxy resolver with validation on, exact JSON in and out, and the error mapping installed."""
    app = APIGatewayRestResolver(
        enable_validation=True,
        json_body_deserializer=jsonutil.loads_request,
        # Answers are validated into their models in JSON mode first (money as strings, no float can
        # reach here), so the C encoder writes them; compact like every other body.
        serializer=compact_json,
    )
    # Powertools also parses form and multipart bodies (and a multipart type without a boundary raises a
    # bare ValueError): this API takes JSON only, so anything else is refused before any parsing.
    # One middleware validates the request and then the answer: Powertools' separate answer middleware is
    # removed, so each call passes one middleware frame fewer (the route has no middlewares in between).
    app._request_validation_middleware = JsonOnlyValidation(
        AnswerValidation(validation_serializer=compact_json)
    )
    del app._response_validation_middleware
    app._response_builder_class = AnswerBuilder
    register_error_handlers(app)
    return app


def model_response(status_code: int, body: dict[str, Any]) -> Response[Any]:
    """An answer with a status other than the route's default; Powertools validates ``body`` into the
    route's answer model on the way out (once), as for a plain return."""
    return Response(status_code=status_code, content_type=content_types.APPLICATION_JSON, body=body)


def json_response(status_code: int, body: Any, headers: dict[str, str] | None = None) -> Response[Any]:
    """A JSON response with the given status; ``body`` must already be JSON-safe (no floats for money)."""
    return Response(
        status_code=status_code,
        content_type=content_types.APPLICATION_JSON,
        body=json.dumps(body, separators=(",", ":"), default=str),
        headers=headers or {},
    )


def error_response(error: PaybridgeError) -> Response[Any]:
    """The one mapping from a domain error to HTTP."""
    headers: dict[str, str] = {}
    if error.status_code == 401:
        headers["WWW-Authenticate"] = 'Basic realm="paybridge", charset="UTF-8"'
    if error.retryable:
        headers["Retry-After"] = "5"
    return json_response(error.status_code, error.to_body(), headers)


def _internal_error() -> Response[Any]:
    return json_response(500, {"error": "internal_error", "message": "internal error", "retryable": False})


def register_error_handlers(app: APIGatewayRestResolver) -> None:
    """Installs the error mapping on a Powertools resolver."""

    @app.exception_handler(PaybridgeError)
    def _domain_error(error: PaybridgeError) -> Response[Any]:
        log = logger.warning if error.status_code < HTTPStatus.INTERNAL_SERVER_ERROR else logger.error
        log("request failed", extra={"error": error.code, "status": error.status_code})
        return error_response(error)

    @app.exception_handler(ValidationException)
    def _invalid(error: ValidationException) -> Response[Any]:
        errors = list(error.errors())
        if any(tuple(e.get("loc", ()))[:1] == ("response",) for e in errors):
            # Our own answer broke its declared model: a bug, not the client's fault.
            logger.error("answer failed its model", extra={"fields": [str(e.get("loc")) for e in errors]})
            return _internal_error()
        if isinstance(error, RequestUnsupportedContentType):
            return error_response(UnsupportedMediaTypeError("the body must be application/json"))
        mapped = errors_envelope(errors, json_code=getattr(error.__cause__, "code", None))
        logger.info("request refused", extra={"error": mapped.code, "field": mapped.details.get("field")})
        return error_response(mapped)

    @app.exception_handler(RouteNotFoundError)
    def _no_route(_: RouteNotFoundError) -> Response[Any]:
        # Also a path parameter with characters the route's pattern does not take (``/wallets/%23``).
        return error_response(NotFoundError("no such resource"))

    @app.exception_handler(ClientError)
    def _aws_refused(error: ClientError) -> Response[Any]:
        code = str(error.response.get("Error", {}).get("Code", ""))
        status = int(error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) or 0)
        if code in _TRANSIENT_AWS_CODES or status >= HTTPStatus.INTERNAL_SERVER_ERROR:
            logger.warning("AWS dependency failed transiently", extra={"aws_error": code})
            return error_response(DependencyUnavailableError("a dependency is unavailable; retry later"))
        logger.exception("AWS dependency refused the call", extra={"aws_error": code})
        return _internal_error()

    @app.exception_handler(BotoCoreError)
    def _aws_unreachable(error: BotoCoreError) -> Response[Any]:
        logger.warning("AWS dependency unreachable", extra={"error_type": type(error).__name__})
        return error_response(DependencyUnavailableError("a dependency is unavailable; retry later"))

    @app.exception_handler(UnicodeDecodeError)
    def _not_text(_: UnicodeDecodeError) -> Response[Any]:
        return error_response(BadRequestError("body is not UTF-8 text", details={"field": "body"}))

    @app.exception_handler(binascii.Error)
    def _not_base64(_: binascii.Error) -> Response[Any]:
        return error_response(BadRequestError("body is not valid base64", details={"field": "body"}))

    @app.exception_handler(Exception)
    def _unexpected(error: Exception) -> Response[Any]:
        logger.exception("unhandled error", extra={"error_type": type(error).__name__})
        return _internal_error()


def request_body(event: Any) -> bytes:
    """The raw request body as bytes, whether API Gateway passed it as text or base64."""
    raw = event.body or ""
    if event.is_base64_encoded:
        return base64.b64decode(raw)
    return raw.encode("utf-8")
