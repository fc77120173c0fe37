"""Issue 9, scenarios 1, 2 and 6 on `make local`, spoken as a user: signed HTTP to the merchant API, the
simulator's control API playing Juspay (orders with several attempts, dashboard and auto refunds, faults,
webhooks), and the bus through the local event tap."""

from __future__ import annotations

import json
import time
from typing import Any

import boto3
import pytest
import requests

from tests.e2e.support import call, eventually
from tests.helpers import load_sample

pytestmark = pytest.mark.e2e

MERCHANT = "neeraj_juspay_prod"


class Shop:
    """One order's world: its customer's wallet, Juspay's view of the order, and what reached the bus."""

    def __init__(self, local: dict[str, Any], name: str) -> None:
        self.local = local
        self.sim = local["outputs"]["urls"]["juspay"]
        self.order_id = f"e2e{name}{int(time.time() * 1000) % 10**9}"
        self.customer = f"cust-{self.order_id}"
        self.order = load_sample("order_status_split_partial_charged_custom_wallet.json")
        self.order["order_id"], self.order["customer_id"] = self.order_id, self.customer
        for part, txn in enumerate(self.order["txn_list"], start=1):
            txn["txn_id"] = txn["txn_detail"]["txn_id"] = self.txn_id(3, part)
            txn["txn_detail"]["order_id"] = self.order_id

    def txn_id(self, attempt: int, part: int) -> str:
        return f"{MERCHANT}-{self.order_id}-{attempt}-{part}"

    def fund(self, amount: str = "100.00") -> None:
        body = {"amount": amount, "currency": "INR", "idempotency_key": f"seed-{self.order_id}"}
        response = call(self.local, "POST", f"/wallets/{self.customer}/credits", body)
        assert response.status_code == 201, response.text

    def put(self) -> None:
        response = requests.put(f"{self.sim}/__sim/orders/{self.order_id}", json=self.order, timeout=10)
        assert response.status_code == 200, response.text

    def webhook(self, event_name: str) -> None:
        url = f"{self.sim}/__sim/orders/{self.order_id}/webhook"
        delivery = requests.post(url, json={"event_name": event_name}, timeout=60)
        assert delivery.status_code == 200, delivery.text
        assert delivery.json()["delivered"], delivery.text

    def refund(self, amount: str, txn_id: str, **extra: Any) -> None:
        """A refund made in Juspay's dashboard (or by Juspay itself): listed without txn_id, as Juspay does"""
        body = {"amount": amount, "txn_id": txn_id, **extra}
        response = requests.post(f"{self.sim}/__sim/orders/{self.order_id}/refunds", json=body, timeout=10)
        assert response.status_code == 201, response.text

    def wallet(self) -> dict[str, Any]:
        response = call(self.local, "GET", f"/wallets/{self.customer}")
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    def balance_becomes(self, balance: str) -> dict[str, Any]:
        wallet: dict[str, Any] = eventually(
            lambda: (w := self.wallet())["balance"] == balance and w, timeout_s=60, what=f"balance {balance}"
        )
        return wallet

    def settlement(self) -> dict[str, Any] | None:
        # The customer is named: before the first webhook is recorded, nothing here knows it (x-routing-id).
        response = call(self.local, "GET", f"/orders/{self.order_id}?customer_id={self.customer}")
        assert response.status_code == 200, response.text
        settlement: dict[str, Any] | None = response.json()["settlement"]
        return settlement

    def settlement_becomes(self, status: str) -> dict[str, Any]:
        found: dict[str, Any] = eventually(
            lambda: (s := self.settlement()) is not None and s["status"] == status and s,
            timeout_s=60,
            what=f"settlement {status}",
        )
        return found

    def status_reads(self) -> int:
        log = requests.get(f"{self.sim}/__sim/requests", timeout=10).json()
        return sum(1 for r in log if r["method"] == "GET" and r["path"] == f"/orders/{self.order_id}")

    def status_reads_settle(self, *, at_least: int, quiet_s: float = 8.0) -> int:
        """Waits for ``at_least`` Order Status calls for the order, then ``quiet_s`` without another."""
        deadline = time.monotonic() + 120
        seen, since = -1, time.monotonic()
        while time.monotonic() < deadline:
            count = self.status_reads()
            if count != seen:
                seen, since = count, time.monotonic()
            elif count >= at_least and time.monotonic() - since >= quiet_s:
                return count
            time.sleep(0.25)
        raise AssertionError(f"Order Status calls never settled (last count {seen})")

    def entries(self) -> list[tuple[str, str, str]]:
        return [(e["type"], e["amount"], e["reference"]) for e in self.wallet()["entries"]]


