"""The simulator's recurring debits (paybridge_local/simulator/mandate_debits.py), over HTTP, against Juspay's
samples: pre-debit notification, notification status, execution (POST /txns), cancel recurring transaction,
and the webhooks it delivers for them."""

from __future__ import annotations

import ast
import base64
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from paybridge_local.simulator import JuspaySimulator
from tests.juspay_helpers import API_KEY, MERCHANT_ID, WebhookReceiver, load_sample, start_simulator

AUTH = {
    "Authorization": "Basic " + base64.b64encode(f"{API_KEY}:".encode()).decode(),
    "x-merchantid": MERCHANT_ID,
    "x-routing-id": "cust_7",
}
MANDATE = "mnd_sim_1"


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    with WebhookReceiver().running() as running:
        yield running


@pytest.fixture
def sim(receiver: WebhookReceiver) -> Iterator[JuspaySimulator]:
    simulator = start_simulator(webhook_url=receiver.url)
    try:
        requests.put(
            f"{simulator.url}/__sim/mandates/{MANDATE}",
            json={"status": "ACTIVE", "customer_id": "cust_7", "max_amount": 1000, "currency": "INR"},
            timeout=5,
        ).raise_for_status()
        yield simulator
    finally:
        simulator.stop()


def post(sim: JuspaySimulator, path: str, form: dict[str, str]) -> requests.Response:
    return requests.post(sim.url + path, data=form, headers=AUTH, timeout=5)


def notify(sim: JuspaySimulator, *, amount: str = "499.00", txn_date: int | None = None) -> requests.Response:
    when = int(time.time()) - 1 if txn_date is None else txn_date
    return post(
        sim,
        f"/mandates/{MANDATE}",
        {
            "command": "pre_debit_notify",
            "object_reference_id": "pdn_ref_1",
            "description": "Sending pre-debit notification",
            "source_info": json.dumps({"amount": amount, "txn_date": str(when)}),
        },
    )


def execute(
    sim: JuspaySimulator, notification_id: str, *, order_id: str = "md_ord_1", amount: str = "499.00"
):  # type: ignore[no-untyped-def]
    return post(
        sim,
        "/txns",
        {
            "order.order_id": order_id,
            "order.amount": amount,
            "order.customer_id": "cust_7",
            "mandate_id": MANDATE,
            "mandate.notification_id": notification_id,
            "mandate.execution_date": str(int(time.time())),
            "merchant_id": MERCHANT_ID,
            "format": "json",
        },
    )


def same_shape(got: Any, sample: Any, path: str = "") -> list[str]:
    """Field names and JSON types of ``sample`` that ``got`` does not have (recursively in objects)."""
    if isinstance(sample, dict):
        if not isinstance(got, dict):
            return [f"{path}: object expected"]
        problems = [f"{path}.{k}: missing" for k in sample if k not in got]
        return problems + [
            p for k in sample if k in got for p in same_shape(got[k], sample[k], f"{path}.{k}")
        ]
    kinds = (bool, int, str, list, type(None))
    sample_kind = next((k for k in kinds if isinstance(sample, k)), object)
    return (
        []
        if isinstance(got, sample_kind)
        else [f"{path}: {type(got).__name__} is not {sample_kind.__name__}"]
    )


def test_pre_debit_notify_and_notification_status_answer_the_samples_shapes(sim: JuspaySimulator) -> None:
    answer = notify(sim)
    assert answer.status_code == 200, answer.text
    sample = load_sample("mandate_pre_debit_notify_response.json")
    sample["source_info"].pop("mandate.display_invoice_number")  # echoes the request's source_info
    assert same_shape(answer.json(), sample) == []
    assert answer.json()["object_reference_id"] == "pdn_ref_1"
    status = requests.get(f"{sim.url}/notifications/{answer.json()['id']}", headers=AUTH, timeout=5)
    status_sample = load_sample("mandate_notification_status_response.json")
    status_sample["source_info"].pop("mandate.display_invoice_number")
    assert same_shape(status.json(), status_sample) == []
    assert status.json()["status"] == "SUCCESS"
    assert requests.get(f"{sim.url}/notifications/404404", headers=AUTH, timeout=5).status_code == 404


def test_notification_needs_an_active_mandate_and_source_info(sim: JuspaySimulator) -> None:
    missing = post(sim, f"/mandates/{MANDATE}", {"command": "pre_debit_notify", "object_reference_id": "x"})
    assert missing.status_code == 400
    assert notify(sim, amount="1000.01").json()["error_code"] == "invalid.amount"
    assert post(sim, f"/mandates/{MANDATE}", {"command": "pause"}).status_code == 200
    refused = notify(sim)
    assert refused.status_code == 400
    assert refused.json()["error_code"] == "invalid.mandate.state"


