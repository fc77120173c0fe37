"""POST /sessions: Juspay's Session API as the alternative to signing (simulator, local gateway, moto)."""

from __future__ import annotations

import json
from typing import Any

import requests

from paybridge_local.api_gateway import LocalApiGateway
from paybridge_local.simulator import JuspaySimulator
from paybridge_local.stack import LocalStack
from tests.helpers import signed


def _session_calls(sim: JuspaySimulator) -> list[dict[str, Any]]:
    calls = requests.get(f"{sim.url}/__sim/requests", timeout=5).json()
    return [c for c in calls if c["path"] == "/session"]


def test_session_creates_the_order_with_the_wallet_offer_and_records_its_terms(
    gateway: LocalApiGateway, stack: LocalStack, simulator: JuspaySimulator
) -> None:
    credit = json.dumps({"amount": "30.00", "currency": "INR", "idempotency_key": "top1"})
    assert signed(gateway, "POST", "/wallets/custS1/credits", credit).status_code == 201
    body = json.dumps({"order_id": "sess1", "amount": "100.50", "customer_id": "custS1"})

    response = signed(gateway, "POST", "/sessions", body)

    assert response.status_code == 200, response.get_data(as_text=True)
    answer = response.json
    assert answer["order_id"] == "sess1"
    assert answer["status"] == "NEW"
    assert answer["sdk_payload"]["payload"]["orderId"] == "sess1"
    [call] = _session_calls(simulator)
    sent = call["json"]
    assert (sent["order_id"], sent["amount"], sent["customer_id"]) == ("sess1", "100.50", "custS1")
    [offer] = json.loads(sent["metadata.merchant_container_list"])
    assert (offer["balance_amount"], offer["eligible_amount"]) == (30, 30)
    record = stack.session.client("dynamodb").get_item(
        TableName=stack.output("OrdersTable"), Key={"order_id": {"S": "sess1"}}
    )["Item"]
    assert record["signed_amount_minor"]["N"] == "10050"
    assert record["signed_wallet_offered_minor"]["N"] == "3000"
    assert record["signed_merchant_key_id"]["S"] == "juspay-session"


def test_session_for_an_order_recorded_with_other_terms_is_a_409_before_juspay(
    gateway: LocalApiGateway, simulator: JuspaySimulator
) -> None:
    first = json.dumps({"order_id": "sess2", "amount": "10.00", "customer_id": "custS2"})
    other = json.dumps({"order_id": "sess2", "amount": "11.00", "customer_id": "custS2"})
    assert signed(gateway, "POST", "/sessions", first).status_code == 200
    response = signed(gateway, "POST", "/sessions", other)
    assert response.status_code == 409, response.get_data(as_text=True)
    assert len(_session_calls(simulator)) == 1


def test_juspay_refusing_the_session_passes_on_with_its_code(
    gateway: LocalApiGateway, simulator: JuspaySimulator
) -> None:
    fault = {"path": "/session", "status": 400, "body": {"status": "ERROR", "error_code": "bad.session"}}
    requests.post(f"{simulator.url}/__sim/faults", json=fault, timeout=5)
    body = json.dumps({"order_id": "sess3", "amount": "10.00", "customer_id": "custS3"})
    response = signed(gateway, "POST", "/sessions", body)
    assert response.status_code == 400
    assert response.json["details"]["juspay_error_code"] == "bad.session"
