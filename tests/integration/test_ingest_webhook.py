"""Webhook ingestion through the local API Gateway, the real handler and moto built from template.yaml."""

from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from aws_lambda_powertools.utilities import parameters

from paybridge_local.api_gateway import LocalApiGateway
from paybridge_local.stack import LocalSettings, LocalStack
from tests.helpers import EVENTS, basic_auth, bus_events, http, load_sample, strict_json_samples

# Every valid-JSON webhook sample, the 2018 "payv3" ones included (the invalid ones are listed in INDEX.md).
WEBHOOK_SAMPLES = strict_json_samples("webhook_") + strict_json_samples("legacy_payv3_webhook_")


def deliver(
    gateway: LocalApiGateway, settings: LocalSettings, body: bytes | str, *, auth: str | None = None
) -> Any:
    headers = {"Content-Type": "application/json"}
    headers["Authorization"] = auth or basic_auth(settings.webhook_username, settings.webhook_password)
    return http(gateway, "POST", "/webhooks/juspay", body=body, headers=headers)


def stored_versions(stack: LocalStack, event_id: str) -> list[dict[str, Any]]:
    client = stack.session.client("dynamodb")
    response = client.query(
        TableName=stack.output("WebhookEventsTable"),
        KeyConditionExpression="event_id = :id",
        ExpressionAttributeValues={":id": {"S": event_id}},
    )
    return response["Items"]


def test_there_are_sample_webhooks_to_test() -> None:
    assert len(WEBHOOK_SAMPLES) == 26


@pytest.mark.parametrize("sample", WEBHOOK_SAMPLES, ids=lambda p: p.name)
def test_every_sample_webhook_is_recorded_and_published(
    gateway: LocalApiGateway, stack: LocalStack, local_settings: LocalSettings, sample: Path
) -> None:
    document = json.loads(sample.read_text())
    response = deliver(gateway, local_settings, sample.read_bytes())

    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.json == {"status": "published", "id": str(document["id"])}
    [event] = bus_events(stack)
    assert event["source"] == "juspay"
    assert event["detail-type"] == document["event_name"]
    detail = event["detail"]
    assert detail["event_id"] == str(document["id"])
    assert detail["content"] == json.loads(json.dumps(document.get("content") or {}))
    order = (document.get("content") or {}).get("order") or {}
    if order:
        assert detail["order_id"] == order["order_id"]
        assert detail["status"] == order["status"]
    [stored] = stored_versions(stack, str(document["id"]))
    assert stored["status"]["S"] == "PUBLISHED"
    assert json.loads(stored["body"]["S"]) == document


def test_the_stacks_archive_keeps_each_published_event_compact(
    gateway: LocalApiGateway, stack: LocalStack, local_settings: LocalSettings
) -> None:
    from moto.events.models import events_backends

    from paybridge_local.moto_retention import CompactEvents
    from paybridge_local.provision import ACCOUNT_ID

    sample = next(p for p in WEBHOOK_SAMPLES if p.name == "webhook_order_succeeded.json")
    assert deliver(gateway, local_settings, sample.read_bytes()).status_code == 200
    [archive] = events_backends[ACCOUNT_ID][stack.provisioned.region].archives.values()
    assert isinstance(archive.events, CompactEvents)
    assert [e["detail"]["event_id"] for e in archive.events] == [str(json.loads(sample.read_text())["id"])]


def test_split_payment_webhook_carries_both_transactions(
    gateway: LocalApiGateway, stack: LocalStack, local_settings: LocalSettings
) -> None:
    body = json.dumps(load_sample("webhook_order_partial_charged_merchant_container_split.json"))
    assert deliver(gateway, local_settings, body).status_code == 200
    [event] = bus_events(stack)
    assert event["detail"]["status"] == "PARTIAL_CHARGED"
    assert event["detail"]["transaction_count"] == 2
    types = [t["payment_method_type"] for t in event["detail"]["content"]["order"]["txn_list"]]
    assert "MERCHANT_CONTAINER" in types


def test_canned_events_run_through_the_handler(stack: LocalStack) -> None:
    """The files in events/ (also for `sam local invoke -e`) give the documented answers."""
    expected = {
        "webhook_order_succeeded.json": 200,
        "webhook_order_partial_charged_split.json": 200,
        "webhook_order_refunded.json": 200,
        "webhook_mandate_activated.json": 200,
        "webhook_wrong_credentials.json": 401,
        "webhook_not_json.json": 400,
    }
    assert sorted(p.name for p in EVENTS.glob("webhook_*.json")) == sorted(expected)
    for name, status in expected.items():
        event = json.loads((EVENTS / name).read_text())
        result = stack.runtime.invoke("IngestWebhookFunction", event)
        assert result["statusCode"] == status, name


