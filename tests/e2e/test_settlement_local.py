"""Settlement on `make local` as a user meets it: real ports, signed HTTP to the merchant API, the Juspay
simulator moving a split order and delivering its webhook."""

from __future__ import annotations

import time
from typing import Any

import pytest
import requests

# The module-scoped `make local` fixture of test_local_stack (this module gets its own instance).
from tests.e2e.support import call, eventually
from tests.helpers import load_sample

pytestmark = pytest.mark.e2e


@pytest.fixture
def split_order(local: dict[str, Any]) -> dict[str, Any]:
    order = load_sample("order_status_split_partial_charged_custom_wallet.json")
    order["order_id"] = f"e2e-split-{int(time.time() * 1000)}"
    order["customer_id"] = f"e2e-cust-{order['order_id']}"
    for txn in order["txn_list"]:
        txn["txn_detail"]["order_id"] = order["order_id"]
    return order


def test_simulator_split_order_debits_the_wallet_once(
    local: dict[str, Any], split_order: dict[str, Any]
) -> None:
    sim = local["outputs"]["urls"]["juspay"]
    customer, order_id = split_order["customer_id"], split_order["order_id"]
    credit = call(
        local,
        "POST",
        f"/wallets/{customer}/credits",
        {"amount": "100.00", "currency": "INR", "idempotency_key": "e2e-1"},
    )
    assert credit.status_code == 201, credit.text
    assert (
        requests.get(
            local["outputs"]["urls"]["api"].rstrip("/") + f"/wallets/{customer}", timeout=10
        ).status_code
        == 403
    )

    assert requests.put(f"{sim}/__sim/orders/{order_id}", json=split_order, timeout=10).status_code in (
        200,
        201,
    )
    delivery = requests.post(
        f"{sim}/__sim/orders/{order_id}/webhook", json={"event_name": "ORDER_PARTIAL_CHARGED"}, timeout=60
    )
    assert delivery.status_code == 200, delivery.text

    def debited() -> dict[str, Any] | None:
        body = call(local, "GET", f"/wallets/{customer}").json()
        return body if body["balance"] == "90.00" else None

    wallet = eventually(debited, timeout_s=30, what="the wallet debit")
    assert wallet["balance"] == "90.00"

    # Juspay sends the webhook again (a new event id): settlement sees the order settled and debits nothing.
    again = requests.post(
        f"{sim}/__sim/orders/{order_id}/webhook", json={"event_name": "ORDER_PARTIAL_CHARGED"}, timeout=60
    )
    assert again.status_code == 200
    time.sleep(2)  # settlement is asynchronous: give a second debit every chance to happen
    final = call(local, "GET", f"/wallets/{customer}").json()
    assert final["balance"] == "90.00"
    assert [(e["type"], e["amount"]) for e in final["entries"]] == [("DEBIT", "10.00"), ("CREDIT", "100.00")]
