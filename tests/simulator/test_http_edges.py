"""The simulator's HTTP surface beyond the happy path: every error in Juspay's JSON envelope (unknown paths
and methods included), HEAD, chunked request bodies, the headers recorded per call, session expiries."""

from __future__ import annotations

import socket
from datetime import UTC, datetime
from typing import Any

import pytest
import requests

from paybridge_local.simulator import JuspaySimulator
from tests.juspay_helpers import SimControl
from tests.simulator.test_juspay_simulator import AUTH, api

NB = "order_status_charged_nb.json"


def _is_envelope(body: Any, code: str) -> bool:
    info = body.get("error_info") or {}
    return body.get("status") == "ERROR" and body.get("error_code") == code and bool(info.get("request_id"))


@pytest.mark.parametrize("method", ["PATCH", "PUT", "DELETE", "OPTIONS", "TRACE", "FOO"])
def test_other_methods_on_a_known_path_get_405_in_the_envelope(sim: JuspaySimulator, method: str) -> None:
    response = api(sim, method, "/orders/JPAYNEW032")
    assert response.status_code == 405
    assert response.headers["Content-Type"] == "application/json"
    assert _is_envelope(response.json(), "method_not_allowed")
    assert set(response.headers["Allow"].split(", ")) == {"GET", "HEAD", "POST"}


@pytest.mark.parametrize("method", ["GET", "PATCH", "POST"])
def test_unknown_paths_get_404_in_the_envelope(sim: JuspaySimulator, method: str) -> None:
    response = api(sim, method, "/no/such/api")
    assert response.status_code == 404
    assert _is_envelope(response.json(), "not_found")


def test_unknown_control_methods_answer_json_too(sim: JuspaySimulator) -> None:
    response = requests.patch(f"{sim.url}/__sim/faults", timeout=5)
    assert response.status_code == 405
    assert _is_envelope(response.json(), "method_not_allowed")
    assert requests.get(f"{sim.url}/__sim/nothing", timeout=5).json() == {
        "error": "no control operation GET /__sim/nothing"
    }


def test_head_answers_like_get_without_a_body(sim: JuspaySimulator, control: SimControl) -> None:
    control.put_sample(NB)
    got = api(sim, "GET", "/orders/JPAYNEW032")
    head = api(sim, "HEAD", "/orders/JPAYNEW032")
    missing = api(sim, "HEAD", "/orders/nope")
    assert (head.status_code, head.content) == (200, b"")
    assert head.headers["Content-Length"] == got.headers["Content-Length"]
    assert (missing.status_code, missing.content) == (404, b"")


def test_a_malformed_request_line_gets_a_json_400(sim: JuspaySimulator) -> None:
    port = int(sim.url.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(b"GET /orders/x HTTP/9.9\r\n\r\n")
        answer = sock.recv(65536).decode()
    head, _, body = answer.partition("\r\n\r\n")
    assert head.split()[1] in {"400", "505"}
    assert '"status":"ERROR"' in body


def test_chunked_request_bodies_are_read(sim: JuspaySimulator, control: SimControl) -> None:
    control.put_sample(NB)

    def chunks() -> Any:
        yield b"unique_request_id=rf_chunk"
        yield b"&amount=10"

    response = requests.post(
        f"{sim.url}/orders/JPAYNEW032/refunds",
        data=chunks(),
        headers={**AUTH, "Content-Type": "application/x-www-form-urlencoded", "version": "2023-06-30"},
        timeout=5,
    )
    assert response.status_code == 200, response.text
    [entry] = [r for r in control.requests_log() if r["path"] == "/orders/JPAYNEW032/refunds"]
    assert entry["headers"]["transfer-encoding"] == "chunked"
    assert entry["form"] == {"unique_request_id": "rf_chunk", "amount": "10"}
    assert [r["unique_request_id"] for r in response.json()["refunds"]] == ["rf_chunk"]


def test_version_and_routing_id_are_recorded_and_calls_without_version_listed(
    sim: JuspaySimulator, control: SimControl
) -> None:
    control.put_sample(NB)
    headers = {**AUTH, "x-routing-id": "cst_wiqou3224"}
    requests.get(f"{sim.url}/orders/JPAYNEW032", headers={**headers, "version": "2023-06-30"}, timeout=5)
    requests.get(f"{sim.url}/orders/JPAYNEW032", headers=headers, timeout=5)

    log = control.requests_log()
    assert [(e["version"], e["routing_id"]) for e in log] == [
        ("2023-06-30", "cst_wiqou3224"),
        (None, "cst_wiqou3224"),
    ]
    violations = control.http.get(f"{sim.url}/__sim/version-violations").json()
    assert violations == [{"method": "GET", "path": "/orders/JPAYNEW032", "reason": "missing version header"}]
    assert control.http.delete(f"{sim.url}/__sim/version-violations").json() == {"cleared": True}
    assert control.http.get(f"{sim.url}/__sim/version-violations").json() == []


def test_session_expiries_lie_in_the_future(sim: JuspaySimulator) -> None:
    body = {"order_id": "sess_1", "amount": "10.00", "customer_id": "cust_s"}
    session = api(sim, "POST", "/session", json=body).json()
    now = datetime.now(UTC)
    for value in (
        session["order_expiry"],
        session["payment_links"]["expiry"],
        session["sdk_payload"]["expiry"],
        session["sdk_payload"]["payload"]["clientAuthTokenExpiry"],
    ):
        expiry = datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
        assert (expiry - now).total_seconds() > 600, value


def test_orders_can_be_created_with_a_form_or_json(sim: JuspaySimulator, control: SimControl) -> None:
    form = api(sim, "POST", "/orders", data={"order_id": "cr_1", "amount": "12.50", "customer_id": "c1"})
    as_json = api(
        sim, "POST", "/orders", json={"order_id": "cr_2", "amount": "3", "metadata.webhook_url": "u"}
    )
    missing = api(sim, "POST", "/orders", data={"order_id": "cr_3"})
    assert (form.status_code, form.json()["status"], form.json()["status_id"]) == (200, "CREATED", 1)
    assert as_json.status_code == 200
    stored = control.http.get(f"{sim.url}/__sim/orders/cr_2").json()
    assert (stored["amount"], stored["metadata"]) == (3, {"webhook_url": "u"})
    assert control.http.get(f"{sim.url}/__sim/orders/cr_1").json()["amount"] == 12.5
    assert missing.status_code == 400
