"""Issue 13, recurring mandate debits, on `make local` as a user meets it: signed HTTP to the merchant API,
the Juspay simulator's control API, the bus (the local event tap).

``LOCAL_TIME_SCALE=60`` with ``MandateNotificationWindowSeconds=300`` makes the notification window 5 s and
the pending-order follower's first poll 1 s after the execution.

1. A mandate registered at Juspay (the simulator), listed through the API; a pre-debit notification sent
   (and repeated: the same notification); an execution inside the window refused with 409
   ``notification_window``; executed after it; its webhook lost, the follower settles it:
   ``MandateDebitSucceeded``. A second execute for the cycle answers the first's result, and Juspay saw one
   execution only.
2. A debit Juspay fails, its webhook delivered: ``MandateDebitFailed``.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import boto3
import pytest
import requests

from tests.e2e.support import call, eventually, running_local_stack

pytestmark = pytest.mark.e2e

CUSTOMER = "cust_debits_1"
MANDATE = "mnd_debits_1"


@pytest.fixture(scope="module")
def local(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """The local stack with a 5-second notification window and following sixty times faster."""
    with running_local_stack(
        tmp_path_factory.mktemp("local-mandate-debits"),
        parameter_overrides="MandateNotificationWindowSeconds=300",
        env={"LOCAL_TIME_SCALE": "60"},
    ) as stack:
        stack["bus"] = []
        sim = stack["outputs"]["urls"]["juspay"]
        registered = requests.put(
            f"{sim}/__sim/mandates/{MANDATE}",
            json={"status": "ACTIVE", "customer_id": CUSTOMER, "max_amount": 1000, "currency": "INR"},
            timeout=10,
        )
        assert registered.ok, registered.text
        listed = call(stack, "GET", f"/customers/{CUSTOMER}/mandates")
        assert listed.status_code == 200, listed.text
        assert [m["mandate_id"] for m in listed.json()["mandates"]] == [MANDATE]
        yield stack


def bus(local: dict[str, Any]) -> list[dict[str, Any]]:
    """Every event that reached the bus so far (the local event tap, drained into the module's list)."""
    sqs = boto3.client("sqs", **local["aws"])
    url = local["outputs"]["resources"]["LocalEventTap"]["Ref"]
    seen: list[dict[str, Any]] = local["bus"]
    while messages := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
        for message in messages:
            seen.append(json.loads(message["Body"]))
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    return seen


def debit_events(local: dict[str, Any], detail_type: str, cycle: str) -> list[dict[str, Any]]:
    return [
        e
        for e in bus(local)
        if e["detail-type"] == detail_type
        and e["detail"].get("mandate_id") == MANDATE
        and e["detail"].get("cycle") == cycle
    ]


def sim(local: dict[str, Any]) -> str:
    return str(local["outputs"]["urls"]["juspay"])


def notify(local: dict[str, Any], cycle: str, amount: str = "499.00") -> requests.Response:
    return call(local, "POST", f"/mandates/{MANDATE}/notifications", {"cycle": cycle, "amount": amount})


def execute(local: dict[str, Any], cycle: str) -> requests.Response:
    return call(local, "POST", f"/mandates/{MANDATE}/debits", {"cycle": cycle})


def wait_for_window(debit: dict[str, Any]) -> None:
    remaining = datetime.fromisoformat(debit["debit_after"]).timestamp() - time.time()
    time.sleep(max(0.0, remaining) + 0.5)


def executions_seen_by_juspay(local: dict[str, Any], order_id: str) -> int:
    log = requests.get(f"{sim(local)}/__sim/requests", timeout=10).json()
    return sum(1 for e in log if e["path"] == "/txns" and e["form"].get("order.order_id") == order_id)


def test_a_recurring_debit_whose_webhook_is_lost_is_settled_by_the_follower(local: dict[str, Any]) -> None:
    cycle = "2026-12"
    first = notify(local, cycle)
    assert first.status_code == 201, first.text
    notified = first.json()
    assert (notified["status"], notified["notification_status"], notified["amount"]) == (
        "NOTIFIED",
        "SUCCESS",
        "499.00",
    )
    again = notify(local, cycle)
    assert again.status_code == 200
    assert again.json()["notification_id"] == notified["notification_id"], "one notification per cycle"
    assert notify(local, cycle, amount="500.00").status_code == 409

    early = execute(local, cycle)
    assert early.status_code == 409, early.text
    assert early.json()["details"]["rule"] == "notification_window"
    assert early.json()["details"]["debit_after"] == notified["debit_after"]

    # Juspay reports the notification delivered to the customer (NOTIFICATION_SUCCEEDED reaches the bus).
    delivered = requests.post(
        f"{sim(local)}/__sim/notifications/{notified['notification_id']}", json={}, timeout=30
    )
    assert delivered.json()["delivery"]["delivered"] is True

    wait_for_window(notified)
    executed = execute(local, cycle)
    assert executed.status_code == 201, executed.text
    debit = executed.json()
    assert (debit["status"], debit["juspay_status"]) == ("PENDING", "PENDING_VBV")
    order_id = debit["order_id"]

    # The debit succeeds at Juspay, and its ORDER_SUCCEEDED webhook is lost.
    lost = requests.post(
        f"{sim(local)}/__sim/mandate-executions/{order_id}",
        json={"status": "CHARGED", "deliver": False},
        timeout=10,
    )
    assert lost.ok, lost.text
    assert lost.json()["delivery"] is None

    succeeded = eventually(
        lambda: debit_events(local, "MandateDebitSucceeded", cycle),
        timeout_s=90,
        what="MandateDebitSucceeded",
    )
    detail = succeeded[0]["detail"]
    assert (detail["order_id"], detail["amount"], detail["customer_id"]) == (order_id, "499.00", CUSTOMER)
    assert detail["resolved_by"] == "poll", "settled by the pending-order follower, not a webhook"
    assert any(e["detail-type"] == "NOTIFICATION_SUCCEEDED" for e in bus(local)), (
        "the notification's webhook reached the bus"
    )

    repeat = execute(local, cycle)
    assert repeat.status_code == 200, repeat.text
    assert repeat.json()["order_id"] == order_id
    assert repeat.json()["status"] == "SUCCEEDED"
    assert executions_seen_by_juspay(local, order_id) == 1, "the cycle is executed at Juspay once"
    looked = call(local, "GET", f"/mandates/{MANDATE}/debits/{cycle}")
    assert looked.status_code == 200, looked.text
    assert looked.json() == repeat.json()
    assert call(local, "GET", f"/mandates/{MANDATE}/debits/never").status_code == 404
    assert len(debit_events(local, "MandateDebitSucceeded", cycle)) == 1


def test_a_failed_debit_publishes_mandate_debit_failed(local: dict[str, Any]) -> None:
    cycle = "2027-01"
    notified = notify(local, cycle, amount="250.50")
    assert notified.status_code == 201, notified.text
    wait_for_window(notified.json())
    executed = execute(local, cycle)
    assert executed.status_code == 201, executed.text
    order_id = executed.json()["order_id"]
    failed = requests.post(
        f"{sim(local)}/__sim/mandate-executions/{order_id}",
        json={"status": "AUTHORIZATION_FAILED"},
        timeout=60,
    )
    assert failed.json()["delivery"]["delivered"] is True, failed.text

    events = eventually(
        lambda: debit_events(local, "MandateDebitFailed", cycle), timeout_s=90, what="MandateDebitFailed"
    )
    detail = events[0]["detail"]
    assert (detail["status"], detail["juspay_status"], detail["amount"]) == (
        "FAILED",
        "AUTHORIZATION_FAILED",
        "250.50",
    )
    assert detail["error_code"] == "JP_801"
    assert execute(local, cycle).json()["status"] == "FAILED"
    assert not debit_events(local, "MandateDebitSucceeded", cycle)
