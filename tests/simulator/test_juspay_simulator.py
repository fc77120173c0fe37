"""The simulator's control API, operation by operation, driven over HTTP with plain requests."""

from __future__ import annotations

import base64
import os
import re
import signal
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import requests

from paybridge.models.juspay import Order, loads_juspay_json
from paybridge_local.simulator import DEFAULT_API_KEY, DEFAULT_MERCHANT_ID, JuspaySimulator
from paybridge_local.simulator.server import dumps_json
from paybridge_local.simulator.state import camel_key
from tests.juspay_helpers import (
    API_KEY,
    MERCHANT_ID,
    SimControl,
    WebhookReceiver,
    load_sample,
    start_simulator,
)

NB = "order_status_charged_nb.json"
SPLIT = "order_status_split_partial_charged_custom_wallet.json"
AUTH = {
    "Authorization": "Basic " + base64.b64encode(f"{API_KEY}:".encode()).decode(),
    "x-merchantid": MERCHANT_ID,
}


def api(sim: JuspaySimulator, method: str, path: str, **kwargs: Any) -> requests.Response:
    return requests.request(method, sim.url + path, headers=AUTH, timeout=5, **kwargs)


def body(response: requests.Response) -> Any:
    return loads_juspay_json(response.content)


# --- Orders -----------------------------------------------------------------------------------------------
def test_put_order_then_get_answers_it_and_put_again_replaces(
    sim: JuspaySimulator, control: SimControl
) -> None:
    control.put_sample(SPLIT, status="PENDING_VBV")
    assert body(api(sim, "GET", "/orders/testing-order-147"))["status"] == "PENDING_VBV"
    control.put_sample(SPLIT)
    got = body(api(sim, "GET", "/orders/testing-order-147"))
    assert got == load_sample(SPLIT), "the stored order comes back exactly (numbers included)"
    assert control.http.get(f"{sim.url}/__sim/orders/testing-order-147").json()["status"] == "PARTIAL_CHARGED"


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ([1, 2], "JSON object"),
        ({"order_id": "other", "status": "NEW"}, "differs"),
        ({"status": 5, "txn_list": "x"}, "invalid fields"),
    ],
)
def test_put_order_refuses_bad_bodies(control: SimControl, payload: Any, message: str) -> None:
    response = control.put_order(payload, order_id="o1")
    assert response.status_code == 400
    assert message in response.json()["error"]


def test_put_order_body_must_be_json(sim: JuspaySimulator) -> None:
    response = requests.put(f"{sim.url}/__sim/orders/o1", data="{nope", timeout=5)
    assert response.status_code == 400
    assert "JSON" in response.json()["error"]


def test_unknown_order_is_404_with_juspay_envelope(sim: JuspaySimulator) -> None:
    response = api(sim, "GET", "/orders/missing")
    assert response.status_code == 404
    assert set(response.json()) == {"status", "error_code", "error_message", "error_info"}
    assert response.json()["error_info"]["code"] == "RESOURCE_NOT_FOUND"


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Basic " + base64.b64encode(b"wrong:").decode()},
        {"Authorization": "Basic !!!notbase64"},
        {"Authorization": "Bearer " + API_KEY},
        {**AUTH, "x-merchantid": "other"},
    ],
)
def test_juspay_api_needs_the_key(sim: JuspaySimulator, control: SimControl, headers: dict[str, str]) -> None:
    control.put_sample(NB)
    response = requests.get(f"{sim.url}/orders/JPAYNEW032", headers=headers, timeout=5)
    assert response.status_code == 401
    assert response.json()["error_code"] == "access_denied"


def test_unknown_routes(sim: JuspaySimulator) -> None:
    assert api(sim, "GET", "/nothing/here").status_code == 404
    assert api(sim, "DELETE", "/orders/x").status_code == 405
    assert requests.get(f"{sim.url}/__sim/nothing", timeout=5).status_code == 404
    assert requests.get(f"{sim.url}/__sim/health", timeout=5).json() == {
        "status": "ok",
        "merchant_id": MERCHANT_ID,
    }


