"""No 5xx from input, on any route: every route of the template is fed the odd inputs (path characters
outside the route's pattern, NaN/Infinity, deep nesting, non-JSON, non-UTF-8, unknown fields) through the
local API Gateway, SigV4-signed where the route needs it, and answers 400/404 with the error envelope."""

from __future__ import annotations

import json
from typing import Any

import pytest

from paybridge_local.api_gateway import LocalApiGateway
from paybridge_local.openapi import build_openapi, template_routes
from paybridge_local.stack import LocalSettings, LocalStack
from tests.helpers import basic_auth, bus_events, http, sigv4_headers

ROUTES = [(r.method, r.path, r.iam_auth) for r in template_routes()]
PARAMETERISED = [r for r in ROUTES if "{" in r[1]]
_DOCUMENT = build_openapi()
#: Routes that take a JSON body (the OpenAPI document declares it; the others ignore a body).
WITH_BODY = [r for r in ROUTES if "requestBody" in _DOCUMENT["paths"][r[1]][r[0].lower()]]

#: Characters outside every id rule, percent-encoded as a client sends them.
ODD_PATH_VALUES = ["%23", "%1D", "a%09b", "%22", "%60", "%5C", "%E2%82%AC", "a%20b", "..", "%00", "x" * 200]

ODD_BODIES: dict[str, bytes] = {
    "nan": b'{"amount": NaN}',
    "infinity": b'{"amount": Infinity, "id": "e", "event_name": "X"}',
    "negative_infinity": b"[-Infinity]",
    "deep_arrays": b"[" * 5000 + b"]" * 5000,
    "deep_objects": b'{"a":' * 3000 + b"1" + b"}" * 3000,
    "beyond_stated_depth": b"[" * 33 + b"]" * 33,
    "not_json": b"{",
    "not_utf8": b"\xff\xfe{}",
    "huge_integer": b'{"amount": ' + b"9" * 5000 + b"}",
    "exponent": b'{"amount": 1e3}',
    "array": b"[]",
    "string": b'"text"',
}


def _send(
    gateway: LocalApiGateway,
    settings: LocalSettings,
    method: str,
    path: str,
    iam: bool,
    body: bytes = b"",
) -> Any:
    if iam:
        headers = sigv4_headers(method, f"http://localhost{path}", body)
    else:
        headers = {
            "Content-Type": "application/json",
            "Authorization": basic_auth(settings.webhook_username, settings.webhook_password),
        }
    return http(gateway, method, path, body=body or None, headers=headers)


def _path(template: str, value: str) -> str:
    return "/".join(value if part.startswith("{") else part for part in template.split("/"))


def _envelope(response: Any) -> dict[str, Any]:
    body = json.loads(response.get_data(as_text=True))
    assert set(body) >= {"error", "message", "retryable"}, body
    assert body["retryable"] is False
    return body


@pytest.mark.parametrize(("method", "template", "iam"), PARAMETERISED, ids=lambda v: str(v))
def test_odd_path_characters_are_a_400_or_404(
    gateway: LocalApiGateway, local_settings: LocalSettings, method: str, template: str, iam: bool
) -> None:
    answered: dict[str, int] = {}
    for value in ODD_PATH_VALUES:
        response = _send(gateway, local_settings, method, _path(template, value), iam, b"{}")
        answered[value] = response.status_code
        assert response.status_code in (400, 403, 404), (value, response.get_data(as_text=True))
        if response.status_code != 403:
            _envelope(response)
    # Only a path API Gateway has no route for at all is its own 403; every other reached the handler.
    assert {value for value, status in answered.items() if status == 403} <= {".."}, answered


@pytest.mark.parametrize(("method", "template", "iam"), WITH_BODY, ids=lambda v: str(v))
@pytest.mark.parametrize("kind", sorted(ODD_BODIES))
def test_odd_bodies_are_a_400(
    gateway: LocalApiGateway,
    local_settings: LocalSettings,
    method: str,
    template: str,
    iam: bool,
    kind: str,
) -> None:
    response = _send(gateway, local_settings, method, _path(template, "ok1"), iam, ODD_BODIES[kind])
    assert response.status_code == 400, response.get_data(as_text=True)
    assert _envelope(response)["error"] == "bad_request"


@pytest.mark.parametrize(("method", "template", "iam"), WITH_BODY, ids=lambda v: str(v))
def test_unknown_fields_are_refused_on_every_route(
    gateway: LocalApiGateway, local_settings: LocalSettings, method: str, template: str, iam: bool
) -> None:
    if not iam:
        pytest.skip("Juspay's webhook keeps unknown fields: they are Juspay's to add")
    body = json.dumps({"surprise": 1}).encode()
    response = _send(gateway, local_settings, method, _path(template, "ok1"), iam, body)
    assert response.status_code == 400
    fields = {e["field"] for e in _envelope(response)["details"]["errors"]}
    assert "surprise" in fields


@pytest.mark.parametrize(
    "event_name",
    ["ORDER\u0014X", "ORDER\nSUCCEEDED", "ORDER\u2028X", "E" * 129, 'A\\"B', "ORDER_\u00c9T\u00c9"],
)
def test_an_unpublishable_event_name_is_recorded_and_acknowledged(
    gateway: LocalApiGateway, stack: LocalStack, local_settings: LocalSettings, event_name: str
) -> None:
    body = json.dumps({"id": "evt_odd_1", "event_name": event_name, "content": {}}).encode()
    for _ in range(2):  # a resend changes nothing: 200 again, still not on the bus
        response = _send(gateway, local_settings, "POST", "/webhooks/juspay", False, body)
        assert response.status_code == 200, response.get_data(as_text=True)
        assert response.json == {"status": "unpublishable", "id": "evt_odd_1"}
    assert bus_events(stack) == []
    items = stack.session.client("dynamodb").query(
        TableName=stack.output("WebhookEventsTable"),
        KeyConditionExpression="event_id = :id",
        ExpressionAttributeValues={":id": {"S": "evt_odd_1"}},
    )["Items"]
    assert [item["status"]["S"] for item in items] == ["UNPUBLISHABLE"]


def test_an_unknown_but_well_formed_event_name_is_still_published(
    gateway: LocalApiGateway, stack: LocalStack, local_settings: LocalSettings
) -> None:
    body = json.dumps({"id": "evt_odd_2", "event_name": "ORDER_SOMETHING_NEW", "content": {}}).encode()
    response = _send(gateway, local_settings, "POST", "/webhooks/juspay", False, body)
    assert response.status_code == 200
    assert response.json["status"] == "published"
    assert [e["detail-type"] for e in bus_events(stack)] == ["ORDER_SOMETHING_NEW"]
