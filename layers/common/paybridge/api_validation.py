"""Powertools' OpenAPI validation and response building as ``paybridge.api``'s resolver uses them: the same
answers as Powertools' own middlewares and builder (``tests/unit/test_api_fast_paths.py`` compares them case
by case), with less work per call.

* :class:`JsonOnlyValidation`: request bodies are JSON only (415 otherwise); a route declaring only a body
  skips the header/query/cookie normalisation; given an :class:`AnswerValidation`, it validates the answer
  too, so the resolver needs no answer middleware of its own (one middleware frame fewer per call).
* :class:`AnswerValidation`: an answer built as its declared model is written to JSON once.
* :class:`AnswerBuilder`: no Accept-Encoding check when nothing asks for compression.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.event_handler import Response, content_types
from aws_lambda_powertools.event_handler.api_gateway import ResponseBuilder
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
)
from aws_lambda_powertools.event_handler.types import EventHandlerInstance
from pydantic import BaseModel

if TYPE_CHECKING:
    from aws_lambda_powertools.event_handler.api_gateway import Route
    from aws_lambda_powertools.event_handler.middlewares import NextMiddleware

#: One encoder for every compact body (``json.dumps`` with options builds a new one per call).
compact_json = json.JSONEncoder(separators=(",", ":")).encode


class AnswerBuilder(ResponseBuilder[Any]):
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


class JsonOnlyValidation(OpenAPIRequestValidationMiddleware):
    """Powertools' request validation, with request bodies read as JSON only (415 for anything else); given
    ``answers``, it also validates the route's answer on the way back (in place of Powertools' separate
    answer middleware)."""

    def __init__(self, answers: AnswerValidation | None = None) -> None:
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
        content_type = request_content_type(app.current_event.get("headers")).strip().lower()
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


def request_content_type(headers: Any) -> str:
    """The request's Content-Type, found by name case-insensitively (the last one wins, as in Powertools'
    ``headers``), without copying every header into a new mapping first."""
    found = ""
    if isinstance(headers, dict):
        for name, value in headers.items():
            if name.lower() == "content-type" and isinstance(value, str):
                found = value
    return found


class AnswerValidation(OpenAPIResponseValidationMiddleware):
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
