"""The EventBridge publisher (with a fake client) and the one HTTP error mapping."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from aws_lambda_powertools.event_handler import APIGatewayRestResolver

from paybridge.api import error_response, json_response, register_error_handlers, request_body
from paybridge.bus import MAX_ENTRY_BYTES, EventPublisher, entry_size
from paybridge.errors import (
    BadRequestError,
    JuspayBadRequestError,
    PublishError,
    UnauthorizedError,
    WebhookInProgressError,
)


class FakeEvents:
    """An EventBridge client double that answers what it is told to."""

    def __init__(self, response: dict[str, Any] | Exception) -> None:
        self.response = response
        self.entries: list[dict[str, Any]] = []

    def put_events(self, Entries: list[dict[str, Any]]) -> dict[str, Any]:
        self.entries.extend(Entries)
        if isinstance(self.response, Exception):
            raise self.response
        return self.response


def test_publish_returns_event_id_and_sends_exact_decimal_json() -> None:
    from decimal import Decimal

    client = FakeEvents({"FailedEntryCount": 0, "Entries": [{"EventId": "e-1"}]})
    assert EventPublisher(client, "bus").publish("juspay", "ORDER", {"amount": Decimal("1.10")}) == "e-1"  # type: ignore[arg-type]
    assert client.entries == [
        {"Source": "juspay", "DetailType": "ORDER", "Detail": '{"amount":1.10}', "EventBusName": "bus"}
    ]


@pytest.mark.parametrize(
    "response",
    [
        {"FailedEntryCount": 1, "Entries": [{"ErrorCode": "InternalFailure", "ErrorMessage": "x"}]},
        {"FailedEntryCount": 0, "Entries": []},
        RuntimeError("connection reset"),
    ],
    ids=["failed-entry", "no-entry", "exception"],
)
def test_publish_failures_raise_publish_error(response: Any) -> None:
    with pytest.raises(PublishError) as raised:
        EventPublisher(FakeEvents(response), "bus").publish("juspay", "ORDER", {})  # type: ignore[arg-type]
    assert raised.value.status_code == 503


def test_oversize_event_is_refused_before_sending() -> None:
    client = FakeEvents({"FailedEntryCount": 0, "Entries": [{"EventId": "e"}]})
    with pytest.raises(PublishError):
        EventPublisher(client, "bus").publish("s", "t", {"x": "y" * MAX_ENTRY_BYTES})  # type: ignore[arg-type]
    assert client.entries == []


def test_entry_size_counts_utf8_bytes() -> None:
    assert entry_size("ab", "é", "{}", ["r"]) == 2 + 2 + 2 + 1


def test_error_response_shapes() -> None:
    unauthorized = error_response(UnauthorizedError("authentication required"))
    assert unauthorized.status_code == 401
    assert unauthorized.headers["WWW-Authenticate"].startswith("Basic")
    busy = error_response(WebhookInProgressError("later"))
    assert (busy.status_code, busy.headers["Retry-After"]) == (409, "5")
    juspay = error_response(JuspayBadRequestError("bad", error_code="E1", error_message="nope"))
    assert json.loads(str(juspay.body)) == {
        "error": "juspay_bad_request",
        "message": "bad",
        "retryable": False,
        "details": {"juspay_error_code": "E1", "juspay_error_message": "nope"},
    }
    assert json_response(200, {"a": 1}).body == '{"a":1}'


def _event(path: str, body: str | None = None, b64: bool = False) -> dict[str, Any]:
    return {
        "resource": path,
        "path": path,
        "httpMethod": "POST",
        "headers": {},
        "requestContext": {"resourcePath": path, "httpMethod": "POST", "stage": "dev"},
        "body": body,
        "isBase64Encoded": b64,
    }


def test_resolver_maps_domain_and_unexpected_errors() -> None:
    app = APIGatewayRestResolver()
    register_error_handlers(app)

    @app.post("/bad")
    def bad() -> None:
        raise BadRequestError("field x is wrong", details={"field": "x"})

    @app.post("/boom")
    def boom() -> None:
        raise RuntimeError("secret internals")

    bad_result = app.resolve(_event("/bad"), None)  # type: ignore[arg-type]
    assert bad_result["statusCode"] == 400
    assert json.loads(bad_result["body"])["details"] == {"field": "x"}
    boom_result = app.resolve(_event("/boom"), None)  # type: ignore[arg-type]
    assert boom_result["statusCode"] == 500
    assert "secret internals" not in boom_result["body"]


def test_request_body_handles_base64() -> None:
    from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent

    raw = b"\x00\xffbinary"
    encoded = APIGatewayProxyEvent(_event("/x", base64.b64encode(raw).decode(), b64=True))
    assert request_body(encoded) == raw
    assert request_body(APIGatewayProxyEvent(_event("/x", "text"))) == b"text"
    assert request_body(APIGatewayProxyEvent(_event("/x", None))) == b""
