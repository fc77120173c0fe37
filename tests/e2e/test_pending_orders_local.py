"""`make local` with short pending-order waits (LOCAL_PARAMETER_OVERRIDES): an order left PENDING_VBV in the
simulator, then CHARGED with a webhook, ends settled — once — and its pending-order execution ends."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
import requests

from paybridge.logic.pending_orders import execution_name
from tests.helpers import ROOT, sigv4_headers

pytestmark = pytest.mark.e2e

CUSTOMER = "cust_e2e_pending_1"
ORDER_ID = "ordE2EPending1"
OVERRIDES = "PendingOrderBackoffSeconds=1,3 PendingOrderDeadlineSeconds=300"


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def local(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    outputs = tmp_path_factory.mktemp("local-pending") / "outputs.json"
    ports = {"LOCAL_AWS_PORT": free_port(), "LOCAL_API_PORT": free_port(), "LOCAL_JUSPAY_PORT": free_port()}
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "LOCAL_"))}
    env.update({k: str(v) for k, v in ports.items()})
    env.update(
        {
            "LOCAL_OUTPUTS": str(outputs),
            "AWS_DEFAULT_REGION": "ap-south-1",
            "LOCAL_PARAMETER_OVERRIDES": OVERRIDES,
        }
    )
    log = (outputs.parent / "local.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "paybridge_local"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
    )
    deadline = time.monotonic() + 60
    while not outputs.exists():
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise AssertionError(Path(log.name).read_text()[-3000:])
        time.sleep(0.2)
    document = json.loads(outputs.read_text())
    aws = {
        "endpoint_url": document["urls"]["aws"],
        "region_name": "ap-south-1",
        "aws_access_key_id": "testing",
        "aws_secret_access_key": "testing",
    }
    yield {"outputs": document, "aws": aws, "log": Path(log.name)}
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        process.wait(20)
    log.close()


def split_order(status: str, online_status: str) -> dict[str, Any]:
    """A 50.00 order: 40.00 paid online (card), 10.00 from the in-house wallet."""
    return {
        "order_id": ORDER_ID,
        "customer_id": CUSTOMER,
        "status": status,
        "amount": 50,
        "currency": "INR",
        "txn_list": [
            {
                "txn_id": f"{ORDER_ID}-1",
                "status": online_status,
                "payment_method_type": "CARD",
                "payment_method": "VISA",
                "txn_detail": {
                    "txn_id": f"{ORDER_ID}-1",
                    "status": online_status,
                    "txn_amount": 40,
                    "net_amount": 50,
                    "currency": "INR",
                },
            },
            {
                "txn_id": f"{ORDER_ID}-2",
                "status": "TO_BE_CHARGED",
                "payment_method_type": "MERCHANT_CONTAINER",
                "payment_method": "JUSPAY_WALLET",
                "txn_detail": {
                    "txn_id": f"{ORDER_ID}-2",
                    "status": "TO_BE_CHARGED",
                    "txn_amount": 10,
                    "net_amount": 50,
                    "currency": "INR",
                },
            },
        ],
    }


def wallet_call(local: dict[str, Any], method: str, path: str, body: dict[str, Any] | None = None) -> Any:
    url = local["outputs"]["urls"]["api"] + path
    data = json.dumps(body) if body is not None else ""
    response = requests.request(
        method, url, data=data or None, headers=sigv4_headers(method, url, data), timeout=30
    )
    assert response.status_code in (200, 201), response.text
    return response.json()


def eventually(predicate: Callable[[], Any], *, timeout_s: float = 60.0, what: str) -> Any:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def test_order_left_pending_then_charged_by_webhook_ends_settled(local: dict[str, Any]) -> None:
    sim = local["outputs"]["urls"]["juspay"]
    sfn = boto3.client("stepfunctions", **local["aws"])
    machine = local["outputs"]["resources"]["PendingOrderStateMachine"]["Ref"]
    execution_arn = machine.replace(":stateMachine:", ":execution:") + ":" + execution_name(ORDER_ID)
    wallet_call(
        local,
        "POST",
        f"/wallets/{CUSTOMER}/credits",
        {"amount": "100.00", "currency": "INR", "idempotency_key": "e2e-po-1"},
    )

    # The customer starts paying: Juspay tells us a transaction was created; the order stays PENDING_VBV.
    assert requests.put(
        f"{sim}/__sim/orders/{ORDER_ID}", json=split_order("PENDING_VBV", "PENDING_VBV"), timeout=10
    ).ok
    delivery = requests.post(
        f"{sim}/__sim/orders/{ORDER_ID}/webhook", json={"event_name": "TXN_CREATED"}, timeout=60
    )
    assert delivery.status_code == 200, delivery.text

    def polls() -> int:
        log = requests.get(f"{sim}/__sim/requests", timeout=10).json()
        return sum(1 for e in log if e["method"] == "GET" and e["path"] == f"/orders/{ORDER_ID}")

    eventually(lambda: polls() >= 1, what="the pending order to be polled")
    assert sfn.describe_execution(executionArn=execution_arn)["status"] == "RUNNING"

    # The payment completes: Juspay's order becomes PARTIAL_CHARGED and its webhook arrives.
    charged = split_order("PARTIAL_CHARGED", "CHARGED")
    assert requests.put(f"{sim}/__sim/orders/{ORDER_ID}", json=charged, timeout=10).ok
    delivery = requests.post(
        f"{sim}/__sim/orders/{ORDER_ID}/webhook", json={"event_name": "ORDER_PARTIAL_CHARGED"}, timeout=60
    )
    assert delivery.status_code == 200, delivery.text

    execution = eventually(
        lambda: (d := sfn.describe_execution(executionArn=execution_arn))["status"] != "RUNNING" and d,
        what="the pending-order execution to end",
    )
    assert execution["status"] == "SUCCEEDED"

    def settled() -> dict[str, Any] | None:
        wallet = wallet_call(local, "GET", f"/wallets/{CUSTOMER}")
        return wallet if wallet["balance"] == "90.00" else None

    wallet = eventually(settled, what="the wallet debit")
    time.sleep(2)  # let a second hand-over (webhook and poll both seen) run; it must not debit again
    wallet = wallet_call(local, "GET", f"/wallets/{CUSTOMER}")
    debits = [e for e in wallet["entries"] if e["type"] == "DEBIT"]
    assert wallet["balance"] == "90.00"
    assert [(d["amount"], d["order_id"]) for d in debits] == [("10.00", ORDER_ID)]
