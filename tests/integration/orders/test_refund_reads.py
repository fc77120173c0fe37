"""Refunds on the merchant API: a REJECTED answer carries Juspay's code and message, and
GET /orders/{order_id}/refunds lists the order's refunds (simulator, local gateway)."""

from __future__ import annotations

import json

from paybridge_local.api_gateway import LocalApiGateway
from paybridge_local.simulator import JuspaySimulator
from paybridge_local.stack import LocalStack
from tests.helpers import load_sample, signed
from tests.integration.orders.test_order_routes import known_order


def test_a_rejected_refund_says_why_and_the_list_shows_every_refund(
    gateway: LocalApiGateway, stack: LocalStack, simulator: JuspaySimulator
) -> None:
    order = load_sample("order_status_charged_nb.json")
    order_id = known_order(stack, simulator, order)  # its customer routes the refund calls
    ok = signed(
        gateway,
        "POST",
        f"/orders/{order_id}/refunds",
        json.dumps({"amount": "1.00", "idempotency_key": "a1"}),
    )
    too_much = signed(
        gateway,
        "POST",
        f"/orders/{order_id}/refunds",
        json.dumps({"amount": "9999999.00", "idempotency_key": "a2"}),
    )

    assert ok.status_code == 201, ok.get_data(as_text=True)
    assert ok.json["status"] == "PENDING"
    assert ok.json["error_code"] is None
    assert too_much.status_code == 201, too_much.get_data(as_text=True)
    assert too_much.json["status"] == "REJECTED"
    assert too_much.json["error_code"] == "invalid.amount.exceeded"
    assert too_much.json["error_message"]

    listed = signed(gateway, "GET", f"/orders/{order_id}/refunds")
    assert listed.status_code == 200, listed.get_data(as_text=True)
    refunds = listed.json["refunds"]
    assert [(r["seq"], r["status"], r["amount"]) for r in refunds] == [
        (1, "PENDING", "1.00"),
        (2, "REJECTED", "9999999.00"),
    ]
    assert refunds[0]["unique_request_id"] == ok.json["unique_request_id"]
    assert refunds[1]["error_code"] == "invalid.amount.exceeded"
    assert refunds[1]["error_message"] == too_much.json["error_message"]
    assert all(r["created_at"] and r["updated_at"] for r in refunds)


def test_an_order_without_refunds_lists_none(gateway: LocalApiGateway) -> None:
    listed = signed(gateway, "GET", "/orders/nothing_here/refunds")
    assert listed.status_code == 200
    assert listed.json == {"order_id": "nothing_here", "refunds": []}
