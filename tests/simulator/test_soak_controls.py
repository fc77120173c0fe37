"""The control operations the soak test drives: seeded probabilistic faults, the refund list, and webhook
snapshots delivered later (again and again, in any order)."""

from __future__ import annotations

import base64
from typing import Any

import pytest
import requests

from paybridge.models.juspay import loads_juspay_json
from paybridge_local.simulator import JuspaySimulator
from tests.juspay_helpers import API_KEY, MERCHANT_ID, SimControl, WebhookReceiver, start_simulator

NB = "order_status_charged_nb.json"
SPLIT = "order_status_split_partial_charged_custom_wallet.json"
AUTH = {
    "Authorization": "Basic " + base64.b64encode(f"{API_KEY}:".encode()).decode(),
    "x-merchantid": MERCHANT_ID,
}


def api_statuses(sim: JuspaySimulator, calls: int) -> list[int]:
    url = f"{sim.url}/orders/JPAYNEW032"
    return [requests.get(url, headers=AUTH, timeout=5).status_code for _ in range(calls)]


# --- Probabilistic faults ---------------------------------------------------------------------------------
def test_probabilistic_fault_is_seeded_and_stays_armed(sim: JuspaySimulator, control: SimControl) -> None:
    control.put_sample(NB)
    fault = control.fault(path="*", status=503, probability=0.3, seed=7)
    assert (fault["probability"], fault["seed"], fault["times"], fault["fired"]) == (0.3, 7, None, 0)
    first = api_statuses(sim, 60)
    assert set(first) == {200, 503}
    fired = first.count(503)
    assert 5 <= fired <= 35, "about 30% of 60 calls fail"
    assert control.http.get(f"{sim.url}/__sim/faults").json()[0]["fired"] == fired

    # The same seed gives the same sequence of draws.
    control.http.delete(f"{sim.url}/__sim/faults")
    control.fault(path="*", status=503, probability=0.3, seed=7)
    assert api_statuses(sim, 60) == first
    control.http.delete(f"{sim.url}/__sim/faults")
    control.fault(path="*", status=503, probability=0.3, seed=8)
    assert api_statuses(sim, 60) != first


def test_probabilistic_fault_with_times_stops_after_that_many_failures(
    sim: JuspaySimulator, control: SimControl
) -> None:
    control.put_sample(NB)
    control.fault(method="GET", path="/orders/*", status=500, probability=1, times=2)
    assert api_statuses(sim, 4) == [500, 500, 200, 200]
    assert control.http.get(f"{sim.url}/__sim/faults").json() == []


def test_control_api_is_never_faulted(sim: JuspaySimulator, control: SimControl) -> None:
    control.fault(path="*", status=503, probability=1)
    assert requests.get(f"{sim.url}/__sim/health", timeout=5).status_code == 200


@pytest.mark.parametrize(
    "spec",
    [
        {"path": "*", "status": 503, "probability": 0},
        {"path": "*", "status": 503, "probability": 1.5},
        {"path": "*", "status": 503, "probability": "0.2"},
        {"path": "*", "status": 503, "probability": True},
        {"path": "*", "status": 503, "probability": 0.2, "seed": "x"},
        {"path": "*", "status": 503, "probability": 0.2, "times": 0},
    ],
)
def test_invalid_probabilistic_faults_are_refused(sim: JuspaySimulator, spec: dict[str, Any]) -> None:
    assert requests.post(f"{sim.url}/__sim/faults", json=spec, timeout=5).status_code == 400


# --- Webhook snapshots --------------------------------------------------------------------------------------
def test_webhook_snapshot_is_delivered_later_as_it_was_built() -> None:
    receiver = WebhookReceiver()
    with receiver.running():
        sim = start_simulator(webhook_url=receiver.url)
        try:
            control = SimControl(sim.url)
            control.put_sample(NB)
            built = requests.post(
                f"{sim.url}/__sim/orders/JPAYNEW032/webhook",
                json={"event_name": "ORDER_SUCCEEDED", "deliver": False},
                timeout=5,
            )
            assert built.status_code == 201
            event = built.json()["event"]
            assert receiver.received == [], "not delivered yet"
            # The order moves on; the snapshot still carries the order as it was.
            control.put_sample(NB, status="AUTHORIZATION_FAILED")
            url = f"{sim.url}/__sim/webhooks/{event['id']}/redeliver"
            first = requests.post(url, timeout=10).json()
            second = requests.post(url, timeout=10).json()
            log = requests.get(f"{sim.url}/__sim/webhooks", timeout=5).json()
            missing = requests.post(f"{sim.url}/__sim/webhooks/evt_V2_nope/redeliver", timeout=5)
        finally:
            sim.stop()
    assert first["delivered"] is True
    assert first["event_id"] == second["event_id"] == event["id"]
    assert len(log) == 2
    bodies = [loads_juspay_json(r["body"]) for r in receiver.received]
    assert [b["id"] for b in bodies] == [event["id"]] * 2
    assert {b["content"]["order"]["status"] for b in bodies} == {"CHARGED"}
    assert missing.status_code == 404


def test_redeliver_needs_a_webhook_url(sim: JuspaySimulator, control: SimControl) -> None:
    control.put_sample(NB)
    built = requests.post(
        f"{sim.url}/__sim/orders/JPAYNEW032/webhook", json={"event_name": "X", "deliver": False}, timeout=5
    ).json()
    again = requests.post(f"{sim.url}/__sim/webhooks/{built['event_id']}/redeliver", timeout=5)
    assert again.status_code == 409


def test_list_refunds_filters_by_status(sim: JuspaySimulator, control: SimControl) -> None:
    control.put_sample(NB)
    url = f"{sim.url}/__sim/orders/JPAYNEW032/refunds"
    control.http.post(url, json={"amount": "1", "unique_request_id": "d1", "status": "PENDING"})
    control.http.post(url, json={"amount": "2", "unique_request_id": "d2", "status": "SUCCESS"})
    every = requests.get(f"{sim.url}/__sim/refunds", timeout=5).json()
    assert [(r["unique_request_id"], r["status"], r["order_id"]) for r in every] == [
        ("d1", "PENDING", "JPAYNEW032"),
        ("d2", "SUCCESS", "JPAYNEW032"),
    ]
    pending = requests.get(f"{sim.url}/__sim/refunds?status=PENDING", timeout=5).json()
    assert [r["unique_request_id"] for r in pending] == ["d1"]


def test_a_dashboard_order_refund_of_a_split_order_counts_on_its_charged_transaction(
    sim: JuspaySimulator, control: SimControl
) -> None:
    order = control.put_sample(SPLIT)
    made = requests.post(
        f"{sim.url}/__sim/orders/{order['order_id']}/refunds", json={"amount": "40"}, timeout=5
    )
    assert made.status_code == 201
    assert "txn_id" not in made.json()["refunds"][0], "listed as Juspay lists dashboard refunds"
    assert [t["amount_refunded"] for t in made.json()["txn_list"]] == [40, 0]
    # The online part is refunded now: Juspay refuses a Txn-ID refund of more.
    online = order["txn_list"][0]["txn_id"]
    more = requests.post(
        f"{sim.url}/refunds",
        headers=AUTH,
        data={"txn_id": online, "unique_request_id": "x1", "amount": "1"},
        timeout=5,
    )
    assert (more.status_code, more.json()["error_code"]) == (400, "invalid.amount.exceeded")
