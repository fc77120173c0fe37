"""Order routes of the merchant API (IAM): status with settlement state, update, refunds — against the
simulator, through the local API Gateway and moto built from template.yaml."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import requests

from paybridge.dal.orders import OrdersRepository
from paybridge_local.api_gateway import LocalApiGateway
from paybridge_local.simulator import JuspaySimulator
from paybridge_local.stack import LocalStack
from tests.helpers import http, load_sample, signed


def put_order(sim: JuspaySimulator, order: dict[str, Any]) -> str:
    response = requests.put(f"{sim.url}/__sim/orders/{order['order_id']}", json=order, timeout=5)
    assert response.status_code in (200, 201), response.text
    return str(order["order_id"])


def known_order(stack: LocalStack, sim: JuspaySimulator, order: dict[str, Any]) -> str:
    """Stores the order at the simulator and makes it known here with its customer, as its first webhook
    would (Juspay calls about it are routed by that customer)."""
    order_id = put_order(sim, order)
    orders = OrdersRepository(stack.session.client("dynamodb"), stack.output("OrdersTable"))
    orders.note_received(order_id, event_id=None, customer_id=order["customer_id"], now=datetime.now(UTC))
    return order_id


def juspay_calls(sim: JuspaySimulator, method: str, path: str) -> list[dict[str, Any]]:
    calls = requests.get(f"{sim.url}/__sim/requests", timeout=5).json()
    return [c for c in calls if c["method"] == method and c["path"] == path]


def test_get_order_shows_juspay_status_and_no_settlement_yet(
    gateway: LocalApiGateway, simulator: JuspaySimulator
) -> None:
    guest = load_sample("order_status_charged_nb.json")
    del guest["customer_id"]  # a guest order: nothing here knows a customer, Juspay neither
    order_id = put_order(simulator, guest)

    response = signed(gateway, "GET", f"/orders/{order_id}")

    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.json
    assert body["order"]["order_id"] == order_id
    assert body["order"]["status"] == "CHARGED"
    assert body["settlement"] is None
    assert "customer_email" not in json.dumps(body)
    [call] = juspay_calls(simulator, "GET", f"/orders/{order_id}")
    assert call["routing_id"] == order_id


def test_get_split_order_lists_both_transactions(
    gateway: LocalApiGateway, stack: LocalStack, simulator: JuspaySimulator
) -> None:
    sample = load_sample("order_status_split_partial_charged_custom_wallet.json")
    order_id = known_order(stack, simulator, sample)
    body = signed(gateway, "GET", f"/orders/{order_id}").json
    [call] = juspay_calls(simulator, "GET", f"/orders/{order_id}")
    assert call["routing_id"] == "testing-customer-two"
    assert [t["payment_method_type"] for t in body["order"]["transactions"]] == ["CARD", "MERCHANT_CONTAINER"]
    assert [t["amount"] for t in body["order"]["transactions"]] == ["40.00", "10.00"]


def test_unknown_order_is_404_and_bad_ids_are_400(
    gateway: LocalApiGateway, simulator: JuspaySimulator
) -> None:
    assert signed(gateway, "GET", "/orders/nope").status_code == 404
    assert signed(gateway, "GET", "/orders/bad%20id").status_code == 400
    assert http(gateway, "GET", "/orders/nope").status_code == 403


def test_update_order_forwards_only_updatable_fields(
    gateway: LocalApiGateway, stack: LocalStack, simulator: JuspaySimulator
) -> None:
    order = load_sample("order_status_charged_nb.json")
    order["status"] = "NEW"
    order_id = known_order(stack, simulator, order)

    ok = signed(gateway, "POST", f"/orders/{order_id}", json.dumps({"amount": "90.00", "udf1": "cart-7"}))
    wrong = signed(gateway, "POST", f"/orders/{order_id}", json.dumps({"customer_email": "x@y.z"}))
    empty = signed(gateway, "POST", f"/orders/{order_id}", "{}")
    negative = signed(gateway, "POST", f"/orders/{order_id}", json.dumps({"amount": "-1"}))

    assert ok.status_code == 200, ok.get_data(as_text=True)
    [call] = juspay_calls(simulator, "POST", f"/orders/{order_id}")
    assert call["form"] == {"amount": "90.00", "udf1": "cart-7"}
    assert call["routing_id"] == "cst_wiqou3224"
    # An unknown field is refused as on every route (400); a value breaking a rule is a 422.
    assert (wrong.status_code, empty.status_code, negative.status_code) == (400, 422, 422)
    assert "x@y.z" not in wrong.get_data(as_text=True)


def test_refund_is_idempotent_on_the_callers_key(
    gateway: LocalApiGateway, stack: LocalStack, simulator: JuspaySimulator
) -> None:
    order_id = known_order(stack, simulator, load_sample("order_status_charged_nb.json"))
    body = json.dumps({"amount": "1.00", "idempotency_key": "rf-key-1"})

    first = signed(gateway, "POST", f"/orders/{order_id}/refunds", body)
    again = signed(gateway, "POST", f"/orders/{order_id}/refunds", body)
    other = signed(
        gateway,
        "POST",
        f"/orders/{order_id}/refunds",
        json.dumps({"amount": "2.00", "idempotency_key": "rf-key-1"}),
    )

    assert first.status_code == 201, first.get_data(as_text=True)
    assert again.status_code == 200
    assert again.json["unique_request_id"] == first.json["unique_request_id"]
    assert other.status_code == 409
    [call] = juspay_calls(simulator, "POST", f"/orders/{order_id}/refunds")
    assert call["routing_id"] == "cst_wiqou3224"


def test_refund_validation(gateway: LocalApiGateway, simulator: JuspaySimulator) -> None:
    def refund(body: object) -> int:
        return int(signed(gateway, "POST", "/orders/o1/refunds", json.dumps(body)).status_code)

    assert refund({"amount": "1.00"}) == 400  # no idempotency key
    assert refund({"amount": "1.001", "idempotency_key": "k"}) == 422
    assert refund({"amount": "1.00", "idempotency_key": "k", "unknown": 1}) == 400
    assert signed(gateway, "POST", "/orders/o1/refunds", "not json").status_code == 400
    assert juspay_calls(simulator, "POST", "/orders/o1/refunds") == []
