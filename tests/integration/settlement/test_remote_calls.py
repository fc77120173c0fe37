"""Remote calls of a split order settled by its first webhook: every AWS call (botocore event hooks on the
handlers' clients) and every Juspay call (the simulator's request log), counted end to end through the
webhook route, the bus and settlement."""

from __future__ import annotations

import json

import requests

from bench.harness import queue_targets_only
from bench.remote_calls import counting_aws_calls, juspay_calls
from paybridge_local.api_gateway import LocalApiGateway
from paybridge_local.simulator import JuspaySimulator
from paybridge_local.stack import LocalSettings, LocalStack
from tests.helpers import basic_auth, http, load_sample
from tests.integration.settlement.conftest import credit, order_record, put_order


def test_split_order_settled_by_its_first_webhook_costs_one_status_one_transaction_no_follower(
    stack: LocalStack, gateway: LocalApiGateway, local_settings: LocalSettings, simulator: JuspaySimulator
) -> None:
    assert credit(gateway, "testCustomer", "5000.00", "k1").status_code == 201
    body = load_sample("webhook_order_partial_charged_merchant_container_split.json")
    order = body["content"]["order"]
    put_order(simulator, order)
    requests.delete(f"{simulator.url}/__sim/requests", timeout=10)
    auth = basic_auth(local_settings.webhook_username, local_settings.webhook_password)
    headers = {"Content-Type": "application/json", "Authorization": auth}

    with counting_aws_calls() as counter:
        answer = http(gateway, "POST", "/webhooks/juspay", body=json.dumps(body), headers=headers)
        stack.runtime.drain()

    assert answer.status_code == 200, answer.get_data(as_text=True)
    assert order_record(stack, order["order_id"])["status"] == "SETTLED"
    assert juspay_calls(simulator.url) == {"GET /orders/{id}": 1}
    assert counter.aws["dynamodb.TransactWriteItems"] == 1, "the wallet debit is one transaction"
    assert counter.aws["states.StartExecution"] == 0, "a settled order is not followed"
    assert counter.aws["events.PutEvents"] == 2, "the webhook's event, then OrderSettled"
    # Not yet the target (the dedup write alone besides the transaction): the webhook record's and
    # the order record's own reads and writes come on top. This pins today's count so it cannot grow
    # unnoticed (docs/quality.md, "Remote calls"); the two secrets are read once per container.
    dynamodb = {k: v for k, v in counter.aws.items() if k.startswith("dynamodb.")}
    assert sum(dynamodb.values()) <= 12, dynamodb
    assert counter.aws["secretsmanager.GetSecretValue"] <= 2


def test_the_webhook_alone_costs_the_dedup_write_one_put_events_and_the_published_mark(
    stack: LocalStack, gateway: LocalApiGateway, local_settings: LocalSettings
) -> None:
    queue_targets_only(stack)  # nothing the bus starts runs while the webhook's own calls are counted
    body = load_sample("webhook_order_partial_charged_merchant_container_split.json")
    body["id"] = "evt_remote_calls_ingest_1"
    auth = basic_auth(local_settings.webhook_username, local_settings.webhook_password)
    headers = {"Content-Type": "application/json", "Authorization": auth}
    with counting_aws_calls() as counter:
        answer = http(gateway, "POST", "/webhooks/juspay", body=json.dumps(body), headers=headers)
        duplicate = http(gateway, "POST", "/webhooks/juspay", body=json.dumps(body), headers=headers)

    assert answer.status_code == 200, answer.get_data(as_text=True)
    assert answer.json["status"] == "published"
    assert duplicate.json["status"] == "duplicate"
    # The first delivery: the dedup write (the webhook record itself), one PutEvents, the published mark
    # (docs/decisions.md, 2026-11-29: why the mark stays). The duplicate: its dedup write only, refused.
    # The credentials secret is read once per container (a fresh stack here), then cached.
    assert dict(counter.aws) == {
        "secretsmanager.GetSecretValue": 1,
        "dynamodb.PutItem": 2,
        "events.PutEvents": 1,
        "dynamodb.UpdateItem": 1,
    }