def test_update_order_changes_only_allowed_fields(sim: JuspaySimulator, control: SimControl) -> None:
    control.put_sample("update_order_response.json")
    response = api(sim, "POST", "/orders/JPAYNEW035", data={"amount": "90.50", "udf3": "x"})
    assert (body(response)["amount"], body(response)["udf3"]) == (Decimal("90.50"), "x")
    refused = api(sim, "POST", "/orders/JPAYNEW035", data={"customer_email": "a@b.c"})
    assert refused.status_code == 400
    assert refused.json()["error_code"] == "invalid.field"
    bad_amount = api(sim, "POST", "/orders/JPAYNEW035", data={"amount": "1.234"})
    assert bad_amount.status_code == 400
    assert bad_amount.json()["error_code"] == "invalid amount"


# --- Faults -----------------------------------------------------------------------------------------------
def test_status_fault_applies_times_then_clears_itself(sim: JuspaySimulator, control: SimControl) -> None:
    control.put_sample(NB)
    fault = control.fault(method="get", path="/orders/*", status=503, times=2)
    assert (fault["method"], fault["times"]) == ("GET", 2)
    assert [api(sim, "GET", "/orders/JPAYNEW032").status_code for _ in range(3)] == [503, 503, 200]
    assert control.http.get(f"{sim.url}/__sim/faults").json() == []


def test_fault_matches_method_and_path(sim: JuspaySimulator, control: SimControl) -> None:
    control.put_sample(NB)
    control.fault(method="POST", path="/orders/JPAYNEW032", status=500)
    assert api(sim, "GET", "/orders/JPAYNEW032").status_code == 200
    control.fault(path="/orders/OTHER", status=500)
    assert api(sim, "GET", "/orders/JPAYNEW032").status_code == 200
    assert len(control.http.get(f"{sim.url}/__sim/faults").json()) == 2
    assert control.http.delete(f"{sim.url}/__sim/faults").status_code == 200
    assert control.http.get(f"{sim.url}/__sim/faults").json() == []


def test_drop_and_delay_faults(sim: JuspaySimulator, control: SimControl) -> None:
    control.put_sample(NB)
    control.fault(path="/orders/JPAYNEW032", drop=True)
    with pytest.raises(requests.ConnectionError):
        api(sim, "GET", "/orders/JPAYNEW032")
    control.fault(path="/orders/JPAYNEW032", delay_ms=300)
    started = time.monotonic()
    assert api(sim, "GET", "/orders/JPAYNEW032").status_code == 200
    assert time.monotonic() - started >= 0.3


def test_fault_custom_body(sim: JuspaySimulator, control: SimControl) -> None:
    control.fault(path="/refunds", status=400, body={"status": "ERROR", "error_code": "x.y"})
    assert api(sim, "POST", "/refunds", data={}).json() == {"status": "ERROR", "error_code": "x.y"}


@pytest.mark.parametrize(
    "spec",
    [
        {"status": 503},
        {"path": "/x"},
        {"path": "/x", "status": 42},
        {"path": "/x", "status": 503, "drop": True},
        {"path": "/x", "delay_ms": -1},
        {"path": "/x", "status": 500, "times": 0},
    ],
)
def test_invalid_fault_specs_are_refused(sim: JuspaySimulator, spec: dict[str, Any]) -> None:
    assert requests.post(f"{sim.url}/__sim/faults", json=spec, timeout=5).status_code == 400


# --- Request log ------------------------------------------------------------------------------------------
def test_request_log_records_juspay_calls_in_order(sim: JuspaySimulator, control: SimControl) -> None:
    control.put_sample(NB)
    api(sim, "GET", "/orders/JPAYNEW032?options.add_full_gateway_response=true")
    api(sim, "POST", "/orders/JPAYNEW032/refunds", data={"unique_request_id": "r1", "amount": "1.00"})
    requests.get(f"{sim.url}/orders/JPAYNEW032", timeout=5)  # unauthenticated: still logged
    log = control.requests_log()
    assert [(r["method"], r["path"]) for r in log] == [
        ("GET", "/orders/JPAYNEW032"),
        ("POST", "/orders/JPAYNEW032/refunds"),
        ("GET", "/orders/JPAYNEW032"),
    ]
    assert log[0]["query"] == {"options.add_full_gateway_response": "true"}
    assert log[1]["form"] == {"unique_request_id": "r1", "amount": "1.00"}
    assert log[1]["headers"]["authorization"] == "Basic ***"
    assert API_KEY not in str(log)
    assert "authorization" not in log[2]["headers"]
    assert control.http.delete(f"{sim.url}/__sim/requests").status_code == 200
    assert control.requests_log() == []


