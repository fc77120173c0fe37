"""Issue 9, scenarios 5 and 8 on `make local`, spoken like a user: signed HTTP to the merchant API and the
Juspay simulator's control API only.

5: an order signed for 40.00 and updated to 50.00 through the API settles when the customer pays card 40 +
   wallet 10 (it was a MISMATCH: online money taken, wallet never debited); an update that cannot keep the
   signed terms consistent is a 409 naming the rule, and Juspay's Update Order is never called.
8: every Juspay call the system makes for an order or a mandate carries the customer id in x-routing-id (the
   order id only for a guest order). The suite also fails any test whose calls the simulator judged wrong.
"""

from __future__ import annotations

import copy
import itertools
import json
import time
from decimal import Decimal
from typing import Any

import pytest
import requests

from tests.e2e.support import call, eventually
from tests.helpers import load_sample

pytestmark = pytest.mark.e2e

SPLIT = "order_status_split_partial_charged_custom_wallet.json"
_ids = itertools.count()


def new_ids(prefix: str) -> tuple[str, str]:
    """An order id (alphanumeric, under 21 characters, as the SDK requires) and a customer id."""
    stamp = f"{int(time.time() * 1000) % 10**11}{next(_ids)}"
    return f"{prefix}{stamp}", f"cust{prefix}{stamp}"


def sim_url(local: dict[str, Any]) -> str:
    return str(local["outputs"]["urls"]["juspay"])


def split_order(order_id: str, customer_id: str, *, status: str = "PARTIAL_CHARGED") -> dict[str, Any]:
    """Juspay's split sample (card 40 + wallet 10 = 50) with this order's ids."""
    order = load_sample(SPLIT)
    order.update({"order_id": order_id, "customer_id": customer_id, "status": status})
    for index, txn in enumerate(order["txn_list"], start=1):
        txn_id = f"{order_id}-1-{index}"
        txn["txn_id"] = txn["txn_detail"]["txn_id"] = txn_id
        txn["txn_detail"]["order_id"] = order_id
    return order


def opened(order_id: str, customer_id: str, amount: int) -> dict[str, Any]:
    """The order as Juspay holds it once the SDK opened the payment page: NEW, no transaction yet."""
    order = split_order(order_id, customer_id, status="NEW")
    del order["txn_list"]
    order["amount"] = amount
    return order


def put_order(local: dict[str, Any], order: dict[str, Any]) -> None:
    response = requests.put(f"{sim_url(local)}/__sim/orders/{order['order_id']}", json=order, timeout=10)
    assert response.status_code == 200, response.text


def juspay_requests(local: dict[str, Any], path: str | None = None) -> list[dict[str, Any]]:
    log = requests.get(f"{sim_url(local)}/__sim/requests", timeout=10).json()
    return [r for r in log if path is None or r["path"] == path]


def sign(local: dict[str, Any], order_id: str, customer_id: str, amount: str) -> dict[str, Any]:
    response = call(
        local, "POST", "/sdk/process", {"order_id": order_id, "amount": amount, "customer_id": customer_id}
    )
    assert response.status_code == 200, response.text
    details: dict[str, Any] = json.loads(response.json()["payload"]["orderDetails"])
    return details


def credit(local: dict[str, Any], customer_id: str, amount: str) -> None:
    body = {"amount": amount, "currency": "INR", "idempotency_key": f"e2e-{customer_id}"}
    response = call(local, "POST", f"/wallets/{customer_id}/credits", body)
    assert response.status_code == 201, response.text


def settlement(local: dict[str, Any], order_id: str) -> dict[str, Any] | None:
    response = call(local, "GET", f"/orders/{order_id}")
    assert response.status_code == 200, response.text
    found: dict[str, Any] | None = response.json()["settlement"]
    return found


def deliver(local: dict[str, Any], order_id: str, event_name: str) -> None:
    response = requests.post(
        f"{sim_url(local)}/__sim/orders/{order_id}/webhook", json={"event_name": event_name}, timeout=60
    )
    assert response.status_code == 200, response.text
    assert response.json()["delivered"] is True


