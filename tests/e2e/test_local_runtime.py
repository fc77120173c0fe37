"""The local runtime as a user meets it on `make local`: every function in its own execution environments
(a slow settlement holds up no webhook), each with its own Timeout, and only its own permissions from the
template (a copy of template.yaml with one permission removed makes the matching flow fail)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
import requests

from paybridge_local.template import load_template
from tests.e2e.support import call, eventually, running_local_stack
from tests.helpers import load_sample

pytestmark = pytest.mark.e2e


def split_order(label: str) -> dict[str, Any]:
    order = load_sample("order_status_split_partial_charged_custom_wallet.json")
    order["order_id"] = f"e2e-{label}-{time.time_ns()}"
    order["customer_id"] = f"e2e-cust-{order['order_id']}"
    for number, txn in enumerate(order["txn_list"], start=1):
        txn["txn_detail"]["order_id"] = order["order_id"]
        # Settlement debits once per wallet transaction id (a business id): each order has its own.
        txn["txn_id"] = txn["txn_detail"]["txn_id"] = f"{order['order_id']}-{number}"
    return order


def put_order(local: dict[str, Any], order: dict[str, Any]) -> None:
    sim = local["outputs"]["urls"]["juspay"]
    answer = requests.put(f"{sim}/__sim/orders/{order['order_id']}", json=order, timeout=10)
    assert answer.status_code in (200, 201), answer.text


def deliver_webhook(local: dict[str, Any], order_id: str) -> float:
    """Has the simulator deliver the order's webhook; returns how long the delivery took (seconds)."""
    sim = local["outputs"]["urls"]["juspay"]
    started = time.monotonic()
    delivery = requests.post(
        f"{sim}/__sim/orders/{order_id}/webhook", json={"event_name": "ORDER_PARTIAL_CHARGED"}, timeout=60
    )
    assert delivery.status_code == 200, delivery.text
    return time.monotonic() - started


def funded_order(local: dict[str, Any], label: str) -> dict[str, Any]:
    """Credits the customer's wallet 100.00 and has Juspay hold a split order with a 10.00 wallet part."""
    order = split_order(label)
    credit = call(
        local,
        "POST",
        f"/wallets/{order['customer_id']}/credits",
        {"amount": "100.00", "currency": "INR", "idempotency_key": f"fund-{label}"},
    )
    assert credit.status_code == 201, credit.text
    put_order(local, order)
    return order


def fund_and_settle(local: dict[str, Any], label: str) -> dict[str, Any]:
    """A funded split order whose webhook Juspay delivers; returns the order."""
    order = funded_order(local, label)
    deliver_webhook(local, order["order_id"])
    return order


def balance(local: dict[str, Any], customer_id: str) -> str:
    answer = call(local, "GET", f"/wallets/{customer_id}")
    assert answer.status_code == 200, answer.text
    return str(answer.json()["balance"])


def dead_letters(local: dict[str, Any]) -> list[dict[str, Any]]:
    """The dead-letter queue's messages, read as a user would with any AWS client against the local AWS."""
    sqs = boto3.client("sqs", **local["aws"])
    url = local["outputs"]["resources"]["RuleTargetDeadLetterQueue"]["Ref"]
    messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1)
    return [json.loads(m["Body"]) for m in messages.get("Messages", [])]


def test_a_settlement_stuck_on_a_slow_juspay_call_delays_no_webhook(local: dict[str, Any]) -> None:
    sim = local["outputs"]["urls"]["juspay"]
    warm = fund_and_settle(local, "warm")  # the ingestion and settlement functions' first workers start
    others = [funded_order(local, f"other{i}") for i in range(4)]
    eventually(lambda: balance(local, warm["customer_id"]) == "90.00", timeout_s=60, what="the first debit")

    stuck = fund_and_settle_slowly(local, sim)
    # While settlement waits for Juspay (8 s), other webhooks are ingested at once (one lock for every
    # handler made each of them wait for it).
    took = [deliver_webhook(local, order["order_id"]) for order in others]
    assert max(took) < 4.0, took
    # The stuck settlement still finishes: its Order Status answer came, late.
    eventually(lambda: balance(local, stuck["customer_id"]) == "90.00", timeout_s=40, what="the late debit")
    for order in others:
        eventually(lambda o=order: balance(local, o["customer_id"]) == "90.00", timeout_s=60, what="a debit")


