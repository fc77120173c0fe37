"""Issue 9, scenario 7: a refund's webhook is lost (or never enabled). On `make local` with a compressed clock
(LOCAL_TIME_SCALE), a split order is paid and settled, the merchant refunds the online transaction in full
over the API, and Juspay (the simulator) settles the refund without sending any webhook. The product must
find out by itself: the refund ends SUCCESS and the wallet share comes back, once.

Only what a user has: signed HTTP to the merchant API, the simulator's /__sim/ control API, the event tap.
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

#: rate(5 minutes) / 60: the refund sweep runs every 5 s; a refund's first re-check comes 1 s after a check.
TIME_SCALE = "60"


@pytest.fixture(scope="module")
def local(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """The local stack as a user would start it: `LOCAL_TIME_SCALE=60 make local`."""
    with running_local_stack(
        tmp_path_factory.mktemp("local-refunds"), env={"LOCAL_TIME_SCALE": TIME_SCALE}
    ) as stack:
        yield stack


@pytest.fixture
def split_order() -> dict[str, Any]:
    """Juspay's split-order sample (40.00 by card, 10.00 from the in-house wallet) under fresh ids."""
    order = load_sample("order_status_split_partial_charged_custom_wallet.json")
    order_id = f"e2eRf{int(time.time() * 1000)}"
    order["order_id"] = order_id
    order["customer_id"] = f"e2e-cust-{order_id}"
    for index, txn in enumerate(order["txn_list"], start=1):
        txn["txn_id"] = txn["txn_detail"]["txn_id"] = f"{order_id}-{index}"
        txn["txn_detail"]["order_id"] = order_id
    assert isinstance(order, dict)
    return order


def api(local: dict[str, Any], method: str, path: str, body: dict[str, Any] | None = None) -> Any:
    response = call(local, method, path, body)
    assert response.status_code in (200, 201), f"{method} {path}: {response.status_code} {response.text}"
    return response.json()


def tap(local: dict[str, Any]) -> list[dict[str, Any]]:
    """Every event that reached the bus since the last read (the local event tap)."""
    sqs = boto3.client("sqs", **local["aws"])
    url = local["outputs"]["resources"]["LocalEventTap"]["Ref"]
    found = []
    while True:
        messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=0).get(
            "Messages", []
        )
        if not messages:
            return found
        for message in messages:
            found.append(json.loads(message["Body"]))
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])


def test_a_refund_whose_webhook_never_comes_succeeds_and_returns_the_wallet_share(
    local: dict[str, Any], split_order: dict[str, Any]
) -> None:
    sim = local["outputs"]["urls"]["juspay"]
    order_id, customer = split_order["order_id"], split_order["customer_id"]
    online, wallet_part = split_order["txn_list"]
    assert (online["payment_method_type"], wallet_part["payment_method_type"]) == (
        "CARD",
        "MERCHANT_CONTAINER",
    )

    # Paid: 40.00 by card, 10.00 from a 100.00 wallet, settled from Juspay's ORDER_PARTIAL_CHARGED webhook.
    api(
        local,
        "POST",
        f"/wallets/{customer}/credits",
        {"amount": "100.00", "currency": "INR", "idempotency_key": "t"},
    )
    assert requests.put(f"{sim}/__sim/orders/{order_id}", json=split_order, timeout=10).status_code in (
        200,
        201,
    )
    delivery = requests.post(
        f"{sim}/__sim/orders/{order_id}/webhook", json={"event_name": "ORDER_PARTIAL_CHARGED"}, timeout=60
    )
    assert delivery.status_code == 200, delivery.text
    eventually(
        lambda: api(local, "GET", f"/wallets/{customer}")["balance"] == "90.00",
        what="the wallet share debited",
        timeout_s=30,
    )

    # The merchant refunds the whole online transaction; Juspay accepts it (PENDING).
    refund = api(
        local,
        "POST",
        f"/orders/{order_id}/refunds",
        {"amount": "40.00", "currency": "INR", "idempotency_key": "return-1", "txn_id": online["txn_id"]},
    )
    assert refund["status"] == "PENDING"
    uid = refund["unique_request_id"]

    # Juspay settles it and sends no webhook (lost, or never enabled in the dashboard).
    settled = requests.post(f"{sim}/__sim/refunds/{uid}", json={"status": "SUCCESS"}, timeout=10)
    assert settled.status_code == 200, settled.text

    events: list[dict[str, Any]] = []

    def refund_succeeded_and_share_back() -> bool:
        events.extend(e for e in tap(local) if e["detail"].get("order_id") == order_id)
        kinds = {e["detail-type"] for e in events}
        balance = api(local, "GET", f"/wallets/{customer}")["balance"]
        return {"RefundSucceeded", "WalletShareReversed"} <= kinds and balance == "100.00"

    eventually(
        refund_succeeded_and_share_back, what="the refund found SUCCESS without a webhook", timeout_s=60
    )

    # No refund webhook was ever sent: the product found out by itself.
    deliveries = requests.get(f"{sim}/__sim/webhooks", timeout=10).json()
    assert [d["event_name"] for d in deliveries if d.get("order_id") == order_id] == ["ORDER_PARTIAL_CHARGED"]
    [succeeded] = [e for e in events if e["detail-type"] == "RefundSucceeded"]
    assert (succeeded["detail"]["unique_request_id"], succeeded["detail"]["amount"]) == (uid, "40.00")
    [reversed_share] = [e for e in events if e["detail-type"] == "WalletShareReversed"]
    assert (reversed_share["detail"]["amount"], reversed_share["detail"]["customer_id"]) == (
        "10.00",
        customer,
    )

    # Later sweeps change nothing: the share came back once, and the refund is not called again.
    time.sleep(12)  # two more sweep periods
    events.extend(e for e in tap(local) if e["detail"].get("order_id") == order_id)
    assert sum(e["detail-type"] == "WalletShareReversed" for e in events) == 1
    wallet = api(local, "GET", f"/wallets/{customer}")
    assert wallet["balance"] == "100.00"
    assert [e["type"] for e in wallet["entries"]].count("REVERSAL") == 1
    refund_posts = [
        r for r in requests.get(f"{sim}/__sim/requests", timeout=10).json() if r["path"] == "/refunds"
    ]
    assert [
        r["form"]["unique_request_id"] for r in refund_posts if r["form"].get("txn_id") == online["txn_id"]
    ] == [uid]
