"""Issue 13, item 4 on `make local`: with `JuspayApiMode=encrypted`, a split order settles and an order refund
completes, every Order Status and refund call going through Juspay's encrypted (JWE/JWS) v4 API.

Spoken as a user: signed HTTP to the merchant API, the simulator's /__sim/ control API (its request log and
its log of decrypted v4 calls), the bus through the local event tap.
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
from tests.helpers import load_sample

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def local(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """`LOCAL_PARAMETER_OVERRIDES="JuspayApiMode=encrypted" make local`."""
    with running_local_stack(
        tmp_path_factory.mktemp("local-encrypted"), parameter_overrides="JuspayApiMode=encrypted"
    ) as stack:
        yield stack


def api(local: dict[str, Any], method: str, path: str, body: dict[str, Any] | None = None) -> Any:
    response = call(local, method, path, body)
    assert response.status_code in (200, 201), f"{method} {path}: {response.status_code} {response.text}"
    return response.json()


def sim_get(local: dict[str, Any], path: str) -> Any:
    response = requests.get(local["outputs"]["urls"]["juspay"] + path, timeout=10)
    response.raise_for_status()
    return response.json()


def events(local: dict[str, Any], order_id: str, seen: list[dict[str, Any]]) -> set[str]:
    """detail-types about ``order_id`` that reached the bus so far (``seen`` keeps what was read)."""
    sqs = boto3.client("sqs", **local["aws"])
    url = local["outputs"]["resources"]["LocalEventTap"]["Ref"]
    while messages := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
        for message in messages:
            seen.append(json.loads(message["Body"]))
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    return {e["detail-type"] for e in seen if e["detail"].get("order_id") == order_id}


def test_a_split_order_settles_and_its_refund_completes_over_the_encrypted_api(local: dict[str, Any]) -> None:
    sim = local["outputs"]["urls"]["juspay"]
    order = load_sample("order_status_split_partial_charged_custom_wallet.json")
    order_id = f"e2eJwe{int(time.time() * 1000) % 10**9}"
    customer = f"cust-{order_id}"
    order["order_id"], order["customer_id"] = order_id, customer
    for part, txn in enumerate(order["txn_list"], start=1):
        txn["txn_id"] = txn["txn_detail"]["txn_id"] = f"m-{order_id}-1-{part}"
        txn["txn_detail"]["order_id"] = order_id
    seen: list[dict[str, Any]] = []

    # Paid: 40.00 by card, 10.00 from the wallet; Juspay's ORDER_PARTIAL_CHARGED webhook arrives.
    api(
        local,
        "POST",
        f"/wallets/{customer}/credits",
        {"amount": "100.00", "currency": "INR", "idempotency_key": "s"},
    )
    assert requests.put(f"{sim}/__sim/orders/{order_id}", json=order, timeout=10).status_code == 200
    delivery = requests.post(
        f"{sim}/__sim/orders/{order_id}/webhook", json={"event_name": "ORDER_PARTIAL_CHARGED"}, timeout=60
    )
    assert delivery.json()["delivered"], delivery.text
    eventually(
        lambda: api(local, "GET", f"/wallets/{customer}")["balance"] == "90.00",
        what="the wallet share debited",
    )
    assert api(local, "GET", f"/orders/{order_id}")["settlement"]["status"] == "SETTLED"

    # The merchant refunds the order's online part; Juspay accepts it (PENDING), then settles it SUCCESS.
    refund = api(local, "POST", f"/orders/{order_id}/refunds", {"amount": "40.00", "idempotency_key": "all"})
    assert refund["status"] == "PENDING"
    uid = refund["unique_request_id"]
    assert (
        requests.post(f"{sim}/__sim/refunds/{uid}", json={"status": "SUCCESS"}, timeout=10).status_code == 200
    )
    delivery = requests.post(
        f"{sim}/__sim/orders/{order_id}/webhook", json={"event_name": "ORDER_REFUNDED"}, timeout=60
    )
    assert delivery.json()["delivered"], delivery.text
    eventually(
        lambda: (
            {"RefundSucceeded", "WalletShareReversed"} <= events(local, order_id, seen)
            and api(local, "GET", f"/wallets/{customer}")["balance"] == "100.00"
        ),
        what="the refund SUCCESS and the wallet share back",
    )
    assert "OrderSettled" in events(local, order_id, seen)

    # Every Order Status and the refund went through the v4 API, none through the plain one.
    log = [(r["method"], r["path"]) for r in sim_get(local, "/__sim/requests")]
    assert ("GET", f"/orders/{order_id}") not in log
    assert ("POST", f"/orders/{order_id}/refunds") not in log
    assert ("POST", f"/v4/orders/{order_id}/refunds") in log
    decrypted = [c for c in sim_get(local, "/__sim/jwe/calls") if order_id in c["inner_path"]]
    assert {c["key_id"] for c in decrypted} == {"local-jwt-key"}
    assert {c["status"] for c in decrypted} == {200}
    inner = [(c["path"], c["inner_path"]) for c in decrypted]
    # Settlement confirmed with Order Status; the refund was made; refund tracking confirmed it.
    assert inner.count(("/v4/order-status", f"/orders/{order_id}")) >= 2
    assert inner.count(("/v4/orders/" + order_id + "/refunds", f"/orders/{order_id}/refunds")) == 1
    statuses = [r for r in log if r == ("POST", "/v4/order-status")]
    assert len(statuses) >= inner.count(("/v4/order-status", f"/orders/{order_id}"))