def test_the_logs_keep_their_newest_entries_up_to_the_limit() -> None:
    sim = start_simulator(log_limit=2)
    try:
        for n in range(3):
            requests.get(f"{sim.url}/orders/ord_{n}", timeout=5)  # no version header: a violation each
        paths = [r["path"] for r in requests.get(f"{sim.url}/__sim/requests", timeout=5).json()]
        versions = requests.get(f"{sim.url}/__sim/version-violations", timeout=5).json()
    finally:
        sim.stop()

    assert paths == ["/orders/ord_1", "/orders/ord_2"]
    assert [v["path"] for v in versions] == ["/orders/ord_1", "/orders/ord_2"]


# --- Refunds ----------------------------------------------------------------------------------------------
def test_refunds_pending_then_settled(sim: JuspaySimulator, control: SimControl) -> None:
    control.put_sample(NB)
    first = body(
        api(sim, "POST", "/orders/JPAYNEW032/refunds", data={"unique_request_id": "r1", "amount": "100"})
    )
    assert [(r["unique_request_id"], r["status"]) for r in first["refunds"]] == [("r1", "PENDING")]
    assert (first["amount_refunded"], first["refunded"]) == (100, True)
    settled = control.settle("r1", "SUCCESS").json()
    assert settled["status"] == "SUCCESS"
    assert settled["reference_id"].startswith("sim_ref_")
    order = body(api(sim, "GET", "/orders/JPAYNEW032"))
    assert order["refunds"][0]["status"] == "SUCCESS"
    assert requests.get(f"{sim.url}/__sim/refunds/r1", timeout=5).json()["status"] == "SUCCESS"


def test_failed_refund_releases_the_amount(sim: JuspaySimulator, control: SimControl) -> None:
    control.put_sample(NB)
    api(sim, "POST", "/orders/JPAYNEW032/refunds", data={"unique_request_id": "r1", "amount": "9000"})
    assert (
        api(
            sim, "POST", "/orders/JPAYNEW032/refunds", data={"unique_request_id": "r2", "amount": "1"}
        ).status_code
        == 400
    )
    control.settle("r1", "FAILURE")
    order = body(api(sim, "GET", "/orders/JPAYNEW032"))
    assert (order["amount_refunded"], order["refunded"]) == (0, False)
    assert order["refunds"][0]["error_code"] == "REFUND_FAILED"
    again = api(sim, "POST", "/orders/JPAYNEW032/refunds", data={"unique_request_id": "r2", "amount": "1"})
    assert again.status_code == 200
    assert control.settle("r2", "MANUAL_REVIEW").json()["status"] == "MANUAL_REVIEW"


def test_dashboard_and_auto_refunds_are_listed_without_txn_id_but_counted_on_their_transaction(
    sim: JuspaySimulator, control: SimControl
) -> None:
    order = control.put_sample("order_status_split_partial_charged_custom_wallet.json")
    online = order["txn_list"][0]["txn_id"]
    url = f"{sim.url}/__sim/orders/{order['order_id']}/refunds"

    added = requests.post(
        url, json={"amount": "40", "txn_id": online, "initiated_by": "AUTO_REFUNDED"}, timeout=5
    )
    assert added.status_code == 201, added.text
    [entry] = added.json()["refunds"]
    assert (entry["status"], entry["amount"], entry["initiated_by"]) == ("SUCCESS", 40, "AUTO_REFUNDED")
    assert "txn_id" not in entry
    seen = body(api(sim, "GET", f"/orders/{order['order_id']}"))
    assert [(t["amount_refunded"], t["refunded"]) for t in seen["txn_list"]] == [(40, True), (0, False)]
    assert seen["amount_refunded"] == 40
    # The online part is refunded in full now: the API refuses more.
    more = api(sim, "POST", "/refunds", data={"txn_id": online, "unique_request_id": "x1", "amount": "1"})
    assert more.status_code == 400

    pending = requests.post(
        url, json={"amount": "5", "status": "PENDING", "unique_request_id": "d1"}, timeout=5
    )
    assert pending.json()["refunds"][1]["status"] == "PENDING"
    assert control.settle("d1", "FAILURE").json()["status"] == "FAILURE"
    for bad in (
        {"amount": "0"},
        {"txn_id": online},
        {"amount": "1", "status": "DONE"},
        {"amount": "1", "txn_id": "no"},
    ):
        assert requests.post(url, json=bad, timeout=5).status_code == 400, bad
    assert requests.post(url, json={"amount": "1", "unique_request_id": "d1"}, timeout=5).status_code == 409
    assert (
        requests.post(f"{sim.url}/__sim/orders/nope/refunds", json={"amount": "1"}, timeout=5).status_code
        == 404
    )