# --- Scenario 5 --------------------------------------------------------------------------------------------
def test_signed_order_updated_through_the_api_settles_with_the_new_amount(local: dict[str, Any]) -> None:
    order_id, customer = new_ids("upd")
    credit(local, customer, "10.00")
    details = sign(local, order_id, customer, "40.00")
    offer = json.loads(details["metadata.merchant_container_list"], parse_float=Decimal)
    assert [o["eligible_amount"] for o in offer] == [Decimal("10.00")]  # the wallet may pay 10 of 40
    put_order(local, opened(order_id, customer, 40))

    updated = call(local, "POST", f"/orders/{order_id}", {"amount": "50.00"})

    assert updated.status_code == 200, updated.text
    assert updated.json()["amount"] == "50.00"
    [juspay_update] = juspay_requests(local, f"/orders/{order_id}")[-1:]
    assert (juspay_update["method"], juspay_update["form"]) == ("POST", {"amount": "50.00"})

    # The customer pays card 40 + wallet 10 = 50; Juspay reports the split and sends its webhook.
    put_order(local, split_order(order_id, customer))
    deliver(local, order_id, "ORDER_PARTIAL_CHARGED")

    settled = eventually(
        lambda: (s := settlement(local, order_id)) and s["status"] not in ("RECEIVED", "PENDING") and s,
        what="the order's settlement",
    )
    assert (settled["status"], settled["reason"]) != ("MISMATCH", "amount_differs_from_signed")
    assert (settled["status"], settled["wallet_amount"], settled["online_amount"]) == (
        "SETTLED",
        "10.00",
        "40.00",
    )
    wallet = call(local, "GET", f"/wallets/{customer}").json()
    assert wallet["balance"] == "0.00"
    assert [(e["type"], e["amount"]) for e in wallet["entries"]] == [("DEBIT", "10.00"), ("CREDIT", "10.00")]
    refunds = [r for r in juspay_requests(local) if r["path"].endswith("/refunds")]
    assert [r for r in refunds if order_id in r["path"] or order_id in str(r["form"])] == []

    # Settled: its amounts are booked, so any further update is refused before Juspay is called.
    posts_before = len([r for r in juspay_requests(local, f"/orders/{order_id}") if r["method"] == "POST"])
    again = call(local, "POST", f"/orders/{order_id}", {"amount": "60.00"})
    assert again.status_code == 409
    assert (again.json()["error"], again.json()["details"]["rule"]) == ("order_update_refused", "order_final")
    posts_after = len([r for r in juspay_requests(local, f"/orders/{order_id}") if r["method"] == "POST"])
    assert posts_after == posts_before


def test_an_amount_below_the_wallet_offer_is_refused_before_juspay(local: dict[str, Any]) -> None:
    order_id, customer = new_ids("low")
    credit(local, customer, "10.00")
    sign(local, order_id, customer, "40.00")
    put_order(local, opened(order_id, customer, 40))

    refused = call(local, "POST", f"/orders/{order_id}", {"amount": "9.00"})

    assert refused.status_code == 409, refused.text
    assert refused.json()["details"]["rule"] == "amount_below_wallet_offer"
    assert [r for r in juspay_requests(local, f"/orders/{order_id}") if r["method"] == "POST"] == []
    stored = requests.get(f"{sim_url(local)}/__sim/orders/{order_id}", timeout=10).json()
    assert stored["amount"] == 40


def test_an_update_once_the_customer_is_paying_is_refused_before_the_update(local: dict[str, Any]) -> None:
    order_id, customer = new_ids("pay")
    sign(local, order_id, customer, "40.00")
    paying = opened(order_id, customer, 40)
    paying["status"] = "PENDING_VBV"  # the customer is in the card's 3-D Secure step
    put_order(local, paying)

    refused = call(local, "POST", f"/orders/{order_id}", {"amount": "50.00"})

    assert refused.status_code == 409, refused.text
    assert refused.json()["details"]["rule"] == "payment_attempt_started"
    assert [r for r in juspay_requests(local, f"/orders/{order_id}") if r["method"] == "POST"] == []


def test_juspay_refusing_the_update_leaves_the_signed_amount(local: dict[str, Any]) -> None:
    order_id, customer = new_ids("rej")
    credit(local, customer, "10.00")
    sign(local, order_id, customer, "40.00")
    put_order(local, opened(order_id, customer, 40))
    fault = {"method": "POST", "path": f"/orders/{order_id}", "status": 400, "body": {"error_code": "nope"}}
    assert requests.post(f"{sim_url(local)}/__sim/faults", json=fault, timeout=10).status_code == 201

    refused = call(local, "POST", f"/orders/{order_id}", {"amount": "50.00"})
    assert refused.status_code == 400, refused.text

    # Juspay kept 40, so the order paid at 40 (card 30 + wallet 10) still settles.
    paid = split_order(order_id, customer)
    paid["amount"] = 40
    paid["txn_list"][0]["txn_detail"]["txn_amount"] = 30
    for txn in paid["txn_list"]:
        txn["txn_detail"]["net_amount"] = 40
    put_order(local, paid)
    deliver(local, order_id, "ORDER_PARTIAL_CHARGED")
    settled = eventually(
        lambda: (s := settlement(local, order_id)) and s["status"] not in ("RECEIVED", "PENDING") and s,
        what="the order's settlement",
    )
    assert (settled["status"], settled["wallet_amount"]) == ("SETTLED", "10.00")