# ---- authentication -------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "auth",
    [
        "",
        "Bearer abc",
        "Basic not-base64!",
        basic_auth("juspay-local", "wrong-password"),
        basic_auth("someone-else", "local-webhook-password"),
        basic_auth("", ""),
    ],
    ids=["missing", "other-scheme", "garbage", "wrong-password", "wrong-user", "empty"],
)
def test_bad_credentials_get_401_with_challenge_and_publish_nothing(
    gateway: LocalApiGateway, stack: LocalStack, local_settings: LocalSettings, auth: str
) -> None:
    headers = {"Content-Type": "application/json"}
    if auth:
        headers["Authorization"] = auth
    body = json.dumps(load_sample("webhook_order_succeeded.json"))
    response = http(gateway, "POST", "/webhooks/juspay", body=body, headers=headers)

    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Basic ")
    assert response.json == {
        "error": "unauthorized",
        "message": "authentication required",
        "retryable": False,
    }
    assert bus_events(stack) == []


def test_rotation_accepts_both_active_credentials(
    gateway: LocalApiGateway, stack: LocalStack, local_settings: LocalSettings
) -> None:
    stack.session.client("secretsmanager").put_secret_value(
        SecretId=stack.output("WebhookCredentialsSecret"),
        SecretString=json.dumps(
            {
                "credentials": [
                    {"username": "juspay-local", "password": "local-webhook-password"},
                    {"username": "juspay-next", "password": "next-password"},
                ]
            }
        ),
    )
    parameters.clear_caches()
    sample = load_sample("webhook_order_succeeded.json")
    old = deliver(gateway, local_settings, json.dumps(sample))
    sample["id"] = "evt_rotated_1"
    new = deliver(
        gateway, local_settings, json.dumps(sample), auth=basic_auth("juspay-next", "next-password")
    )
    sample["id"] = "evt_rotated_2"
    mixed = deliver(
        gateway, local_settings, json.dumps(sample), auth=basic_auth("juspay-next", "local-webhook-password")
    )

    assert (old.status_code, new.status_code, mixed.status_code) == (200, 200, 401)
    assert len(bus_events(stack)) == 2


def test_auth_failure_is_counted_as_a_metric(
    gateway: LocalApiGateway, local_settings: LocalSettings, capsys: pytest.CaptureFixture[str]
) -> None:
    deliver(gateway, local_settings, "{}", auth=basic_auth("x", "y"))
    metrics_lines = [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"_aws"' in line]
    assert any("WebhookAuthFailed" in line for line in metrics_lines)


# ---- bad input ----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("body", "message_part"),
    [
        ("not json at all", "not valid JSON"),
        (b"\xff\xfe\x00", "not valid JSON"),
        ("[1, 2, 3]", "must be a JSON object"),
        ('"a string"', "must be a JSON object"),
        ("", "not valid JSON"),
        ('{"event_name": "ORDER_SUCCEEDED", "content": {}}', "id"),
        ('{"id": "evt_1", "content": {}}', "event_name"),
        ('{"id": "", "event_name": "ORDER_SUCCEEDED"}', "id"),
        ('{"id": "evt_1", "event_name": "X", "content": "text"}', "content"),
    ],
    ids=[
        "text",
        "binary",
        "array",
        "string",
        "empty",
        "no-id",
        "no-event-name",
        "blank-id",
        "content-scalar",
    ],
)
def test_bad_input_gets_400_naming_the_problem(
    gateway: LocalApiGateway, stack: LocalStack, local_settings: LocalSettings, body: Any, message_part: str
) -> None:
    response = deliver(gateway, local_settings, body)
    assert response.status_code == 400
    assert response.json["error"] == "bad_request"
    assert message_part in json.dumps(response.json)
    assert bus_events(stack) == []


def test_oversize_body_gets_413(
    gateway: LocalApiGateway, stack: LocalStack, local_settings: LocalSettings
) -> None:
    sample = load_sample("webhook_order_succeeded.json")
    sample["content"]["order"]["padding"] = "x" * (256 * 1024)
    response = deliver(gateway, local_settings, json.dumps(sample))
    assert response.status_code == 413
    assert response.json["details"] == {"limit_bytes": 262144}
    assert bus_events(stack) == []


def test_large_body_is_published_with_a_reference_to_its_content(
    gateway: LocalApiGateway, stack: LocalStack, local_settings: LocalSettings
) -> None:
    sample = load_sample("webhook_order_succeeded.json")
    body = json.dumps(sample)
    sample["content"]["order"]["padding"] = "x" * (256 * 1024 - len(body) - 100)
    body = json.dumps(sample)
    assert len(body.encode()) <= 256 * 1024

    response = deliver(gateway, local_settings, body)

    assert response.status_code == 200
    [event] = bus_events(stack)
    assert "content" not in event["detail"]
    ref = event["detail"]["content_ref"]
    assert ref["table"] == stack.output("WebhookEventsTable")
    item = stack.session.client("dynamodb").get_item(
        TableName=ref["table"],
        Key={name: {"S": value} for name, value in ref["key"].items()},
    )["Item"]
    assert json.loads(item["body"]["S"]) == sample
    assert item["sha256"]["S"] == ref["body_sha256"] == event["detail"]["body_sha256"]


