"""Issue 4's headline: insufficient balance cancels the order and refunds the online part exactly once,
even when the refund call times out (the connection drops) twice first — settlement and the refund function
together, through the bus, against the simulator."""

from __future__ import annotations

from typing import Any

import requests

from paybridge_local.api_gateway import LocalApiGateway
from paybridge_local.simulator import JuspaySimulator
from paybridge_local.stack import LocalStack
from tests.integration.settlement.conftest import credit, publish_order_event, put_order

from .test_settlement import CUSTOMER, ONLINE_TXN, ORDER_ID, split_order, wallet


def refund_calls(simulator: JuspaySimulator) -> list[dict[str, Any]]:
    calls = requests.get(f"{simulator.url}/__sim/requests", timeout=5).json()
    return [c for c in calls if c["method"] == "POST" and c["path"] == "/refunds"]


def test_insufficient_balance_refunds_once_despite_two_dropped_refund_calls(
    stack: LocalStack, gateway: LocalApiGateway, simulator: JuspaySimulator
) -> None:
    assert credit(gateway, CUSTOMER, "9.99", "topup-low").status_code == 201
    put_order(simulator, split_order())
    fault = {"method": "POST", "path": "/refunds", "drop": True, "times": 2}
    requests.post(f"{simulator.url}/__sim/faults", json=fault, timeout=5).raise_for_status()

    for index in range(3):  # the webhook, and Juspay's duplicates of it
        publish_order_event(stack, split_order(), event_id=f"evt_{index}", name="ORDER_PARTIAL_CHARGED")
    stack.runtime.drain()

    assert wallet(gateway)["balance"] == "9.99"  # nothing debited
    calls = refund_calls(simulator)
    assert len(calls) == 3  # two dropped, the third answered
    assert {c["form"]["unique_request_id"] for c in calls} == {calls[0]["form"]["unique_request_id"]}
    assert {(c["form"]["txn_id"], c["form"]["amount"]) for c in calls} == {(ONLINE_TXN, "40.00")}
    refund = requests.get(f"{simulator.url}/__sim/refunds/{calls[0]['form']['unique_request_id']}", timeout=5)
    assert refund.status_code == 200
    assert refund.json()["status"] == "PENDING"
    assert ORDER_ID in calls[0]["form"]["unique_request_id"] or calls[0]["form"][
        "unique_request_id"
    ].startswith("rh-")
