"""`make local` as a user meets it: the real process, real ports, HTTP only."""

from __future__ import annotations

import json
import signal
import subprocess
from typing import Any

import boto3
import pytest
import requests

from tests.helpers import sample_path

pytestmark = pytest.mark.e2e
CREDS = ("juspay-local", "local-webhook-password")


def tap(local: dict[str, Any]) -> list[dict[str, Any]]:
    sqs = boto3.client("sqs", **local["aws"])
    url = local["outputs"]["resources"]["LocalEventTap"]["Ref"]
    found = []
    for _ in range(10):
        messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0).get(
            "Messages", []
        )
        if not messages:
            break
        for message in messages:
            found.append(json.loads(message["Body"]))
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    return found


def test_outputs_name_every_resource_and_url(local: dict[str, Any]) -> None:
    outputs = local["outputs"]
    for logical_id in ("EventBus", "WebhookEventsTable", "WebhookCredentialsSecret"):
        assert outputs["resources"][logical_id]["Ref"]
    assert outputs["functions"]["IngestWebhookFunction"]["arn"].startswith("arn:aws:lambda:ap-south-1:")
    assert {"aws", "api", "juspay", "webhook"} <= set(outputs["urls"])


def test_curl_of_a_sample_webhook_lands_on_the_bus(local: dict[str, Any]) -> None:
    url = local["outputs"]["urls"]["webhook"]
    body = sample_path("webhook_order_succeeded.json").read_bytes()
    tap(local)
    response = requests.post(
        url, data=body, auth=CREDS, headers={"Content-Type": "application/json"}, timeout=30
    )
    assert response.status_code == 200, response.text
    assert requests.post(url, data=body, auth=CREDS, timeout=30).json()["status"] == "duplicate"
    assert requests.post(url, data=body, auth=("juspay-local", "nope"), timeout=30).status_code == 401
    assert requests.post(url, data=b"{", auth=CREDS, timeout=30).status_code == 400
    events = tap(local)
    assert [e["detail-type"] for e in events] == ["ORDER_SUCCEEDED"]
    archive = local["outputs"]["resources"]["EventBusArchive"]["Ref"]
    assert boto3.client("events", **local["aws"]).describe_archive(ArchiveName=archive)["EventCount"] >= 1


def test_simulator_delivers_webhooks_to_the_local_api(local: dict[str, Any]) -> None:
    sim = local["outputs"]["urls"]["juspay"]
    order = json.loads(sample_path("order_status_split_partial_charged_custom_wallet.json").read_text())
    order_id = order["order_id"]
    tap(local)
    assert requests.put(f"{sim}/__sim/orders/{order_id}", json=order, timeout=10).status_code in (200, 201)
    delivery = requests.post(
        f"{sim}/__sim/orders/{order_id}/webhook", json={"event_name": "ORDER_PARTIAL_CHARGED"}, timeout=60
    )
    assert delivery.status_code == 200, delivery.text
    # Only Juspay's event: settlement reacts to it asynchronously and may add its own (source paybridge).
    events = [e for e in tap(local) if e["source"] == "juspay"]
    assert [e["detail"]["order_id"] for e in events] == [order_id]
    assert events[0]["detail"]["status"] == "PARTIAL_CHARGED"


def test_ctrl_c_stops_cleanly(local: dict[str, Any]) -> None:
    process: subprocess.Popen[bytes] = local["process"]
    process.send_signal(signal.SIGINT)
    # A clean stop lets the handler that is running finish (a function's Timeout is 15 s, and a Juspay call
    # inside it may be retrying), so the bound is the timeout plus the stop's own work on a loaded machine.
    assert process.wait(60) == 0
    assert "stopped" in local["log"].read_text()