# ---- duplicates -----------------------------------------------------------------------------------------
def test_duplicate_is_acknowledged_and_not_published_again(
    gateway: LocalApiGateway, stack: LocalStack, local_settings: LocalSettings
) -> None:
    body = json.dumps(load_sample("webhook_order_succeeded.json"))
    first = deliver(gateway, local_settings, body)
    reserialised = json.dumps(json.loads(body), indent=2, sort_keys=True)  # same event, other bytes
    second = deliver(gateway, local_settings, reserialised)

    assert (first.status_code, second.status_code) == (200, 200)
    assert second.json["status"] == "duplicate"
    assert len(bus_events(stack)) == 1


def test_same_id_with_other_body_is_recorded_and_counted_not_dropped(
    gateway: LocalApiGateway,
    stack: LocalStack,
    local_settings: LocalSettings,
    capsys: pytest.CaptureFixture[str],
) -> None:
    sample = load_sample("webhook_order_succeeded.json")
    assert deliver(gateway, local_settings, json.dumps(sample)).status_code == 200
    sample["content"]["order"]["status"] = "AUTHORIZATION_FAILED"
    response = deliver(gateway, local_settings, json.dumps(sample))

    assert response.status_code == 200
    assert response.json["status"] == "conflict_recorded"
    assert len(bus_events(stack)) == 1
    versions = stored_versions(stack, sample["id"])
    assert sorted(v["status"]["S"] for v in versions) == ["CONFLICT", "PUBLISHED"]
    conflict = next(v for v in versions if v["status"]["S"] == "CONFLICT")
    assert json.loads(conflict["body"]["S"])["content"]["order"]["status"] == "AUTHORIZATION_FAILED"
    assert "WebhookBodyConflict" in capsys.readouterr().out


def test_concurrent_duplicates_publish_once_and_never_200_early(
    gateway: LocalApiGateway, stack: LocalStack, local_settings: LocalSettings
) -> None:
    sample = load_sample("webhook_order_partial_charged_merchant_container_split.json")
    sample["id"] = "evt_concurrent_duplicates_1"  # an id no other test publishes
    body = json.dumps(sample)
    start = threading.Barrier(12)

    def one() -> int:
        start.wait()
        return int(deliver(gateway, local_settings, body).status_code)

    with ThreadPoolExecutor(max_workers=12) as pool:
        statuses = list(pool.map(lambda _: one(), range(12)))

    assert set(statuses) <= {200, 409}
    assert statuses.count(200) >= 1
    published = [e for e in bus_events(stack) if e["source"] == "juspay"]
    assert [e["detail"]["event_id"] for e in published] == [sample["id"]], [
        (e["detail-type"], e["detail"].get("received_at"), e["detail"].get("body_sha256")) for e in published
    ]
    # Every delivery that was not answered 200 is resent by Juspay: it must then be a 200 duplicate.
    for _ in range(statuses.count(409)):
        resent = deliver(gateway, local_settings, body)
        assert resent.status_code == 200
        assert resent.json["status"] == "duplicate"
    assert [e for e in bus_events(stack) if e["source"] == "juspay"] == []


# ---- durability -----------------------------------------------------------------------------------------
def test_failed_publish_answers_503_and_the_resend_publishes(
    gateway: LocalApiGateway, stack: LocalStack, local_settings: LocalSettings
) -> None:
    events = stack.session.client("events")
    bus = stack.output("EventBus")
    rules = events.list_rules(EventBusName=bus)["Rules"]
    targets = {
        r["Name"]: events.list_targets_by_rule(Rule=r["Name"], EventBusName=bus)["Targets"] for r in rules
    }
    for rule in rules:  # take the bus away: put_events now fails
        events.remove_targets(
            Rule=rule["Name"], EventBusName=bus, Ids=[t["Id"] for t in targets[rule["Name"]]]
        )
        events.delete_rule(Name=rule["Name"], EventBusName=bus)
    events.delete_event_bus(Name=bus)
    body = json.dumps(load_sample("webhook_order_succeeded.json"))

    failed = deliver(gateway, local_settings, body)

    assert failed.status_code == 503
    assert failed.json["error"] == "publish_failed"
    assert failed.headers["Retry-After"]
    events.create_event_bus(Name=bus)  # the bus is back; Juspay resends
    for rule in rules:
        events.put_rule(Name=rule["Name"], EventBusName=bus, EventPattern=rule["EventPattern"])
        events.put_targets(Rule=rule["Name"], EventBusName=bus, Targets=targets[rule["Name"]])
    resent = deliver(gateway, local_settings, body)
    assert resent.status_code == 200
    assert resent.json["status"] == "published"
    assert len(bus_events(stack)) == 1
