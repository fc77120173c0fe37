"""paybridge.api's shortcuts around Powertools answer exactly as Powertools' own path does: a route that
declares only a JSON body skips the header/query/cookie normalisation, an answer the route built as its
declared model is written to JSON once, the Content-Type is found without copying the headers, and an answer
nobody asked to compress skips the Accept-Encoding check. Each case resolves the same event through the
resolver and through one whose middlewares and response builder are Powertools' unchanged ones, and compares
the whole answer."""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator
from typing import Annotated, Any

import pytest
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response, content_types
from aws_lambda_powertools.event_handler.api_gateway import ResponseBuilder
from aws_lambda_powertools.event_handler.middlewares.openapi_validation import (
    OpenAPIRequestValidationMiddleware,
    OpenAPIResponseValidationMiddleware,
)
from aws_lambda_powertools.event_handler.openapi.params import Body, Query
from aws_lambda_powertools.utilities.data_classes.common import CaseInsensitiveDict
from pydantic import BaseModel, Field

from paybridge import api, api_validation, observability
from paybridge.models.validation import ApiAnswer, ApiRequest


class _Request(ApiRequest):
    name: Annotated[str, Field(min_length=1, max_length=8)]
    count: int = 1


class _Answer(ApiAnswer):
    text: str
    count: int
    note: str | None = Field(default=None, exclude_if=lambda v: v is None)


class _Wrapper(BaseModel):
    answer: _Answer


def _routes(app: APIGatewayRestResolver) -> APIGatewayRestResolver:
    @app.post("/body")
    def body(request: Annotated[_Request, Body()]) -> _Answer:
        note = "é ✓ \u2028 😀" if request.name == "uni" else None
        return _Answer(text=request.name + '"\\/', count=request.count, note=note)

    @app.post("/dict")
    def as_dict(request: Annotated[_Request, Body()]) -> _Answer:
        return {"text": request.name, "count": request.count}  # type: ignore[return-value]

    @app.post("/query")
    def query(request: Annotated[_Request, Body()], tag: Annotated[str, Query()] = "t") -> _Answer:
        return _Answer(text=tag, count=request.count)

    @app.post("/none")
    def no_body() -> _Answer:
        return _Answer(text="none", count=0)

    @app.post("/wrapped")
    def wrapped(request: Annotated[_Request, Body()]) -> _Wrapper:
        return _Wrapper(answer=_Answer(text=request.name, count=request.count))

    @app.post("/gzip", compress=True)
    def gzip_route(request: Annotated[_Request, Body()]) -> _Answer:
        return _Answer(text=request.name * 100, count=request.count)

    @app.post("/gzip-answer")
    def gzip_answer(request: Annotated[_Request, Body()]) -> _Answer:
        body = {"text": request.name, "count": request.count}
        return Response(200, content_types.APPLICATION_JSON, body, compress=True)  # type: ignore[return-value]

    return app


def _powertools_only() -> APIGatewayRestResolver:
    app = api.new_resolver()
    # Powertools' request path, behind the same JSON-only body reading (415), which is not under test here.
    request = api_validation.JsonOnlyValidation()
    request.handler = functools.partial(OpenAPIRequestValidationMiddleware.handler, request)  # type: ignore[method-assign]
    app._request_validation_middleware = request
    app._response_validation_middleware = OpenAPIResponseValidationMiddleware(
        validation_serializer=api_validation.compact_json
    )
    app._response_builder_class = ResponseBuilder[Any]
    return _routes(app)


FAST = _routes(api.new_resolver())
POWERTOOLS = _powertools_only()

BODIES = [
    '{"name": "ann"}',
    '{"name": "uni", "count": 3}',
    '{"name": ""}',
    '{"name": "waytoolongname"}',
    '{"count": 2}',
    '{"name": "ann", "extra": 1}',
    '{"name": 5}',
    '{"name": "ann", "count": "x"}',
    '{"name": "ann", "count": 1.5}',
    '{"name": "ann", "count": 1e3}',
    '[{"name": "ann"}]',
    "[]",
    "null",
    '"text"',
    "42",
    "",
    "{",
    '{"name": NaN}',
    '{"name": "ann"} trailing',
    "[" * 40 + "]" * 40,
]


def _event(
    path: str,
    body: str | None,
    query: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
) -> dict[str, Any]:
    headers = {"Content-Type": "application/json", "X-Other": "v"} if headers is None else headers
    return {
        "resource": path,
        "path": path,
        "httpMethod": "POST",
        "headers": headers,
        "multiValueHeaders": {k: [v] for k, v in headers.items()},
        "queryStringParameters": query,
        "multiValueQueryStringParameters": {k: [v] for k, v in (query or {}).items()} or None,
        "requestContext": {"resourcePath": path, "httpMethod": "POST", "stage": "dev"},
        "body": body,
        "isBase64Encoded": False,
    }