def fund_and_settle_slowly(local: dict[str, Any], sim: str) -> dict[str, Any]:
    order = split_order("stuck")
    slow = {"method": "GET", "path": f"/orders/{order['order_id']}", "delay_ms": 8000, "times": 1}
    assert requests.post(f"{sim}/__sim/faults", json=slow, timeout=10).status_code in (200, 201)
    credit = call(
        local,
        "POST",
        f"/wallets/{order['customer_id']}/credits",
        {"amount": "100.00", "currency": "INR", "idempotency_key": "fund-stuck"},
    )
    assert credit.status_code == 201, credit.text
    put_order(local, order)
    deliver_webhook(local, order["order_id"])

    def delaying() -> bool:
        # The simulator logs a call as it arrives, before the delay: settlement is waiting on it now.
        calls = requests.get(f"{sim}/__sim/requests", timeout=10).json()
        return any(c["method"] == "GET" and c["path"] == slow["path"] for c in calls)

    eventually(delaying, timeout_s=30, what="settlement waiting on the slow Order Status call")
    return order


def test_the_unmodified_template_settles_the_split_order(local: dict[str, Any]) -> None:
    order = fund_and_settle(local, "allowed")
    eventually(lambda: balance(local, order["customer_id"]) == "90.00", timeout_s=40, what="the debit")


@pytest.fixture(scope="module")
def restricted(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """The local stack built from a copy of template.yaml: SettleOrderFunction without its ledger
    statement, GetOrderFunction with a 3 s Timeout; Lambda's retry waits shortened."""
    directory = tmp_path_factory.mktemp("restricted")
    template = load_template()
    settle = template["Resources"]["SettleOrderFunction"]["Properties"]
    statements = settle["Policies"][0]["Statement"]
    kept = [s for s in statements if s.get("Sid") != "Ledger"]
    assert len(kept) == len(statements) - 1
    settle["Policies"][0]["Statement"] = kept
    template["Resources"]["GetOrderFunction"]["Properties"]["Timeout"] = 3
    path = directory / "template.json"  # JSON is YAML: the stack reads it like template.yaml
    path.write_text(json.dumps(template), encoding="utf-8")
    env = {"LOCAL_TEMPLATE": str(path), "LOCAL_ASYNC_RETRY_SECONDS": "0.5"}
    with running_local_stack(directory, env=env) as stack:
        yield stack


def test_without_its_ledger_permission_settlement_is_refused_access_and_dead_lettered(
    restricted: dict[str, Any],
) -> None:
    order = fund_and_settle(restricted, "denied")

    def letter() -> dict[str, Any] | None:
        found = [m for m in dead_letters(restricted) if order["order_id"] in json.dumps(m["event"])]
        return found[0] if found else None

    found = eventually(letter, timeout_s=60, what="the settlement's dead letter")
    assert found["function"].endswith("SettleOrderFunction")
    message = found["error"]["errorMessage"]
    assert "AccessDeniedException" in message
    ledger_arn = restricted["outputs"]["resources"]["LedgerTable"]["Arn"]
    assert f"on resource: {ledger_arn}" in message
    assert balance(restricted, order["customer_id"]) == "100.00"  # no money moved


def test_a_handler_running_past_its_timeout_fails_as_on_lambda(restricted: dict[str, Any]) -> None:
    sim = restricted["outputs"]["urls"]["juspay"]
    order = split_order("timeout")
    del order["customer_id"]  # a guest order: its id is the routing id the merchant API may use
    put_order(restricted, order)
    slow = {"method": "GET", "path": f"/orders/{order['order_id']}", "delay_ms": 8000, "times": 1}
    assert requests.post(f"{sim}/__sim/faults", json=slow, timeout=10).status_code in (200, 201)

    started = time.monotonic()
    answer = call(restricted, "GET", f"/orders/{order['order_id']}")
    took = time.monotonic() - started

    # API Gateway's answer to a function error; the function was ended at its 3 s Timeout, not at 8 s.
    assert answer.status_code == 502
    assert answer.json() == {"message": "Internal server error"}
    assert took < 7.5, took
    log = Path(restricted["log"]).read_text()
    assert "Task timed out after 3.00 seconds" in log
    # The next call gets a fresh execution environment and works.
    assert call(restricted, "GET", f"/orders/{order['order_id']}").status_code == 200
