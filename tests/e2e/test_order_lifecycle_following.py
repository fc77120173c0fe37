"""Issue 9, scenarios 3 and 4, on `make local` as a user meets it: signed HTTP to the merchant API, the Juspay
simulator's control API, the bus (the local event tap). ``LOCAL_TIME_SCALE=60`` makes the default schedule
(first wait 30 s, doubling) and the default 15-minute order expiry sixty times faster.

3. Attempt 1 fails (its follow ends), attempt 2 starts and becomes PARTIAL_CHARGED, its webhook is lost:
   the second attempt is followed (a new follow of the same order) and settled.
4. An order is signed and created at Juspay only later, with no webhook: the 404s before its expiry mean
   "not created yet", so it is followed until paid; an order never created ends ABANDONED (no failure event).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
import requests

from tests.e2e.support import call, eventually, running_local_stack

pytestmark = pytest.mark.e2e

TIME_SCALE = "60"


@pytest.fixture(scope="module")
def local(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """The local stack with a day of following compressed sixty times (LOCAL_TIME_SCALE)."""
    with running_local_stack(
        tmp_path_factory.mktemp("local-following"), env={"LOCAL_TIME_SCALE": TIME_SCALE}
    ) as stack:
        stack["bus"] = []
        yield stack


# --- what a user can see ------------------------------------------------------------------------------------
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


def events_for(local: dict[str, Any], order_id: str, detail_type: str) -> list[dict[str, Any]]:
    return [
        e for e in bus(local) if e["detail-type"] == detail_type and e["detail"].get("order_id") == order_id
    ]


def sim(local: dict[str, Any]) -> str:
    return str(local["outputs"]["urls"]["juspay"])


def put_order(local: dict[str, Any], body: dict[str, Any]) -> None:
    response = requests.put(f"{sim(local)}/__sim/orders/{body['order_id']}", json=body, timeout=10)
    assert response.ok, response.text


def deliver(local: dict[str, Any], order_id: str, event_name: str) -> None:
    delivery = requests.post(
        f"{sim(local)}/__sim/orders/{order_id}/webhook", json={"event_name": event_name}, timeout=60
    )
    assert delivery.status_code == 200, delivery.text


def status_polls(local: dict[str, Any], order_id: str) -> int:
    log = requests.get(f"{sim(local)}/__sim/requests", timeout=10).json()
    return sum(1 for e in log if e["method"] == "GET" and e["path"] == f"/orders/{order_id}")


def api(local: dict[str, Any], method: str, path: str, body: dict[str, Any] | None = None) -> Any:
    response = call(local, method, path, body)
    assert response.status_code in (200, 201), response.text
    return response.json()


def settlement_status(local: dict[str, Any], order_id: str, customer: str) -> str | None:
    # The customer is named: before the first webhook is recorded, nothing here knows it (x-routing-id).
    settlement = api(local, "GET", f"/orders/{order_id}?customer_id={customer}")["settlement"]
    return None if settlement is None else str(settlement["status"])


def split_order(
    order_id: str, customer: str, status: str, online_status: str, *, attempt: int = 1
) -> dict[str, Any]:
    """A 50.00 order of one attempt: 40.00 paid online (card), 10.00 from the in-house wallet."""

    def txn(part: int, method_type: str, method: str, txn_status: str, amount: int) -> dict[str, Any]:
        txn_id = f"paybridge_local-{order_id}-{attempt}-{part}"
        return {
            "txn_id": txn_id,
            "status": txn_status,
            "payment_method_type": method_type,
            "payment_method": method,
            "txn_detail": {
                "txn_id": txn_id,
                "status": txn_status,
                "txn_amount": amount,
                "net_amount": 50,
                "currency": "INR",
            },
        }

    return {
        "order_id": order_id,
        "customer_id": customer,
        "status": status,
        "amount": 50,
        "currency": "INR",
        "txn_list": [
            txn(1, "CARD", "VISA", online_status, 40),
            txn(2, "MERCHANT_CONTAINER", "MERCHANT_WALLET", "TO_BE_CHARGED", 10),
        ],
    }


def credit(local: dict[str, Any], customer: str, key: str) -> None:
    api(
        local,
        "POST",
        f"/wallets/{customer}/credits",
        {"amount": "100.00", "currency": "INR", "idempotency_key": key},
    )


def balance(local: dict[str, Any], customer: str) -> str:
    return str(api(local, "GET", f"/wallets/{customer}")["balance"])


# --- scenario 3 ---------------------------------------------------------------------------------------------
def test_a_second_attempt_after_a_failed_one_is_followed_and_settled_without_its_webhook(
    local: dict[str, Any],
) -> None:
    order_id, customer = "ordE2EFollow3", "cust_e2e_follow_3"
    credit(local, customer, "e2e-follow-3")

    # Attempt 1 starts (TXN_CREATED: followed), then fails (ORDER_FAILED: settled FAILED, its follow ends).
    put_order(local, split_order(order_id, customer, "PENDING_VBV", "PENDING_VBV"))
    deliver(local, order_id, "TXN_CREATED")
    put_order(local, split_order(order_id, customer, "AUTHENTICATION_FAILED", "AUTHENTICATION_FAILED"))
    deliver(local, order_id, "ORDER_FAILED")
    eventually(
        lambda: settlement_status(local, order_id, customer) == "FAILED", what="attempt 1 recorded as failed"
    )

    # Attempt 2 starts: Juspay says so with TXN_CREATED; the order is pending again.
    put_order(local, split_order(order_id, customer, "PENDING_VBV", "PENDING_VBV", attempt=2))
    polls_before = status_polls(local, order_id)
    deliver(local, order_id, "TXN_CREATED")
    eventually(
        lambda: status_polls(local, order_id) > polls_before + 1, what="attempt 2 to be followed (polled)"
    )

    # Attempt 2 succeeds; its ORDER_PARTIAL_CHARGED webhook is lost. Nothing but the follower can find it.
    put_order(local, split_order(order_id, customer, "PARTIAL_CHARGED", "CHARGED", attempt=2))
    eventually(lambda: balance(local, customer) == "90.00", what="the wallet share debited")
    eventually(lambda: settlement_status(local, order_id, customer) == "SETTLED", what="the order settled")

    assert [e["detail"]["resolved_by"] for e in events_for(local, order_id, "PendingOrderResolved")] == [
        "poll"
    ]
    assert events_for(local, order_id, "PendingOrderFailed") == []
    assert events_for(local, order_id, "OrderStale") == []
    time.sleep(1)  # a duplicate hand-over must not debit twice
    wallet = api(local, "GET", f"/wallets/{customer}")
    assert [(e["type"], e["amount"]) for e in wallet["entries"]] == [("DEBIT", "10.00"), ("CREDIT", "100.00")]


# --- scenario 4 ---------------------------------------------------------------------------------------------
def sign(local: dict[str, Any], order_id: str, customer: str) -> None:
    body = {"order_id": order_id, "amount": "50.00", "currency": "INR", "customer_id": customer}
    api(local, "POST", "/sdk/process", body)


def test_a_signed_order_created_later_without_webhooks_is_followed_until_paid(local: dict[str, Any]) -> None:
    order_id, customer = "ordE2EFollow4", "cust_e2e_follow_4"
    credit(local, customer, "e2e-follow-4")
    sign(local, order_id, customer)

    # The follower asks before the SDK created the order: Juspay answers 404. That is "not created yet".
    eventually(lambda: status_polls(local, order_id) >= 1, what="a poll before the order exists")
    put_order(local, split_order(order_id, customer, "NEW", "PENDING_VBV") | {"txn_list": []})
    eventually(lambda: status_polls(local, order_id) >= 3, what="the order followed once created")
    put_order(local, split_order(order_id, customer, "PARTIAL_CHARGED", "CHARGED"))

    eventually(lambda: balance(local, customer) == "90.00", what="the wallet share debited")
    eventually(lambda: settlement_status(local, order_id, customer) == "SETTLED", what="the order settled")
    assert events_for(local, order_id, "PendingOrderFailed") == []
    assert events_for(local, order_id, "OrderAbandoned") == []


def test_a_signed_order_never_created_is_abandoned_at_its_expiry_without_a_failure(
    local: dict[str, Any],
) -> None:
    order_id, customer = "ordE2EFollow4b", "cust_e2e_follow_4b"
    signed_at = time.monotonic()
    sign(local, order_id, customer)

    [abandoned] = eventually(
        lambda: events_for(local, order_id, "OrderAbandoned"), timeout_s=90, what="OrderAbandoned"
    )
    # The default expiry is 15 minutes: 15 s at LOCAL_TIME_SCALE=60; never before it.
    assert time.monotonic() - signed_at >= 14
    assert abandoned["source"] == "paybridge"
    assert abandoned["detail"]["status"] == "NOT_CREATED"
    assert abandoned["detail"]["customer_id"] == customer
    assert 1 <= abandoned["detail"]["polls"] <= 6
    # A poll task retried by the state machine (e.g. timed out on a loaded machine) asks Juspay again but
    # counts once: Juspay may have seen more requests than the follow counted, never fewer.
    assert status_polls(local, order_id) >= abandoned["detail"]["polls"]
    assert events_for(local, order_id, "PendingOrderFailed") == []
    assert events_for(local, order_id, "OrderStale") == []
