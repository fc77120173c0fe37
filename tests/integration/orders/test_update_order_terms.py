"""Update Order's signed-terms writes against moto (built from template.yaml) and the simulator: the
conditional steps in ``dal/signed_orders.py`` and the route's answers around them."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import requests

from paybridge.dal.orders import OrdersRepository, OrderStatus
from paybridge.dal.signed_orders import SignedOrdersRepository
from paybridge_local.api_gateway import LocalApiGateway
from paybridge_local.simulator import JuspaySimulator
from paybridge_local.stack import LocalStack
from tests.helpers import signed

CUSTOMER = "cust_upd_1"
NOW = datetime(2026, 11, 29, tzinfo=UTC)


def sign_and_open(gateway: LocalApiGateway, sim: JuspaySimulator, order_id: str) -> None:
    """Signs the order for 40.00 (wallet offer 10.00), then Juspay holds it as NEW (the SDK opened it)."""
    credit = json.dumps({"amount": "10.00", "currency": "INR", "idempotency_key": f"seed-{order_id}"})
    signed(gateway, "POST", f"/wallets/{CUSTOMER}/credits", credit)
    body = json.dumps({"order_id": order_id, "amount": "40.00", "customer_id": CUSTOMER})
    assert signed(gateway, "POST", "/sdk/process", body).status_code == 200
    order = {"order_id": order_id, "status": "NEW", "amount": 40, "currency": "INR", "customer_id": CUSTOMER}
    requests.put(f"{sim.url}/__sim/orders/{order_id}", json=order, timeout=5).raise_for_status()


def record(stack: LocalStack, order_id: str) -> Any:
    return OrdersRepository(stack.session.client("dynamodb"), stack.output("OrdersTable")).get(order_id)


def terms(stack: LocalStack) -> SignedOrdersRepository:
    return SignedOrdersRepository(stack.session.client("dynamodb"), stack.output("OrdersTable"))


def update(gateway: LocalApiGateway, order_id: str, amount: str) -> Any:
    return signed(gateway, "POST", f"/orders/{order_id}", json.dumps({"amount": amount}))


def test_update_confirms_the_new_signed_amount(
    gateway: LocalApiGateway, stack: LocalStack, simulator: JuspaySimulator
) -> None:
    sign_and_open(gateway, simulator, "updOk1")

    response = update(gateway, "updOk1", "50.00")

    assert response.status_code == 200, response.get_data(as_text=True)
    after = record(stack, "updOk1")
    assert (after.signed_amount_minor, after.signed_amount_pending_minor) == (5000, None)
    assert after.signed_wallet_offered_minor == 1000
    assert simulator.state.get_order("updOk1")["amount"] == 50

    # The updated amount is now the order's signed term: signing again for it works, for the old one not.
    def resign(amount: str) -> int:
        body = {"order_id": "updOk1", "customer_id": CUSTOMER, "amount": amount}
        return int(signed(gateway, "POST", "/sdk/process", json.dumps(body)).status_code)

    assert (resign("50.00"), resign("40.00")) == (200, 409)


def test_unknown_outcome_keeps_the_amount_pending_until_the_next_update(
    gateway: LocalApiGateway, stack: LocalStack, simulator: JuspaySimulator
) -> None:
    sign_and_open(gateway, simulator, "updLost1")
    # The update never reaches Juspay's books (connection dropped): its outcome is unknown to the system.
    simulator.state.add_fault({"method": "POST", "path": "/orders/updLost1", "drop": True})

    lost = update(gateway, "updLost1", "50.00")

    assert lost.status_code == 503, lost.get_data(as_text=True)
    pending = record(stack, "updLost1")
    assert (pending.signed_amount_minor, pending.signed_amount_pending_minor) == (4000, 5000)

    # The next update first learns from Order Status that 50.00 did not land, then makes its own change.
    retried = update(gateway, "updLost1", "55.00")

    assert retried.status_code == 200, retried.get_data(as_text=True)
    after = record(stack, "updLost1")
    assert (after.signed_amount_minor, after.signed_amount_pending_minor) == (5500, None)


def test_conditional_steps_refuse_what_does_not_match(
    gateway: LocalApiGateway, stack: LocalStack, simulator: JuspaySimulator
) -> None:
    sign_and_open(gateway, simulator, "updCond1")
    repo = terms(stack)

    assert not repo.begin_amount_update("updCond1", signed_minor=3900, new_minor=5000, now=NOW)
    assert repo.begin_amount_update("updCond1", signed_minor=4000, new_minor=5000, now=NOW)
    # One update at a time: a second one cannot begin while the first is pending.
    assert not repo.begin_amount_update("updCond1", signed_minor=4000, new_minor=6000, now=NOW)
    assert not repo.confirm_amount_update("updCond1", new_minor=6000, now=NOW)
    assert repo.abandon_amount_update("updCond1", new_minor=5000)
    assert not repo.abandon_amount_update("updCond1", new_minor=5000)
    assert record(stack, "updCond1").signed_amount_minor == 4000

    # An update left pending that did land at Juspay is confirmed by the next update before its own change.
    assert repo.begin_amount_update("updCond1", signed_minor=4000, new_minor=4500, now=NOW)
    simulator.state.orders["updCond1"]["amount"] = 45  # that update landed
    resolved = update(gateway, "updCond1", "60.00")
    assert resolved.status_code == 200, resolved.get_data(as_text=True)
    assert record(stack, "updCond1").signed_amount_minor == 6000


def test_settled_orders_cannot_begin_an_update(
    gateway: LocalApiGateway, stack: LocalStack, simulator: JuspaySimulator
) -> None:
    sign_and_open(gateway, simulator, "updDone1")
    orders = OrdersRepository(stack.session.client("dynamodb"), stack.output("OrdersTable"))
    orders.record("updDone1", OrderStatus.SETTLED, now=NOW, has_events=False)

    assert not terms(stack).begin_amount_update("updDone1", signed_minor=4000, new_minor=5000, now=NOW)
    refused = update(gateway, "updDone1", "50.00")
    assert refused.status_code == 409
    assert refused.json["details"]["rule"] == "order_final"