_TAPPED: list[dict[str, Any]] = []


def bus(local: dict[str, Any], order_id: str) -> list[tuple[str, str]]:
    """(source, detail-type) of every event about ``order_id`` that reached the bus so far."""
    sqs = boto3.client("sqs", **local["aws"])
    url = local["outputs"]["resources"]["LocalEventTap"]["Ref"]
    while messages := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
        for message in messages:
            _TAPPED.append(json.loads(message["Body"]))
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    return [(e["source"], e["detail-type"]) for e in _TAPPED if e["detail"].get("order_id") == order_id]


# ---- scenario 1 ------------------------------------------------------------------------------------------
def test_refund_processed_before_a_delayed_settlement_leaves_the_wallet_share_with_the_customer(
    local: dict[str, Any],
) -> None:
    shop = Shop(local, "s1a")
    shop.fund()
    shop.put()
    # Juspay answers 503 to every Order Status call until settlement's Lambda attempts (and the client's
    # retries inside each) are used up: the ORDER_PARTIAL_CHARGED event ends in the dead-letter queue.
    fault = {"method": "GET", "path": f"/orders/{shop.order_id}", "status": 503, "times": 1000}
    assert requests.post(f"{shop.sim}/__sim/faults", json=fault, timeout=10).status_code == 201
    shop.webhook("ORDER_PARTIAL_CHARGED")
    shop.status_reads_settle(at_least=3)
    assert requests.delete(f"{shop.sim}/__sim/faults", timeout=10).status_code == 200
    time.sleep(1)
    assert shop.settlement_becomes("RECEIVED")["wallet_amount"] is None
    assert shop.wallet()["balance"] == "100.00"

    # Meanwhile the online part is refunded in full (Juspay's dashboard); ORDER_REFUNDED is processed first.
    shop.refund("40", shop.txn_id(3, 1))
    shop.webhook("ORDER_REFUNDED")
    refunded = shop.settlement_becomes("REFUNDED")
    assert refunded["online_txn_id"] == shop.txn_id(3, 1)

    # The delayed settlement event comes back (redrive, or Juspay's resend): it must not debit now.
    shop.webhook("ORDER_PARTIAL_CHARGED")
    time.sleep(3)  # settlement is asynchronous: give a debit every chance to happen (REFUNDED is final)
    assert shop.wallet()["balance"] == "100.00"
    assert [t for t, _, _ in shop.entries()] == ["CREDIT"]
    assert shop.settlement_becomes("REFUNDED")
    assert ("paybridge", "OrderRefunded") in bus(local, shop.order_id)
    assert ("paybridge", "OrderSettled") not in bus(local, shop.order_id)


def test_refund_after_settlement_gives_the_wallet_share_back_once(local: dict[str, Any]) -> None:
    shop = Shop(local, "s1b")
    shop.fund()
    shop.put()
    shop.webhook("ORDER_PARTIAL_CHARGED")
    shop.balance_becomes("90.00")

    shop.refund("40", shop.txn_id(3, 1))
    shop.webhook("ORDER_REFUNDED")
    shop.webhook("ORDER_REFUNDED")  # a duplicate with a new event id gives nothing more back

    shop.balance_becomes("100.00")
    time.sleep(2)
    assert shop.entries() == [
        ("REVERSAL", "10.00", shop.txn_id(3, 2)),
        ("DEBIT", "10.00", shop.txn_id(3, 2)),
        ("CREDIT", "100.00", f"seed-{shop.order_id}"),
    ]
    assert bus(local, shop.order_id).count(("paybridge", "WalletShareReversed")) == 1


# ---- scenario 2 ------------------------------------------------------------------------------------------
def test_an_auto_refund_of_a_superseded_attempt_leaves_the_wallet_debit_standing(
    local: dict[str, Any],
) -> None:
    shop = Shop(local, "s2")
    shop.fund()
    shop.put()
    shop.webhook("ORDER_PARTIAL_CHARGED")
    shop.balance_becomes("90.00")

    # Attempt 2 was charged late, after attempt 3 succeeded; Juspay auto-refunds it (no txn_id on the refund).
    superseded = json.loads(json.dumps(shop.order["txn_list"][0]))
    superseded["txn_id"] = superseded["txn_detail"]["txn_id"] = shop.txn_id(2, 1)
    superseded["status"] = superseded["txn_detail"]["status"] = "AUTO_REFUNDED"
    shop.order["txn_list"].insert(0, superseded)
    shop.put()
    shop.refund("40", shop.txn_id(2, 1), initiated_by="AUTO_REFUNDED")
    reads = shop.status_reads()
    shop.webhook("AUTO_REFUND_SUCCEEDED")
    eventually(lambda: shop.status_reads() > reads or None, what="refund tracking to read the order")
    time.sleep(2)
    assert shop.wallet()["balance"] == "90.00"
    assert ("paybridge", "WalletShareReversed") not in bus(local, shop.order_id)

    # A refund of the settled online transaction itself, in full, does give the share back.
    shop.refund("40", shop.txn_id(3, 1))
    shop.webhook("ORDER_REFUNDED")
    shop.balance_becomes("100.00")


