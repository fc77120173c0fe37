"""Webhooks the simulator builds follow the official samples' shapes per event family (``webhook_*.json``):
``content.order`` for ORDER_*/REFUND_*/AUTO_REFUND_*/TXN_CREATED, ``content.txn`` for the other TXN_*,
``content.mandate`` for MANDATE_* (compared like the replay test compares answers)."""

from __future__ import annotations

import copy
from typing import Any

import pytest
import requests

from paybridge_local.simulator import JuspaySimulator
from tests.juspay_helpers import SimControl, WebhookReceiver, load_sample, start_simulator
from tests.simulator.samples_replay import shape_differences

ORDER_FAMILY = [
    "webhook_order_succeeded.json",
    "webhook_order_failed.json",
    "webhook_order_refunded.json",
    "webhook_order_refund_failed.json",
    "webhook_refund_initiate.json",
    "webhook_refund_manual_review.json",
    "webhook_auto_refund_succeeded.json",
    "webhook_auto_refund_failed.json",
    "webhook_txn_created.json",
    "webhook_order_partial_charged_merchant_container_split.json",
    "webhook_order_succeeded_mandate_execution.json",
]
#: MANDATE_* sample → the mandate status the simulator holds when it sends it.
MANDATE_FAMILY = {
    "webhook_mandate_created.json": "CREATED",
    "webhook_mandate_activated.json": "ACTIVE",
    "webhook_mandate_paused.json": "PAUSED",
    "webhook_mandate_revoked.json": "REVOKED",
    "webhook_mandate_expired.json": "EXPIRED",
    "webhook_mandate_failed.json": "FAILURE",
}


def _build(sim: JuspaySimulator, path: str, event_name: str, **extra: Any) -> dict[str, Any]:
    response = requests.post(
        f"{sim.url}{path}", json={"event_name": event_name, "deliver": False, **extra}, timeout=5
    )
    assert response.status_code == 201, response.text
    event: dict[str, Any] = response.json()["event"]
    return event


@pytest.mark.parametrize("name", ORDER_FAMILY)
def test_order_family_events_carry_the_order(sim: JuspaySimulator, control: SimControl, name: str) -> None:
    sample = load_sample(name)
    order = sample["content"]["order"]
    assert control.put_order(order).status_code == 200
    event = _build(sim, f"/__sim/orders/{order['order_id']}/webhook", sample["event_name"])
    assert shape_differences(sample, event) == []
    assert event["content"]["order"]["order_id"] == order["order_id"]


@pytest.mark.parametrize("name", ["webhook_txn_charged.json", "webhook_txn_failed.json"])
def test_txn_events_carry_the_transaction(sim: JuspaySimulator, control: SimControl, name: str) -> None:
    sample = load_sample(name)
    order = copy.deepcopy(load_sample("webhook_txn_created.json")["content"]["order"])
    order["status"] = order["txn_detail"]["status"] = sample["content"]["txn"]["status"]
    assert control.put_order(order).status_code == 200
    event = _build(sim, f"/__sim/orders/{order['order_id']}/webhook", sample["event_name"])
    assert list(event["content"]) == ["txn"]
    assert shape_differences(sample, event) == []
    assert (event["content"]["txn"]["txn_id"], event["content"]["txn"]["status"]) == (
        order["txn_id"],
        sample["content"]["txn"]["status"],
    )


def test_a_txn_event_of_a_split_order_names_the_transaction_asked_for(
    sim: JuspaySimulator, control: SimControl
) -> None:
    control.put_sample("order_status_split_partial_charged_custom_wallet.json")
    wallet = "neeraj_juspay_prod-testing-order-147-3-2"
    event = _build(sim, "/__sim/orders/testing-order-147/webhook", "TXN_CHARGED", txn_id=wallet)
    assert (event["content"]["txn"]["txn_id"], event["content"]["txn"]["order_id"]) == (
        wallet,
        "testing-order-147",
    )
    latest = _build(sim, "/__sim/orders/testing-order-147/webhook", "TXN_FAILED")
    assert latest["content"]["txn"]["txn_id"] == wallet, "default: the latest transaction"


def _mandate_order(status: str) -> dict[str, Any]:
    order = copy.deepcopy(load_sample("webhook_order_succeeded_mandate.json")["content"]["order"])
    block = order["mandate"]
    # The MANDATE_* samples are "as presented" mandates: no periodic rule (rule_type/rule_value).
    for key in ("rule_type", "rule_value"):
        block.pop(key)
    block.update(frequency="ASPRESENTED", mandate_status=status)
    return order


@pytest.mark.parametrize(("name", "status"), sorted(MANDATE_FAMILY.items()))
def test_mandate_events_carry_the_mandate(
    sim: JuspaySimulator, control: SimControl, name: str, status: str
) -> None:
    sample = load_sample(name)
    order = _mandate_order(status)
    assert control.put_order(order).status_code == 200
    event = _build(sim, f"/__sim/orders/{order['order_id']}/webhook", sample["event_name"])
    assert list(event["content"]) == ["mandate"]
    assert shape_differences(sample, event) == []
    assert (event["content"]["mandate"]["mandate_id"], event["content"]["mandate"]["status"]) == (
        order["mandate"]["mandate_id"],
        status,
    )


def test_a_stored_mandate_sends_its_own_webhook_and_delivery_names_its_order(control: SimControl) -> None:
    with WebhookReceiver().running() as receiver:
        sim = start_simulator(webhook_url=receiver.url)
        try:
            mandate = {**load_sample("mandate_status_check_response_active.json"), "status": "REVOKED"}
            assert requests.put(
                f"{sim.url}/__sim/mandates/{mandate['mandate_id']}", json=mandate, timeout=5
            ).ok
            response = requests.post(
                f"{sim.url}/__sim/mandates/{mandate['mandate_id']}/webhook",
                json={"event_name": "MANDATE_REVOKED"},
                timeout=10,
            )
            refused = requests.post(
                f"{sim.url}/__sim/mandates/{mandate['mandate_id']}/webhook",
                json={"event_name": "ORDER_SUCCEEDED"},
                timeout=10,
            )
        finally:
            sim.stop()
    assert response.status_code == 200, response.text
    assert (response.json()["delivered"], response.json()["order_id"]) == (True, mandate["order_id"])
    assert shape_differences(load_sample("webhook_mandate_revoked.json"), _received(receiver)) == []
    assert refused.status_code == 400


def _received(receiver: WebhookReceiver) -> Any:
    [delivery] = receiver.received
    return requests.models.complexjson.loads(delivery["body"])


def test_mandate_and_notification_events_need_what_they_describe(
    sim: JuspaySimulator, control: SimControl
) -> None:
    control.put_sample("order_status_charged_nb.json")
    no_mandate = requests.post(
        f"{sim.url}/__sim/orders/JPAYNEW032/webhook", json={"event_name": "MANDATE_ACTIVATED"}, timeout=5
    )
    notification = requests.post(
        f"{sim.url}/__sim/orders/JPAYNEW032/webhook", json={"event_name": "NOTIFICATION_SUCCEEDED"}, timeout=5
    )
    assert no_mandate.status_code == 409
    assert notification.status_code == 400
