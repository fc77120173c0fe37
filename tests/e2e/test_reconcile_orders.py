"""Reconciliation on `make local` as an operator meets it: a Juspay outage long enough that settlement gives
up (dead-letter queue), Juspay back, `python -m paybridge_ops reconcile` settles the order; a second run does
nothing; an order settled here but failed at Juspay is reported once as ReconciliationMismatch on the bus."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from typing import Any

import boto3
import pytest
import requests

from tests.e2e.support import balance, eventually, fund_and_deliver, split_order
from tests.helpers import ROOT

pytestmark = pytest.mark.e2e


def reconcile(local: dict[str, Any], *args: str) -> subprocess.CompletedProcess[str]:
    """The operator's command against this local stack (its outputs file)."""
    outputs = str(local["log"].parent / "outputs.json")
    return subprocess.run(
        [sys.executable, "-m", "paybridge_ops", "reconcile", "--outputs", outputs, "--hours", "1", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def order_line(local: dict[str, Any], order_id: str) -> dict[str, Any]:
    run = reconcile(local, "--json")
    assert run.returncode == 0, run.stderr
    [line] = [o for o in json.loads(run.stdout)["orders"] if o["order_id"] == order_id]
    return dict(line)


def tapped(local: dict[str, Any], detail_type: str, order_id: str, *, wait_s: float) -> list[dict[str, Any]]:
    """Events of ``detail_type`` about the order that reached the bus (read from the local event tap)."""
    sqs = boto3.client("sqs", **local["aws"])
    url = local["outputs"]["resources"]["LocalEventTap"]["Ref"]
    found: list[dict[str, Any]] = []
    deadline = time.monotonic() + wait_s
    while time.monotonic() < deadline:
        messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1)
        for message in messages.get("Messages", []):
            event = json.loads(message["Body"])
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
            if event["detail-type"] == detail_type and event["detail"].get("order_id") == order_id:
                found.append(event)
    return found


def test_an_outage_ends_in_the_dead_letter_queue_and_reconciliation_settles_the_order(
    local: dict[str, Any],
) -> None:
    sim = local["outputs"]["urls"]["juspay"]
    order = split_order("rc-", "outage")
    order_id, customer = order["order_id"], order["customer_id"]
    # Juspay's Order Status is down for longer than settlement's retries last.
    fault = {"method": "GET", "path": "/orders/*", "status": 503, "times": 1000}
    assert requests.post(f"{sim}/__sim/faults", json=fault, timeout=10).ok
    try:
        fund_and_deliver(local, order, "rc-1")
        sqs = boto3.client("sqs", **local["aws"])
        queue = local["outputs"]["resources"]["RuleTargetDeadLetterQueue"]["Ref"]

        def dead_lettered() -> list[dict[str, Any]]:
            messages = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10).get("Messages", [])
            bodies = [json.loads(m["Body"]) for m in messages]
            return [b for b in bodies if b["event"]["detail"].get("order_id") == order_id]

        [letter] = eventually(dead_lettered, timeout_s=60, what="settlement in the dead-letter queue")
        assert letter["error"]["errorType"] == "JuspayUnavailableError"
        assert balance(local, customer) == "100.00"
    finally:
        assert requests.delete(f"{sim}/__sim/faults", timeout=10).ok  # Juspay is back

    run = reconcile(local)
    assert run.returncode == 0, run.stderr
    assert order_id in run.stdout
    block = run.stdout[run.stdout.index(order_id) :]
    assert "here RECEIVED, Juspay PARTIAL_CHARGED  [repaired]" in block
    assert "done:  settlement: debited" in block
    assert balance(local, customer) == "90.00"

    again = order_line(local, order_id)
    assert (again["record_status"], again["result"], again["done"]) == ("SETTLED", "in_agreement", [])
    assert balance(local, customer) == "90.00"


def test_settled_here_but_failed_at_juspay_is_reported_once_on_the_bus(local: dict[str, Any]) -> None:
    sim = local["outputs"]["urls"]["juspay"]
    order = split_order("rc-", "mismatch")
    order_id, customer = order["order_id"], order["customer_id"]
    fund_and_deliver(local, order, "rc-1")
    eventually(lambda: balance(local, customer) == "90.00", timeout_s=30, what="the wallet debit")

    order["status"] = "AUTHORIZATION_FAILED"
    order["txn_list"][0]["txn_detail"]["status"] = "AUTHORIZATION_FAILED"
    assert requests.put(f"{sim}/__sim/orders/{order_id}", json=order, timeout=10).ok
    first = order_line(local, order_id)
    assert (first["result"], first["done"]) == ("mismatch", ["mismatch settled_but_failed reported"])
    [event] = tapped(local, "ReconciliationMismatch", order_id, wait_s=5)
    assert event["source"] == "paybridge"
    assert (event["detail"]["kind"], event["detail"]["juspay_status"]) == (
        "settled_but_failed",
        "AUTHORIZATION_FAILED",
    )

    second = order_line(local, order_id)
    assert second["done"] == ["mismatch settled_but_failed already reported"]
    assert tapped(local, "ReconciliationMismatch", order_id, wait_s=3) == []
    assert balance(local, customer) == "90.00"


def test_the_readme_on_demand_block_runs_as_written(local: dict[str, Any]) -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    start = text.index("## Reconciliation (")
    section = text[start : text.index("### What it costs", start)]
    [block] = re.findall(r"```bash\n(.*?)```", section, re.S)
    result = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", block],
        cwd=ROOT,
        env={**os.environ, "LOCAL_OUTPUTS": str(local["log"].parent / "outputs.json")},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("Reconciliation of orders touched") == 2
    assert (
        "Reconciliation of orders touched 2026-11-29T10:00:00+00:00 .. 2026-11-29T13:00:00+00:00"
        in result.stdout
    )
    assert '"counts": {' in result.stdout
