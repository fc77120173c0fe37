"""The simulator's routing judgement (``paybridge_local/simulator/routing.py``): which x-routing-id each
Juspay call should carry, and which calls it reports."""

from __future__ import annotations

from typing import Any

import pytest

from paybridge_local.simulator.routing import expected_routing, routing_violation
from tests.helpers import load_sample

SPLIT = load_sample("order_status_split_partial_charged_custom_wallet.json")
GUEST = load_sample("order_status_cod_initiated.json")
ORDERS = {SPLIT["order_id"]: SPLIT, GUEST["order_id"]: GUEST}
MANDATES = {
    "mnd1": {"mandate_id": "mnd1", "customer_id": "cust-m", "status": "ACTIVE"},
    "mnd2": {"mandate_id": "mnd2", "order_id": SPLIT["order_id"], "status": "ACTIVE"},
}
WALLET_TXN = SPLIT["txn_list"][1]["txn_id"]


def entry(method: str, path: str, routing_id: str | None, **extra: Any) -> dict[str, Any]:
    return {"method": method, "path": path, "routing_id": routing_id, "form": {}, **extra}


@pytest.mark.parametrize(
    ("request_entry", "expected"),
    [
        (entry("GET", "/orders/testing-order-147", None), "testing-customer-two"),
        (entry("POST", "/orders/testing-order-147/refunds", None), "testing-customer-two"),
        (entry("GET", f"/orders/{GUEST['order_id']}", None), GUEST["order_id"]),  # guest: its own id
        (entry("POST", "/refunds", None, form={"txn_id": WALLET_TXN}), "testing-customer-two"),
        (entry("POST", "/mandates/mnd1", None), "cust-m"),
        (entry("POST", "/mandates/mnd2", None), "testing-customer-two"),  # its order's customer
        (entry("GET", "/customers/cust-9/mandates", None), "cust-9"),
        (entry("GET", "/customers/a%2Bb%40c/mandates", None), "a+b@c"),  # as the path carries it
        (entry("POST", "/session", None, json={"order_id": "s1", "customer_id": "c1"}), "c1"),
        (entry("POST", "/session", None, json={"order_id": "s1"}), "s1"),
        (entry("GET", "/orders/not-stored", None), None),  # not judged
        (entry("POST", "/mandates/not-stored", None), None),
    ],
)
def test_expected_routing_id(request_entry: dict[str, Any], expected: str | None) -> None:
    assert expected_routing(request_entry, ORDERS, MANDATES) == expected


def test_violations() -> None:
    ok = entry("GET", "/orders/testing-order-147", "testing-customer-two")
    assert routing_violation(ok, "testing-customer-two") is None
    wrong = entry("GET", "/orders/testing-order-147", "testing-order-147")
    assert routing_violation(wrong, "testing-customer-two") == {
        "method": "GET",
        "path": "/orders/testing-order-147",
        "routing_id": "testing-order-147",
        "expected_routing_id": "testing-customer-two",
        "reason": "x-routing-id is not the customer id of the order or mandate (nor a guest order's id)",
    }
    missing = routing_violation(entry("GET", "/orders/x", None), None)
    assert missing is not None
    assert missing["reason"] == "missing x-routing-id"
    by_mandate = routing_violation(entry("POST", "/mandates/m9", "m9"), None)
    assert by_mandate is not None
    assert by_mandate["reason"] == "x-routing-id is the mandate id"
    assert routing_violation(entry("GET", "/orders/unknown", "anyone"), None) is None
