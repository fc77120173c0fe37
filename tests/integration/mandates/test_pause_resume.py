"""POST /mandates/{mandate_id}/pause and /resume: the client's commands on the merchant API (simulator)."""

from __future__ import annotations

import json

from paybridge_local.api_gateway import LocalApiGateway
from paybridge_local.simulator import JuspaySimulator
from paybridge_local.stack import LocalStack
from tests.helpers import signed
from tests.integration.mandates.test_mandates import juspay_requests, put_mandate, stored


def test_pause_then_resume_follow_juspay_and_are_remembered(
    gateway: LocalApiGateway, stack: LocalStack, simulator: JuspaySimulator
) -> None:
    put_mandate(simulator, "mndP1", status="ACTIVE", customer_id="cust1", max_amount=1500, currency="INR")
    # Listing makes the mandate's customer known here: Juspay's x-routing-id for its commands.
    assert signed(gateway, "GET", "/customers/cust1/mandates").status_code == 200

    paused = signed(gateway, "POST", "/mandates/mndP1/pause", json.dumps({"pause_end_date": "1664546405"}))
    assert paused.status_code == 200, paused.get_data(as_text=True)
    assert paused.json["status"] == "PAUSED"
    assert paused.json["max_amount"] == "1500.00"
    [pause_call] = [r for r in juspay_requests(simulator) if r["path"] == "/mandates/mndP1"]
    assert pause_call["form"]["command"] == "pause"
    assert pause_call["form"]["pause_end_date"] == "1664546405"
    assert (stored(stack, "mndP1") or {})["status"]["S"] == "PAUSED"

    resumed = signed(gateway, "POST", "/mandates/mndP1/resume", "{}")
    assert resumed.status_code == 200, resumed.get_data(as_text=True)
    assert resumed.json["status"] == "ACTIVE"
    assert (stored(stack, "mndP1") or {})["status"]["S"] == "ACTIVE"


def test_pause_input_is_validated_and_juspay_refusals_pass_on(
    gateway: LocalApiGateway, simulator: JuspaySimulator
) -> None:
    put_mandate(simulator, "mndP2", status="REVOKED", customer_id="cust1")
    assert signed(gateway, "GET", "/customers/cust1/mandates").status_code == 200
    bad_date = signed(gateway, "POST", "/mandates/mndP2/pause", json.dumps({"pause_end_date": "tomorrow"}))
    unknown = signed(gateway, "POST", "/mandates/mndP2/resume", json.dumps({"when": "now"}))
    refused = signed(gateway, "POST", "/mandates/mndP2/pause", "{}")
    missing = signed(gateway, "POST", "/mandates/nomandate/resume", "{}")

    assert (bad_date.status_code, unknown.status_code) == (422, 400)
    assert refused.status_code == 400, refused.get_data(as_text=True)
    assert refused.json["error"] == "juspay_bad_request"
    assert missing.status_code == 404