# ---- scenario 6 ------------------------------------------------------------------------------------------
def test_an_earlier_failed_attempts_wallet_entry_does_not_stop_the_settlement(local: dict[str, Any]) -> None:
    shop = Shop(local, "s6")
    failed_wallet_entry = json.loads(json.dumps(shop.order["txn_list"][1]))
    failed_wallet_entry["txn_id"] = failed_wallet_entry["txn_detail"]["txn_id"] = shop.txn_id(1, 2)
    failed_wallet_entry["txn_detail"]["created"] = "2023-05-17T10:20:01Z"
    shop.order["txn_list"].insert(0, failed_wallet_entry)
    shop.fund()
    shop.put()

    shop.webhook("ORDER_PARTIAL_CHARGED")

    wallet = shop.balance_becomes("90.00")
    newest = wallet["entries"][0]
    assert (newest["type"], newest["reference"]) == ("DEBIT", shop.txn_id(3, 2))
    settled = shop.settlement_becomes("SETTLED")
    assert (settled["wallet_txn_id"], settled["online_txn_id"]) == (shop.txn_id(3, 2), shop.txn_id(3, 1))


# ---- explicit returns ------------------------------------------------------------------------------------
def test_explicit_returns_and_the_credit_back_never_exceed_the_debit(local: dict[str, Any]) -> None:
    shop = Shop(local, "ret")
    shop.fund()
    shop.put()
    shop.webhook("ORDER_PARTIAL_CHARGED")
    shop.balance_becomes("90.00")
    path = f"/orders/{shop.order_id}/wallet-returns"

    first = call(local, "POST", path, {"amount": "4.00", "idempotency_key": "r-1", "reason": "goodwill"})
    again = call(local, "POST", path, {"amount": "4.00", "idempotency_key": "r-1", "reason": "goodwill"})
    other = call(local, "POST", path, {"amount": "5.00", "idempotency_key": "r-1"})
    too_much = call(local, "POST", path, {"amount": "6.01", "idempotency_key": "r-2"})
    unknown = call(
        local, "POST", "/orders/nosuchorder1/wallet-returns", {"amount": "1", "idempotency_key": "k"}
    )

    assert (first.status_code, first.json()["returnable_amount"]) == (201, "6.00"), first.text
    assert (again.status_code, again.json()["entry"]) == (200, first.json()["entry"])
    assert (other.status_code, too_much.status_code, unknown.status_code) == (409, 409, 404)
    assert shop.wallet()["balance"] == "94.00"

    shop.refund("40", shop.txn_id(3, 1))
    shop.webhook("ORDER_REFUNDED")
    shop.balance_becomes("100.00")  # the remainder only: 6.00
    time.sleep(1)
    assert [(t, a) for t, a, _ in shop.entries()][:2] == [("REVERSAL", "6.00"), ("REVERSAL", "4.00")]
    late = call(local, "POST", path, {"amount": "0.01", "idempotency_key": "r-3"})
    assert late.status_code == 409


def test_an_order_refund_through_the_merchant_api_gives_the_share_back_when_it_succeeds(
    local: dict[str, Any],
) -> None:
    shop = Shop(local, "api")
    shop.fund()
    shop.put()
    shop.webhook("ORDER_PARTIAL_CHARGED")
    shop.balance_becomes("90.00")

    asked = call(
        local, "POST", f"/orders/{shop.order_id}/refunds", {"amount": "40.00", "idempotency_key": "all"}
    )
    assert asked.status_code == 201, asked.text
    uid = asked.json()["unique_request_id"]
    shop.webhook("ORDER_REFUNDED")  # still PENDING at Juspay: nothing goes back yet
    time.sleep(2)
    assert shop.wallet()["balance"] == "90.00"

    settled = requests.post(f"{shop.sim}/__sim/refunds/{uid}", json={"status": "SUCCESS"}, timeout=10)
    assert settled.status_code == 200, settled.text
    shop.webhook("ORDER_REFUNDED")
    shop.balance_becomes("100.00")