def test_an_order_refund_of_a_split_order_counts_on_its_charged_transaction(
    sim: JuspaySimulator, control: SimControl
) -> None:
    order = control.put_sample("order_status_split_partial_charged_custom_wallet.json")
    path = f"/orders/{order['order_id']}/refunds"
    refunded = body(api(sim, "POST", path, data={"unique_request_id": "o1", "amount": "15"}))
    assert "txn_id" not in refunded["refunds"][0]
    assert [t["amount_refunded"] for t in refunded["txn_list"]] == [15, 0]
    assert control.settle("o1", "SUCCESS").json()["txn_id"] == order["txn_list"][0]["txn_id"]


def test_settle_refuses_unknown_refund_or_status(sim: JuspaySimulator, control: SimControl) -> None:
    assert control.settle("nope", "SUCCESS").status_code == 404
    assert control.settle("nope", "DONE").status_code == 400
    assert requests.get(f"{sim.url}/__sim/refunds/nope", timeout=5).status_code == 404


def test_refund_id_reused_for_another_txn_or_api_is_refused(
    sim: JuspaySimulator, control: SimControl
) -> None:
    control.put_sample(SPLIT)
    control.put_sample(NB)
    txn = {"txn_id": "neeraj_juspay_prod-testing-order-147-3-1", "unique_request_id": "u1", "amount": "5"}
    refund = body(api(sim, "POST", "/refunds", data=txn))
    assert set(refund) == set(load_sample("refund_txn_id_response_pending.json"))
    assert api(sim, "POST", "/refunds", data=txn).json()["unique_request_id"] == "u1"
    other = api(sim, "POST", "/refunds", data={**txn, "txn_id": "merchantId-JPAYNEW032-1"})
    assert other.status_code == 400
    assert other.json()["error_code"] == "duplicate.call"
    via_order = api(
        sim, "POST", "/orders/JPAYNEW032/refunds", data={"unique_request_id": "u1", "amount": "5"}
    )
    assert via_order.json()["error_code"] == "duplicate.call"


@pytest.mark.parametrize(
    ("path", "form", "code"),
    [
        ("/orders/JPAYNEW032/refunds", {"amount": "1"}, "Mandatory fields are missing"),
        ("/orders/JPAYNEW032/refunds", {"unique_request_id": "a", "amount": "0"}, "invalid amount"),
        ("/orders/JPAYNEW032/refunds", {"unique_request_id": "a", "amount": "abc"}, "invalid amount"),
        ("/refunds", {"unique_request_id": "a", "amount": "1"}, "Mandatory fields are missing"),
    ],
)
def test_refund_input_errors(
    sim: JuspaySimulator, control: SimControl, path: str, form: dict[str, str], code: str
) -> None:
    control.put_sample(NB)
    response = api(sim, "POST", path, data=form)
    assert response.status_code == 400
    assert response.json()["error_code"] == code


def test_unknown_order_refund_answers_not_found_body(sim: JuspaySimulator) -> None:
    response = api(sim, "POST", "/orders/ghost/refunds", data={"unique_request_id": "a", "amount": "1"})
    assert response.status_code == 400
    assert response.json() == {"status_id": 40, "status": "NOT_FOUND", "order_id": "ghost"}


def test_put_order_keeps_api_refunds_unless_it_brings_its_own(
    sim: JuspaySimulator, control: SimControl
) -> None:
    control.put_sample(NB)
    api(sim, "POST", "/orders/JPAYNEW032/refunds", data={"unique_request_id": "r1", "amount": "1"})
    control.put_sample(NB, status="CHARGED")
    assert [r["unique_request_id"] for r in body(api(sim, "GET", "/orders/JPAYNEW032"))["refunds"]] == ["r1"]
    control.put_sample("order_status_charged_wallet_with_refund.json")
    assert control.settle("refund_1590649567", "FAILURE").json()["status"] == "FAILURE"
    control.put_sample(NB, refunds=[])
    assert control.settle("r1", "SUCCESS").status_code == 404