def _cases() -> Iterator[tuple[str, str | None, dict[str, str] | None]]:
    for body in BODIES:
        for path in ("/body", "/dict", "/wrapped"):
            yield path, body, None
        yield "/query", body, {"tag": "q"}
    yield "/body", None, None
    yield "/none", None, None
    yield "/none", '{"name": "ann"}', None


#: Accept-Encoding variants: compression happens only where the route or the answer asks for it.
ENCODINGS: list[dict[str, str]] = [
    {"Content-Type": "application/json"},
    {"Content-Type": "application/json", "Accept-Encoding": "gzip, deflate"},
    {"content-type": "application/json", "accept-encoding": "br"},
    {"Content-Type": "text/plain", "Accept-Encoding": "gzip"},
]


@pytest.mark.parametrize(("path", "body", "query"), list(_cases()))
def test_the_shortcuts_answer_as_powertools_does(
    path: str, body: str | None, query: dict[str, str] | None
) -> None:
    fast = FAST.resolve(_event(path, body, query), None)  # type: ignore[arg-type]
    slow = POWERTOOLS.resolve(_event(path, body, query), None)  # type: ignore[arg-type]
    assert fast == slow


@pytest.mark.parametrize("headers", ENCODINGS)
@pytest.mark.parametrize("path", ["/body", "/gzip", "/gzip-answer", "/none"])
def test_compression_answers_as_powertools_does(path: str, headers: dict[str, str]) -> None:
    event = _event(path, '{"name": "ann"}', None, headers)
    fast = FAST.resolve(event, None)  # type: ignore[arg-type]
    assert fast == POWERTOOLS.resolve(_event(path, '{"name": "ann"}', None, headers), None)  # type: ignore[arg-type]
    if "text/plain" not in headers.values():  # (a 415 of a compress=True route is compressed too, alike)
        gzip_asked = path.startswith("/gzip") and "gzip" in headers.get("Accept-Encoding", "")
        assert (fast["statusCode"], fast["isBase64Encoded"]) == (200, gzip_asked)


@pytest.mark.parametrize(
    "headers",
    [
        {"Content-Type": "application/json"},
        {"content-type": "text/plain"},
        {"CONTENT-TYPE": " Application/JSON; charset=utf-8"},
        {"Content-Type": "text/plain", "content-type": "application/json"},
        {"content-type": "application/json", "Content-Type": "text/plain"},
        {"X-Other": "v"},
        {},
    ],
)
def test_the_content_type_is_found_as_powertools_headers_find_it(headers: dict[str, str]) -> None:
    found = api_validation.request_content_type(headers)
    assert found == (CaseInsensitiveDict(headers).get("content-type") or "")
    status = FAST.resolve(_event("/body", '{"name": "ann"}', None, headers), None)["statusCode"]  # type: ignore[arg-type]
    media = found.strip().lower()
    assert status == (200 if not media or media.startswith("application/json") else 415)


def test_a_request_body_model_names_its_fields_never_their_values() -> None:
    request = _Request.model_validate({"name": "secret1", "count": 7})
    assert repr(request) == str(request) == "_Request(fields=['count', 'name'])"
    assert "secret1" not in repr({"request": request})


def test_a_model_answer_is_written_once_and_as_ascii_json() -> None:
    answer = FAST.resolve(_event("/body", '{"name": "uni", "count": 3}'), None)  # type: ignore[arg-type]
    assert answer["statusCode"] == 200
    assert answer["body"].isascii()
    assert json.loads(answer["body"]) == {"text": 'uni"\\/', "count": 3, "note": "é ✓ \u2028 😀"}
    unset = FAST.resolve(_event("/body", '{"name": "ann"}'), None)  # type: ignore[arg-type]
    assert unset["body"] == '{"text":"ann\\"\\\\/","count":1}'  # compact; an unset optional left out


def test_bad_bodies_are_still_refused_with_the_envelope() -> None:
    for body, status in (('{"count": 2}', 400), ('{"name": ""}', 422), ("[]", 400), ("{", 400)):
        answer = FAST.resolve(_event("/body", body), None)  # type: ignore[arg-type]
        assert answer["statusCode"] == status, body
        assert set(json.loads(answer["body"])) >= {"error", "message", "retryable"}


def test_no_request_body_is_parsed_for_correlation_ids(monkeypatch: pytest.MonkeyPatch) -> None:
    # The webhook's ids are appended by ingestion once the delivery is authenticated and its body parsed.
    parsed: list[str] = []
    monkeypatch.setattr(json, "loads", lambda text, **kw: parsed.append(text))
    request = {"httpMethod": "POST", "body": '{"customer_id": "c1", "order_id": "o1"}'}
    assert observability.correlation_ids(request) == {}
    webhook = {"httpMethod": "POST", "body": '{"id": "evt_1", "event_name": "X", "content": {}}'}
    assert observability.correlation_ids(webhook) == {}
    assert parsed == []