def test_execution_follows_the_rules_then_creates_the_execution_order(sim: JuspaySimulator) -> None:
    early = notify(sim, txn_date=int(time.time()) + 3600).json()["id"]
    refused = execute(sim, early)
    assert refused.status_code == 400
    assert refused.json()["error_code"] == "invalid.execution_date", "no debit before the announced date"
    notification = notify(sim).json()["id"]
    assert execute(sim, notification, amount="500.00").json()["error_code"] == "invalid.amount"
    answer = execute(sim, notification)
    assert answer.status_code == 200, answer.text
    assert same_shape(answer.json(), load_sample("mandate_execution_response.json")) == []
    assert answer.json()["status"] == "PENDING_VBV"
    order = requests.get(f"{sim.url}/orders/md_ord_1", headers=AUTH, timeout=5).json()
    assert order["status"] == "PENDING_VBV"
    assert order["txn_detail"]["txn_object_type"] == "EMANDATE_PAYMENT"
    assert order["mandate"]["mandate_id"] == MANDATE
    again = execute(sim, notification)
    assert again.status_code == 400
    assert again.json()["error_code"] == "duplicate.order", "the same order is never executed twice"


def test_execution_outcome_webhook_delivered_or_lost(sim: JuspaySimulator, receiver: WebhookReceiver) -> None:
    notification = notify(sim).json()["id"]
    execute(sim, notification).raise_for_status()
    lost = requests.post(
        f"{sim.url}/__sim/mandate-executions/md_ord_1",
        json={"status": "CHARGED", "deliver": False},
        timeout=5,
    )
    assert lost.json()["delivery"] is None
    assert receiver.received == []
    assert requests.get(f"{sim.url}/orders/md_ord_1", headers=AUTH, timeout=5).json()["status"] == "CHARGED"
    delivered = requests.post(
        f"{sim.url}/__sim/mandate-executions/md_ord_1", json={"status": "CHARGED"}, timeout=5
    ).json()
    assert delivered["delivery"]["delivered"] is True
    event = json.loads(receiver.received[-1]["body"])
    assert event["event_name"] == "ORDER_SUCCEEDED"
    sample = load_sample("webhook_order_succeeded_mandate_execution.json")
    wanted = {k: v for k, v in sample["content"]["order"].items() if k != "metadata"}  # gateway specific
    assert same_shape(event["content"]["order"], wanted) == []


def test_notification_webhooks_follow_the_samples(sim: JuspaySimulator, receiver: WebhookReceiver) -> None:
    notification = notify(sim).json()["id"]
    settled = requests.post(
        f"{sim.url}/__sim/notifications/{notification}", json={"status": "FAILURE"}, timeout=5
    )
    assert settled.json()["delivery"]["delivered"] is True
    event = json.loads(receiver.received[-1]["body"])
    assert event["event_name"] == "NOTIFICATION_FAILED"
    sample = load_sample("webhook_notification_failed.json")
    assert same_shape(event, sample) == []
    assert execute(sim, notification).json()["error_code"] == "invalid.notification"


def test_cancel_recurring_transaction_declines_a_pending_execution(sim: JuspaySimulator) -> None:
    notification = notify(sim).json()["id"]
    execute(sim, notification).raise_for_status()
    form = {"command": "cancel_recurring_transaction", "order_id": "md_ord_1"}
    answer = post(sim, f"/mandates/{MANDATE}", form)
    assert answer.status_code == 200, answer.text
    assert same_shape(answer.json(), load_sample("mandate_cancel_recurring_txn_response.json")) == []
    order = requests.get(f"{sim.url}/orders/md_ord_1", headers=AUTH, timeout=5).json()
    sample = load_sample("order_status_after_cancel_recurring_txn.json")
    assert (order["status"], order["status_id"], order["bank_error_code"]) == (
        sample["status"],
        sample["status_id"],
        sample["bank_error_code"],
    )
    assert post(sim, f"/mandates/{MANDATE}", form).status_code == 400, "only a pending execution can stop"


@pytest.mark.parametrize(
    "module", ["mandate_debits", "mandate_notifications", "mandate_executions", "mandate_rules"]
)
def test_the_simulators_debit_modules_import_nothing_from_the_product(module: str) -> None:
    tree = ast.parse(Path(f"paybridge_local/simulator/{module}.py").read_text())
    imported = {node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)} | {
        alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names
    }
    assert imported, "the check sees the module's imports"
    assert not any(name == "paybridge" or name.startswith("paybridge.") for name in imported)