# --- Mandates ---------------------------------------------------------------------------------------------
def test_put_mandate_list_and_commands(sim: JuspaySimulator) -> None:
    mandate = {"status": "ACTIVE", "customer_id": "c1", "max_amount": 1000, "frequency": "MONTHLY"}
    stored = requests.put(f"{sim.url}/__sim/mandates/m1", json=mandate, timeout=5).json()
    assert (stored["mandate_id"], stored["status"]) == ("m1", "ACTIVE")
    listing = api(sim, "GET", "/customers/c1/mandates").json()
    assert (listing["total"], listing["object"], listing["list"][0]["mandate_id"]) == (1, "list", "m1")
    assert api(sim, "GET", "/customers/c2/mandates").json()["list"] == []
    assert api(sim, "POST", "/mandates/m1", data={"command": "resume"}).status_code == 400
    paused = api(sim, "POST", "/mandates/m1", data={"command": "pause"}).json()
    assert (paused["mandate_status"], paused["response_message"]) == ("PAUSED", "Mandate is Paused.")
    assert api(sim, "POST", "/mandates/m1", data={"command": "revoke"}).json() == {
        "mandate_status": "REVOKED",
        "mandate_id": "m1",
    }
    assert (
        api(sim, "POST", "/mandates/m1", data={"command": "explode"}).json()["error_code"]
        == "invalid.command"
    )
    assert api(sim, "POST", "/mandates/m1", data={}).status_code == 400
    assert api(sim, "POST", "/mandates/m404", data={"command": "check_status"}).status_code == 404
    assert (
        requests.put(f"{sim.url}/__sim/mandates/m2", json={"customer_id": "c"}, timeout=5).status_code == 400
    )
    assert requests.put(f"{sim.url}/__sim/mandates/m2", json=[1], timeout=5).status_code == 400


# --- Session ----------------------------------------------------------------------------------------------
def test_session_creates_order_once(sim: JuspaySimulator, control: SimControl) -> None:
    request = load_sample("session_request_body_v1.json")
    first = api(sim, "POST", "/session", json=request).json()
    assert (first["status"], first["order_id"]) == ("NEW", "testing-order-one")
    payload = first["sdk_payload"]["payload"]
    assert (payload["clientId"], payload["billingAddressFirstName"], payload["amount"]) == (
        "yourClientId",
        "John",
        "1.0",
    )
    assert set(first) == set(load_sample("session_response_merchant_container.json"))
    control.put_sample(NB, order_id="testing-order-one", status="CHARGED")
    assert api(sim, "POST", "/session", json=request).json()["status"] == "CHARGED"
    assert api(sim, "POST", "/session", data="{bad").status_code == 400
    assert api(sim, "POST", "/session", json={"order_id": "x"}).status_code == 400


