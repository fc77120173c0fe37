"""POST /mandates/{mandate_id}/notifications and /debits on the merchant API: validation, refusals and the
calls Juspay (the simulator) receives, with the real handlers and tables built from template.yaml."""

from __future__ import annotations

import json

import requests

from paybridge_local.api_gateway import LocalApiGateway
from paybridge_local.simulator import JuspaySimulator
from paybridge_local.stack import LocalStack
from tests.helpers import EVENTS, signed
from tests.integration.mandates.test_mandates import juspay_requests, put_mandate


def test_notification_is_sent_as_juspay_takes_it_and_the_early_debit_is_refused(
    gateway: LocalApiGateway, simulator: JuspaySimulator
) -> None:
    put_mandate(simulator, "mndD1", status="ACTIVE", customer_id="custD", max_amount=1000, currency="INR")
    assert signed(gateway, "GET", "/customers/custD/mandates").status_code == 200

    sent = signed(
        gateway, "POST", "/mandates/mndD1/notifications", json.dumps({"cycle": "c1", "amount": "10"})
    )
    assert sent.status_code == 201, sent.get_data(as_text=True)
    assert (sent.json["status"], sent.json["amount"]) == ("NOTIFIED", "10.00")
    [call] = [r for r in juspay_requests(simulator) if r["path"] == "/mandates/mndD1"]
    assert call["form"]["command"] == "pre_debit_notify"
    assert call["routing_id"] == "custD"
    assert json.loads(call["form"]["source_info"])["amount"] == "10.00"

    early = signed(gateway, "POST", "/mandates/mndD1/debits", json.dumps({"cycle": "c1"}))
    assert early.status_code == 409, early.get_data(as_text=True)
    assert (early.json["error"], early.json["details"]["rule"]) == (
        "mandate_debit_refused",
        "notification_window",
    )
    assert not [r for r in juspay_requests(simulator) if r["path"] == "/txns"]
    looked = signed(gateway, "GET", "/mandates/mndD1/debits/c1")
    assert looked.status_code == 200, looked.get_data(as_text=True)
    assert looked.json == sent.json, "a look changes nothing"
    assert signed(gateway, "GET", "/mandates/mndD1/debits/c2").status_code == 404
    assert signed(gateway, "GET", "/mandates/mndD1/debits/a%20b").status_code in (400, 404)


def test_debit_routes_validate_their_input(gateway: LocalApiGateway, simulator: JuspaySimulator) -> None:
    put_mandate(simulator, "mndD2", status="ACTIVE", customer_id="custD", max_amount=100, currency="INR")
    assert signed(gateway, "GET", "/customers/custD/mandates").status_code == 200
    bad_cycle = signed(
        gateway, "POST", "/mandates/mndD2/notifications", json.dumps({"cycle": "a b", "amount": "1"})
    )
    bad_amount = signed(
        gateway, "POST", "/mandates/mndD2/notifications", json.dumps({"cycle": "c", "amount": "-1"})
    )
    unknown_field = signed(gateway, "POST", "/mandates/mndD2/debits", json.dumps({"cycle": "c", "x": 1}))
    unknown_mandate = signed(
        gateway, "POST", "/mandates/nomandate/notifications", json.dumps({"cycle": "c", "amount": "1"})
    )
    not_notified = signed(gateway, "POST", "/mandates/mndD2/debits", json.dumps({"cycle": "c"}))
    over_max = signed(
        gateway, "POST", "/mandates/mndD2/notifications", json.dumps({"cycle": "c", "amount": "101"})
    )

    assert (bad_cycle.status_code, bad_amount.status_code, unknown_field.status_code) == (422, 422, 400)
    assert bad_cycle.json["details"]["errors"][0]["code"] == "cycle_format"
    assert unknown_mandate.status_code == 404
    assert not_notified.status_code == 409
    assert not_notified.json["details"]["rule"] == "not_notified"
    assert over_max.status_code == 400, "Juspay's refusal passed on"
    assert over_max.json["error"] == "juspay_bad_request"
    # A refused notification leaves nothing: the cycle can be notified again with a fitting amount.
    retried = signed(
        gateway, "POST", "/mandates/mndD2/notifications", json.dumps({"cycle": "c", "amount": "99"})
    )
    assert retried.status_code == 201, retried.get_data(as_text=True)


def test_notification_events_update_the_debit_they_announce(
    gateway: LocalApiGateway, stack: LocalStack, simulator: JuspaySimulator
) -> None:
    event = json.loads((EVENTS / "eventbridge_notification_succeeded.json").read_text())
    assert stack.runtime.invoke("TrackMandateDebitFunction", event) == {"action": "ignored", "status": None}
    assert juspay_requests(simulator) == [], "a notification of no debit here costs no Juspay call"

    put_mandate(simulator, "mndD3", status="ACTIVE", customer_id="custD", currency="INR")
    assert signed(gateway, "GET", "/customers/custD/mandates").status_code == 200
    sent = signed(gateway, "POST", "/mandates/mndD3/notifications", json.dumps({"cycle": "c", "amount": "5"}))
    notification_id = sent.json["notification_id"]
    failed = requests.post(
        f"{simulator.url}/__sim/notifications/{notification_id}",
        json={"status": "FAILURE", "deliver": False},
        timeout=5,
    )
    assert failed.ok, failed.text
    event["detail"]["content"]["notification"]["id"] = notification_id
    result = stack.runtime.invoke("TrackMandateDebitFunction", event)
    assert result == {"action": "notification", "status": "FAILURE"}, "the webhook's SUCCEEDED is a hint"
    again = signed(
        gateway, "POST", "/mandates/mndD3/notifications", json.dumps({"cycle": "c", "amount": "5"})
    )
    assert again.json["notification_status"] == "SUCCESS", "a failed notification is sent again"
    assert again.json["notification_id"] != notification_id