# --- Scenario 8 --------------------------------------------------------------------------------------------
def test_every_juspay_call_for_an_order_carries_its_customer_id(local: dict[str, Any]) -> None:
    order_id, customer = new_ids("rt")
    sign(local, order_id, customer, "90.00")
    charged = copy.deepcopy(load_sample("order_status_charged_nb.json"))
    charged.update({"order_id": order_id, "customer_id": customer, "amount": 90, "refunds": []})
    put_order(local, charged)

    status = call(local, "GET", f"/orders/{order_id}")
    refund = call(
        local, "POST", f"/orders/{order_id}/refunds", {"amount": "5.00", "idempotency_key": f"rt-{order_id}"}
    )

    assert status.status_code == 200, status.text
    assert refund.status_code == 201, refund.text
    calls = [r for r in juspay_requests(local) if order_id in r["path"]]
    assert {(r["method"], r["path"]) for r in calls} >= {
        ("GET", f"/orders/{order_id}"),
        ("POST", f"/orders/{order_id}/refunds"),
    }
    assert {r["headers"]["x-routing-id"] for r in calls} == {customer}
    assert all(r["routing_id"] == r["expected_routing_id"] == customer for r in calls)


def test_a_guest_order_is_routed_by_its_order_id(local: dict[str, Any]) -> None:
    order_id, _ = new_ids("gst")
    guest = copy.deepcopy(load_sample("order_status_cod_initiated.json"))  # Juspay shows no customer
    guest["order_id"] = order_id
    put_order(local, guest)

    assert call(local, "GET", f"/orders/{order_id}").status_code == 200

    [status] = juspay_requests(local, f"/orders/{order_id}")
    assert status["headers"]["x-routing-id"] == order_id


def test_an_order_not_yet_seen_here_is_routed_by_the_customer_the_caller_names(local: dict[str, Any]) -> None:
    order_id, customer = new_ids("unk")
    charged = copy.deepcopy(load_sample("order_status_charged_nb.json"))
    charged.update({"order_id": order_id, "customer_id": customer, "refunds": []})
    put_order(local, charged)  # no webhook, no signing: this system has no record of the order

    status = call(local, "GET", f"/orders/{order_id}?customer_id={customer}")
    malformed = call(local, "GET", f"/orders/{order_id}?customer_id=not%20an%20id")

    assert status.status_code == 200, status.text
    assert status.json()["settlement"] is None
    [juspay_status] = juspay_requests(local, f"/orders/{order_id}")
    assert juspay_status["routing_id"] == juspay_status["expected_routing_id"] == customer
    assert malformed.status_code == 422, malformed.text  # a value breaking its rule, as everywhere
    assert malformed.json()["details"]["field"] == "customer_id"


def test_every_juspay_call_for_a_mandate_carries_its_customer_id(local: dict[str, Any]) -> None:
    mandate_id, customer = new_ids("mnd")
    mandate = {"status": "ACTIVE", "customer_id": customer, "max_amount": 500}
    assert requests.put(f"{sim_url(local)}/__sim/mandates/{mandate_id}", json=mandate, timeout=10).ok

    listed = call(local, "GET", f"/customers/{customer}/mandates")
    checked = call(local, "GET", f"/mandates/{mandate_id}")
    revoked = call(local, "POST", f"/mandates/{mandate_id}/revoke")

    assert [m["mandate_id"] for m in listed.json()["mandates"]] == [mandate_id]
    assert (checked.status_code, revoked.json()["status"]) == (200, "REVOKED")
    calls = juspay_requests(local, f"/mandates/{mandate_id}") + juspay_requests(
        local, f"/customers/{customer}/mandates"
    )
    assert len(calls) == 3
    assert {r["headers"]["x-routing-id"] for r in calls} == {customer}  # never the mandate id


def test_a_mandate_never_seen_here_is_not_sent_to_juspay(local: dict[str, Any]) -> None:
    mandate_id, customer = new_ids("unk")
    mandate = {"status": "ACTIVE", "customer_id": customer, "max_amount": 500}
    assert requests.put(f"{sim_url(local)}/__sim/mandates/{mandate_id}", json=mandate, timeout=10).ok

    unknown = call(local, "GET", f"/mandates/{mandate_id}")

    assert unknown.status_code == 404
    assert unknown.json()["details"]["rule"] == "mandate_customer_unknown"
    assert juspay_requests(local, f"/mandates/{mandate_id}") == []


def test_the_simulator_reports_a_call_routed_by_another_id(local: dict[str, Any]) -> None:
    # The suite-wide check rests on this: a call routed by the order id of an order with a customer is
    # reported by the simulator (made here directly, as a misbehaving client would).
    order_id, customer = new_ids("bad")
    put_order(local, opened(order_id, customer, 40))
    auth = ("sim_test_api_key", "")
    headers = {"x-merchantid": "paybridge_local", "x-routing-id": order_id, "version": "2023-06-30"}
    requests.get(f"{sim_url(local)}/orders/{order_id}", auth=auth, headers=headers, timeout=10)

    violations = requests.get(f"{sim_url(local)}/__sim/routing-violations", timeout=10).json()

    assert [(v["path"], v["routing_id"], v["expected_routing_id"]) for v in violations] == [
        (f"/orders/{order_id}", order_id, customer)
    ]
    assert requests.delete(f"{sim_url(local)}/__sim/routing-violations", timeout=10).ok