# --- Webhooks ---------------------------------------------------------------------------------------------
def test_webhook_resent_until_200_with_basic_auth() -> None:
    receiver = WebhookReceiver([500, 503, 200])
    with receiver.running():
        sim = start_simulator(
            webhook_url=receiver.url,
            webhook_username="hook_user",
            webhook_password="hook_pass",
            webhook_max_attempts=4,
        )
        try:
            control = SimControl(sim.url)
            control.put_sample(SPLIT)
            delivery = requests.post(
                f"{sim.url}/__sim/orders/testing-order-147/webhook",
                json={"event_name": "ORDER_PARTIAL_CHARGED"},
                timeout=10,
            ).json()
            log = requests.get(f"{sim.url}/__sim/webhooks", timeout=5).json()
        finally:
            sim.stop()
    assert delivery["delivered"] is True
    assert [a["status"] for a in delivery["attempts"]] == [500, 503, 200]
    assert log == [delivery]
    assert len(receiver.received) == 3
    expected_auth = "Basic " + base64.b64encode(b"hook_user:hook_pass").decode()
    assert {r["headers"]["authorization"] for r in receiver.received} == {expected_auth}
    events = [loads_juspay_json(r["body"]) for r in receiver.received]
    assert len({e["id"] for e in events}) == 1, "a resend carries the same event id"
    event = events[0]
    assert re.fullmatch(r"evt_V2_[0-9a-f]{32}", event["id"])
    assert event["id"] == delivery["event_id"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", event["date_created"])
    assert event["event_name"] == "ORDER_PARTIAL_CHARGED"
    assert event["content"]["order"] == load_sample(SPLIT)
    assert Order.model_validate(event["content"]["order"]).transactions()[1].txn_amount == Decimal(10)


def test_webhook_gives_up_after_max_attempts() -> None:
    receiver = WebhookReceiver([500] * 10)
    with receiver.running():
        sim = start_simulator(webhook_url=receiver.url, webhook_max_attempts=3)
        try:
            SimControl(sim.url).put_sample(NB)
            delivery = requests.post(
                f"{sim.url}/__sim/orders/JPAYNEW032/webhook",
                json={"event_name": "ORDER_SUCCEEDED"},
                timeout=10,
            ).json()
        finally:
            sim.stop()
    assert delivery["delivered"] is False
    assert len(delivery["attempts"]) == 3
    assert "authorization" not in receiver.received[0]["headers"]


def test_webhook_to_unreachable_receiver_reports_errors() -> None:
    sim = start_simulator(webhook_url="http://127.0.0.1:9/hook", webhook_max_attempts=2)
    try:
        SimControl(sim.url).put_sample(NB)
        delivery = requests.post(
            f"{sim.url}/__sim/orders/JPAYNEW032/webhook", json={"event_name": "X"}, timeout=10
        ).json()
    finally:
        sim.stop()
    assert [a["error"] for a in delivery["attempts"]] == ["ConnectionError", "ConnectionError"]


def test_webhook_control_errors(sim: JuspaySimulator, control: SimControl) -> None:
    control.put_sample(NB)
    url = f"{sim.url}/__sim/orders/JPAYNEW032/webhook"
    assert (
        requests.post(url, json={"event_name": "ORDER_SUCCEEDED"}, timeout=5).status_code == 409
    )  # no URL set
    assert requests.post(url, json={}, timeout=5).status_code == 400
    assert (
        requests.post(
            f"{sim.url}/__sim/orders/ghost/webhook", json={"event_name": "X"}, timeout=5
        ).status_code
        == 404
    )


# --- Lifecycle and helpers --------------------------------------------------------------------------------
def test_reset_forgets_everything(sim: JuspaySimulator, control: SimControl) -> None:
    control.put_sample(NB)
    control.fault(path="/x", status=500)
    assert requests.post(f"{sim.url}/__sim/reset", timeout=5).json() == {"reset": True}
    assert api(sim, "GET", "/orders/JPAYNEW032").status_code == 404
    assert control.http.get(f"{sim.url}/__sim/faults").json() == []


def test_start_stop_and_url() -> None:
    sim = JuspaySimulator()
    with pytest.raises(RuntimeError):
        _ = sim.url
    assert "None" in repr(sim)
    with sim:
        assert sim.url.startswith("http://127.0.0.1:")
        assert sim.api_key == DEFAULT_API_KEY
        assert sim.merchant_id == DEFAULT_MERCHANT_ID
        with pytest.raises(RuntimeError):
            sim.start()
    sim.stop()  # a second stop is harmless
    with pytest.raises(ValueError, match="webhook_max_attempts"):
        JuspaySimulator(webhook_max_attempts=0)


def test_dumps_json_writes_decimals_as_numbers() -> None:
    assert (
        dumps_json({"a": Decimal("10.50"), "b": [1, None, True, "x"]}) == b'{"a":10.50,"b":[1,null,true,"x"]}'
    )
    assert camel_key("metadata.merchant_container_list") == "metadata.merchantContainerList"


def test_main_serves_until_sigterm() -> None:
    root = Path(__file__).resolve().parents[2]
    env = {
        **os.environ,
        "LOCAL_JUSPAY_PORT": "0",
        "LOCAL_JUSPAY_API_KEY": "k1",
        "LOCAL_JUSPAY_MERCHANT_ID": "m1",
    }
    env["PYTHONPATH"] = os.pathsep.join([str(root / "layers" / "common"), str(root)])
    process = subprocess.Popen(
        [sys.executable, "-m", "paybridge_local.simulator"],
        cwd=root,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        url = re.search(r"http://127\.0\.0\.1:\d+", line)
        assert url is not None, line
        assert requests.get(f"{url.group(0)}/__sim/health", timeout=5).json() == {
            "status": "ok",
            "merchant_id": "m1",
        }
        auth = {"Authorization": "Basic " + base64.b64encode(b"k1:").decode()}
        assert requests.get(f"{url.group(0)}/orders/x", headers=auth, timeout=5).status_code == 404
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
    finally:
        if process.poll() is None:
            process.kill()
