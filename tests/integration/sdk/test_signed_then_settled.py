"""An order signed here is settled only on the terms that were signed."""

from __future__ import annotations

import json
from typing import Any

import pytest
import requests

from paybridge_local.api_gateway import LocalApiGateway
from paybridge_local.simulator import JuspaySimulator
from paybridge_local.stack import LocalSettings, LocalStack
from tests.helpers import basic_auth, http, load_sample, signed

CUSTOMER = "cust77"


def split_order(order_id: str) -> dict[str, Any]:
    """Juspay's split sample (card 40 + wallet 10 = 50 INR), re-keyed to our order and customer."""
    order = load_sample("order_status_split_partial_charged_custom_wallet.json")
    order.update({"order_id": order_id, "customer_id": CUSTOMER, "currency": "INR"})
    return order


def settle_via_webhook(
    gateway: LocalApiGateway,
    stack: LocalStack,
    settings: LocalSettings,
    sim: JuspaySimulator,
    order: dict[str, Any],
) -> dict[str, Any]:
    requests.put(f"{sim.url}/__sim/orders/{order['order_id']}", json=order, timeout=5).raise_for_status()
    envelope = {
        "id": f"evt_{order['order_id']}",
        "event_name": "ORDER_PARTIAL_CHARGED",
        "content": {"order": order},
    }
    auth = basic_auth(settings.webhook_username, settings.webhook_password)
    response = http(
        gateway,
        "POST",
        "/webhooks/juspay",
        body=json.dumps(envelope),
        headers={"Authorization": auth, "Content-Type": "application/json"},
    )
    assert response.status_code == 200
    stack.runtime.drain()
    return dict(signed(gateway, "GET", f"/wallets/{CUSTOMER}").json)


@pytest.fixture
def wallet(gateway: LocalApiGateway) -> None:
    body = json.dumps({"amount": "30.00", "currency": "INR", "idempotency_key": "seed"})
    assert signed(gateway, "POST", f"/wallets/{CUSTOMER}/credits", body).status_code == 201


def sign(gateway: LocalApiGateway, order_id: str, amount: str) -> None:
    body = json.dumps({"order_id": order_id, "amount": amount, "currency": "INR", "customer_id": CUSTOMER})
    assert signed(gateway, "POST", "/sdk/process", body).status_code == 200


@pytest.mark.usefixtures("wallet")
def test_signed_split_order_settles_when_juspay_agrees(
    gateway: LocalApiGateway, stack: LocalStack, local_settings: LocalSettings, simulator: JuspaySimulator
) -> None:
    sign(gateway, "signed1", "50.00")
    wallet = settle_via_webhook(gateway, stack, local_settings, simulator, split_order("signed1"))
    assert wallet["balance"] == "20.00"
    status = signed(gateway, "GET", "/orders/signed1").json["settlement"]["status"]
    assert status == "SETTLED"


@pytest.mark.usefixtures("wallet")
def test_order_differing_from_what_was_signed_moves_no_money(
    gateway: LocalApiGateway, stack: LocalStack, local_settings: LocalSettings, simulator: JuspaySimulator
) -> None:
    sign(gateway, "signed2", "45.00")  # Juspay will report 50.00
    wallet = settle_via_webhook(gateway, stack, local_settings, simulator, split_order("signed2"))
    assert wallet["balance"] == "30.00"
    settlement = signed(gateway, "GET", "/orders/signed2").json["settlement"]
    assert settlement["status"] == "MISMATCH"
    assert "amount_differs_from_signed" in settlement["reason"]
