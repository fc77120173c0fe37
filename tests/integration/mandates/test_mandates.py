"""Mandate routes of the merchant API (IAM) and MANDATE_* webhooks, against the simulator."""

from __future__ import annotations

import json
from typing import Any

import requests

from paybridge_local.api_gateway import LocalApiGateway
from paybridge_local.simulator import JuspaySimulator
from paybridge_local.stack import LocalSettings, LocalStack
from tests.helpers import EVENTS, basic_auth, http, load_sample, signed


def put_mandate(sim: JuspaySimulator, mandate_id: str, **fields: Any) -> None:
    response = requests.put(f"{sim.url}/__sim/mandates/{mandate_id}", json=fields, timeout=5)
    assert response.status_code in (200, 201), response.text


def stored(stack: LocalStack, mandate_id: str) -> dict[str, Any] | None:
    item = stack.session.client("dynamodb").get_item(
        TableName=stack.output("MandatesTable"), Key={"mandate_id": {"S": mandate_id}}
    )
    return item.get("Item")


def juspay_requests(sim: JuspaySimulator) -> list[dict[str, Any]]:
    return list(requests.get(f"{sim.url}/__sim/requests", timeout=5).json())


def test_get_mandate_confirms_with_juspay_and_remembers(
    gateway: LocalApiGateway, stack: LocalStack, simulator: JuspaySimulator
) -> None:
    put_mandate(simulator, "mnd1", status="ACTIVE", customer_id="cust1", max_amount=1500, currency="INR")
    # Listing the customer's mandates is how this system learns whose mandate it is (the routing id).
    assert signed(gateway, "GET", "/customers/cust1/mandates").status_code == 200
    requests.delete(f"{simulator.url}/__sim/requests", timeout=5)

    response = signed(gateway, "GET", "/mandates/mnd1")

    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.json
    assert body["mandate_id"] == "mnd1"
    assert body["status"] == "ACTIVE"
    assert body["max_amount"] == "1500.00"
    assert "mandate_token" not in body
    assert "payment_info" not in body
    record = stored(stack, "mnd1")
    assert record is not None
    assert record["status"]["S"] == "ACTIVE"
    assert record["source"]["S"] == "check_status"
    assert record["customer_id"]["S"] == "cust1"
    [call] = juspay_requests(simulator)
    assert (call["method"], call["path"], call["form"].get("command"), call["routing_id"]) == (
        "POST",
        "/mandates/mnd1",
        "check_status",
        "cust1",
    )


def test_list_mandates_for_a_customer(gateway: LocalApiGateway, simulator: JuspaySimulator) -> None:
    put_mandate(simulator, "mndA", status="ACTIVE", customer_id="cust9", max_amount=100)
    put_mandate(simulator, "mndB", status="PAUSED", customer_id="cust9", max_amount=200)

    response = signed(gateway, "GET", "/customers/cust9/mandates")

    assert response.status_code == 200
    assert response.json["customer_id"] == "cust9"
    assert sorted((m["mandate_id"], m["status"]) for m in response.json["mandates"]) == [
        ("mndA", "ACTIVE"),
        ("mndB", "PAUSED"),
    ]
    [call] = juspay_requests(simulator)
    assert call["routing_id"] == "cust9"


def test_revoke_mandate_then_revoking_again_is_juspays_400(
    gateway: LocalApiGateway, stack: LocalStack, simulator: JuspaySimulator
) -> None:
    put_mandate(simulator, "mnd2", status="ACTIVE", customer_id="cust2", max_amount=100)
    assert signed(gateway, "GET", "/customers/cust2/mandates").status_code == 200

    first = signed(gateway, "POST", "/mandates/mnd2/revoke")
    again = signed(gateway, "POST", "/mandates/mnd2/revoke")

    assert first.status_code == 200
    assert first.json["status"] == "REVOKED"
    record = stored(stack, "mnd2")
    assert record is not None
    assert record["status"]["S"] == "REVOKED"
    assert again.status_code == 400
    assert again.json["error"] == "juspay_bad_request"
    revokes = [r for r in juspay_requests(simulator) if r["path"] == "/mandates/mnd2"]
    assert [r["routing_id"] for r in revokes] == ["cust2", "cust2"]


def test_unknown_mandate_is_404_and_unsigned_calls_are_403(
    gateway: LocalApiGateway, simulator: JuspaySimulator
) -> None:
    unknown = signed(gateway, "GET", "/mandates/nope")
    assert unknown.status_code == 404
    assert unknown.json["details"]["rule"] == "mandate_customer_unknown"
    assert http(gateway, "GET", "/mandates/mnd1").status_code == 403
    assert http(gateway, "POST", "/mandates/mnd1/revoke").status_code == 403
    assert signed(gateway, "GET", "/mandates/bad%20id").status_code == 400
    # Never routed by the mandate id: a mandate whose customer is unknown here is not sent to Juspay at all.
    assert juspay_requests(simulator) == []


def test_listed_mandate_is_known_and_routed_by_its_customer(
    gateway: LocalApiGateway, simulator: JuspaySimulator
) -> None:
    put_mandate(simulator, "mnd7", status="ACTIVE", customer_id="cust7", max_amount=100)
    assert signed(gateway, "GET", "/mandates/mnd7").status_code == 404
    assert signed(gateway, "GET", "/customers/cust7/mandates").status_code == 200

    checked = signed(gateway, "GET", "/mandates/mnd7")

    assert checked.status_code == 200, checked.get_data(as_text=True)
    assert checked.json["customer_id"] == "cust7"
    assert [r["routing_id"] for r in juspay_requests(simulator)] == ["cust7", "cust7"]


def test_mandate_webhook_keeps_the_table_current(
    gateway: LocalApiGateway, stack: LocalStack, local_settings: LocalSettings, simulator: JuspaySimulator
) -> None:
    sample = load_sample("webhook_mandate_revoked.json")
    mandate_id = sample["content"]["mandate"]["mandate_id"]
    sample["content"]["mandate"]["customer_id"] = "cust3"  # the sample's is redacted ("FILTERED")
    put_mandate(simulator, mandate_id, status="REVOKED", customer_id="cust3", max_amount=100)
    auth = basic_auth(local_settings.webhook_username, local_settings.webhook_password)

    response = http(
        gateway,
        "POST",
        "/webhooks/juspay",
        body=json.dumps(sample),
        headers={"Authorization": auth, "Content-Type": "application/json"},
    )
    stack.runtime.drain()

    assert response.status_code == 200
    record = stored(stack, mandate_id)
    assert record is not None
    assert record["status"]["S"] == "REVOKED"
    assert record["source"]["S"] == "MANDATE_REVOKED"
    assert record["customer_id"]["S"] == "cust3"
    assert [r["routing_id"] for r in juspay_requests(simulator)] == ["cust3"]


def test_mandate_event_without_an_id_changes_nothing(stack: LocalStack, simulator: JuspaySimulator) -> None:
    event = json.loads((EVENTS / "eventbridge_mandate_no_id.json").read_text())
    result = stack.runtime.invoke("TrackMandateFunction", event)
    assert result == {"mandate_id": None, "status": None}
    assert juspay_requests(simulator) == []
