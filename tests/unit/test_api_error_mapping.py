"""paybridge.api maps every failure to the envelope: transient AWS failures are a retryable 503, anything
else that is not the client's fault an opaque 500, and a route whose answer breaks its model a 500 too."""

from __future__ import annotations

import json
from typing import Annotated, Any

from aws_lambda_powertools.event_handler.openapi.params import Body
from botocore.exceptions import ClientError, EndpointConnectionError
from pydantic import BaseModel

from paybridge.api import new_resolver


class _Answer(BaseModel):
    value: int


class _Request(BaseModel):
    value: int


def _event(
    path: str, body: str | None = None, *, b64: bool = False, content_type: str = "application/json"
) -> Any:
    return {
        "resource": path,
        "path": path,
        "httpMethod": "POST",
        "headers": {"Content-Type": content_type},
        "multiValueHeaders": {"Content-Type": [content_type]},
        "requestContext": {"resourcePath": path, "httpMethod": "POST", "stage": "dev"},
        "body": body,
        "isBase64Encoded": b64,
    }


def _client_error(code: str, status: int) -> ClientError:
    return ClientError({"Error": {"Code": code}, "ResponseMetadata": {"HTTPStatusCode": status}}, "PutItem")


APP = new_resolver()


@APP.post("/throttled")
def throttled() -> _Answer:
    raise _client_error("ProvisionedThroughputExceededException", 400)


@APP.post("/refused")
def refused() -> _Answer:
    raise _client_error("ValidationException", 400)


@APP.post("/unreachable")
def unreachable() -> _Answer:
    raise EndpointConnectionError(endpoint_url="http://dynamodb")


@APP.post("/wrong-answer")
def wrong_answer() -> _Answer:
    return {"value": "not a number"}  # type: ignore[return-value]


@APP.post("/echo")
def echo(request: Annotated[_Request, Body()]) -> _Answer:
    return _Answer(value=request.value)


def _call(path: str, body: str | None = "{}", **kwargs: Any) -> tuple[int, dict[str, Any], dict[str, Any]]:
    result = APP.resolve(_event(path, body, **kwargs), None)  # type: ignore[arg-type]
    headers = {**(result.get("multiValueHeaders") or {}), **(result.get("headers") or {})}
    return result["statusCode"], json.loads(result["body"]), headers


def test_transient_aws_failures_are_a_retryable_503() -> None:
    for path in ("/throttled", "/unreachable"):
        status, body, headers = _call(path)
        assert (status, body["error"], body["retryable"]) == (503, "dependency_unavailable", True)
        assert headers["Retry-After"] in ("5", ["5"])


def test_other_failures_are_an_opaque_500() -> None:
    for path in ("/refused", "/wrong-answer"):
        status, body, _ = _call(path)
        assert (status, body) == (
            500,
            {"error": "internal_error", "message": "internal error", "retryable": False},
        )


def test_bodies_the_route_cannot_read_are_client_errors() -> None:
    assert _call("/echo", '{"value": 1}')[:2] == (200, {"value": 1})
    assert _call("/echo", "not base64!", b64=True)[0] == 400
    assert _call("/echo", "//79", b64=True)[0] == 400  # base64 of bytes that are not UTF-8
    status, body, _ = _call("/echo", "value=1", content_type="application/x-www-form-urlencoded")
    assert (status, body["error"]) == (415, "unsupported_media_type")
    status, body, _ = _call("/echo", "x", content_type="multipart/form-data")
    assert (status, body["error"]) == (415, "unsupported_media_type")
