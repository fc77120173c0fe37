"""The HTTP edge, in one place: every API function builds its resolver here.

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
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response, content_types
from aws_lambda_powertools.event_handler.api_gateway import ResponseBuilder
from aws_lambda_powertools.event_handler.exceptions import NotFoundError as RouteNotFoundError
from aws_lambda_powertools.event_handler.middlewares.openapi_validation import (
    OpenAPIRequestValidationMiddleware,
    OpenAPIResponseValidationMiddleware,
    _request_body_to_args,
    _validate_field,
)
from aws_lambda_powertools.event_handler.openapi.compat import _normalize_errors
from aws_lambda_powertools.event_handler.openapi.exceptions import (
    RequestUnsupportedContentType,
    RequestValidationError,
    ValidationException,
)
from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse
from aws_lambda_powertools.event_handler.types import EventHandlerInstance
from botocore.exceptions import BotoCoreError, ClientError
from pydantic import BaseModel

from paybridge import jsonutil
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

if TYPE_CHECKING:
    from aws_lambda_powertools.event_handler.api_gateway import Route
    from aws_lambda_powertools.event_handler.middlewares import NextMiddleware

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
        serializer=_compact_json,
    )
    # Powertools also parses form and multipart bodies (and a multipart type without a boundary raises a
    # bare ValueError): this API takes JSON only, so anything else is refused before any parsing.
    # One middleware validates the request and then the answer: Powertools' separate answer middleware is
    # removed, so each call passes one middleware frame fewer (the route has no middlewares in between).
    app._request_validation_middleware = _JsonOnlyRequestValidation(
        _AnswerValidation(validation_serializer=_compact_json)
    )
    del app._response_validation_middleware
    app._response_builder_class = _AnswerBuilder
    register_error_handlers(app)
    return app


class _AnswerBuilder(ResponseBuilder[Any]):
    """Powertools' response builder; an answer that neither its route nor itself asks to be compressed is
    never compressed, so the request's headers are not read (and merged) to find out whether gzip would be
    accepted."""

    @staticmethod
    def _has_compression_enabled(
        route_compression: bool, response_compression: bool | None, event: Any
    ) -> bool:
        if not route_compression and not response_compression:
            return False
        return ResponseBuilder._has_compression_enabled(route_compression, response_compression, event)


class _JsonOnlyRequestValidation(OpenAPIRequestValidationMiddleware):
    """Powertools' request validation, with request bodies read as JSON only (415 for anything else); given
    ``answers``, it also validates the route's answer on the way back (in place of Powertools' separate
    answer middleware)."""

    def __init__(self, answers: _AnswerValidation | None = None) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self._answers = answers

    def handler(self, app: EventHandlerInstance, next_middleware: NextMiddleware) -> Response[Any]:
        """Validates the request, calls the route, then validates its answer (when given ``answers``)."""
        response = self._validate_request(app, next_middleware)
        if self._answers is None:
            return response
        return self._answers._handle_response(route=app.context["_route"], response=response)

    def _validate_request(self, app: EventHandlerInstance, next_middleware: NextMiddleware) -> Response[Any]:
        """Validates the request's declared inputs; a route declaring only a body skips the rest."""
        route: Route = app.context["_route"]
        dependant = route.dependant
        if dependant.path_params + dependant.query_params + dependant.header_params + dependant.cookie_params:
            return super().handler(app, next_middleware)
        # Powertools would normalise every header, query string and cookie to validate none of them.
        values: dict[str, Any] = {}
        errors: list[Any] = []
        if dependant.body_params:
            body = self._get_body(app)
            [field, *others] = dependant.body_params
            if isinstance(body, dict) and not others and not getattr(field.field_info, "embed", None):
                # One model taking the whole JSON object: what Powertools does for it, without its checks
                # for form data (lists, uploads) that a JSON object never needs.
                values[field.name] = _validate_field(
                    field=field, value=body, loc=("body",), existing_errors=errors
                )
            else:
                values, errors = _request_body_to_args(dependant.body_params, body)
        if errors:
            raise RequestValidationError(_normalize_errors(errors))
        app.context["_route_args"] = values
        return next_middleware(app)

    def _get_body(self, app: EventHandlerInstance) -> dict[str, Any]:
        content_type = _content_type(app.current_event.get("headers")).strip().lower()
        if content_type and not content_type.startswith(content_types.APPLICATION_JSON):
            raise RequestUnsupportedContentType(
                "Unsupported content type",
                errors=[
                    {
                        "type": "unsupported_content_type",
                        "loc": ("body",),
                        "msg": "the body must be application/json",
                    }
                ],
            )
        # JSON (or no content type, which Powertools also reads as JSON): parsed once, by loads_request.
        body: dict[str, Any] = self._parse_json_data(app)
        return body


def _content_type(headers: Any) -> str:
    """The request's Content-Type, found by name case-insensitively (the last one wins, as in Powertools'
    ``headers``), without copying every header into a new mapping first."""
    found = ""
    if isinstance(headers, dict):
        for name, value in headers.items():
            if name.lower() == "content-type" and isinstance(value, str):
                found = value
    return found


class _AnswerValidation(OpenAPIResponseValidationMiddleware):
    """Powertools' answer validation; an answer the route already built as its declared model (validated
    when it was made) is written to JSON once, straight from the model."""

    def _handle_response(self, *, route: Route, response: Response[Any]) -> Response[Any]:
        field, body = route.dependant.return_param, response.body
        if field is not None and isinstance(body, BaseModel) and type(body) is field.type_:
            # The same JSON Powertools writes (by alias, JSON mode, compact, ASCII), in one pass.
            response.body = body.model_dump_json(by_alias=True, ensure_ascii=True)
            return response
        answer: Response[Any] = super()._handle_response(route=route, response=response)
        return answer


def model_response(status_code: int, body: dict[str, Any]) -> Response[Any]:
    """An answer with a status other than the route's default; Powertools validates ``body`` into the
    route's answer model on the way out (once), as for a plain return."""
    return Response(status_code=status_code, content_type=content_types.APPLICATION_JSON, body=body)


#: One encoder for every compact body (``json.dumps`` with options builds a new one per call).
_compact_json = json.JSONEncoder(separators=(",", ":")).encode


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
