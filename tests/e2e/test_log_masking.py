"""Logs that keep secrets: realistic traffic through `python -m paybridge_local`, then every line the stack
wrote (all functions, all records, `local.log`) is scanned for the card numbers, VPAs, e-mail addresses,
phone numbers, API key, webhook credentials and client auth tokens the traffic carried.

``sensitive_traffic`` is the replaceable part: any function that drives the stack and answers the sensitive
values it sent can take its place (the demo's scenarios, for one).
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.e2e.support import call, deliver_order, eventually, running_local_stack
from tests.helpers import load_sample
from tests.log_scan import function_output, leaks

pytestmark = pytest.mark.e2e

API_KEY = "jp_e2e_Kx81mQz0live"
WEBHOOK_USER, WEBHOOK_PASSWORD = "juspay-e2e", "whk-e2e-Zr94pLm2"
PAN = "4111111111111111"  # Juspay's sandbox Visa (Luhn-valid)
PAN_SPACED = "5105 1051 0510 5100"


@pytest.fixture(scope="module")
def local(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """The local stack with its own API key and webhook credentials (so they can be looked for)."""
    env = {
        "LOCAL_JUSPAY_API_KEY": API_KEY,
        "LOCAL_WEBHOOK_USERNAME": WEBHOOK_USER,
        "LOCAL_WEBHOOK_PASSWORD": WEBHOOK_PASSWORD,
    }
    # A short first wait: a followed order's tasks run within seconds.
    overrides = "PendingOrderFirstWaitSeconds=1"
    with running_local_stack(
        tmp_path_factory.mktemp("masking"), env=env, parameter_overrides=overrides
    ) as stack:
        yield stack


def _post_webhook(local: dict[str, Any], body: str, user: str, password: str) -> requests.Response:
    url = local["outputs"]["urls"]["api"].rstrip("/") + "/webhooks/juspay"
    return requests.post(
        url, data=body, auth=(user, password), headers={"Content-Type": "application/json"}, timeout=30
    )


def sensitive_traffic(local: dict[str, Any]) -> list[str]:
    """Drives the stack as merchants and Juspay would, with the personal data and secrets real traffic
    carries; answers every sensitive value sent (what must never appear in a log)."""
    stamp = int(time.time() * 1000)
    email, phone, vpa = f"jane.doe{stamp}@example.com", "9876512345", "9876554321@ybl"
    sensitive = [email, phone, vpa, PAN, PAN_SPACED, API_KEY, WEBHOOK_PASSWORD]

    # Merchants often key customers by e-mail address, phone number or VPA: all valid customer ids.
    customers = [email, phone, vpa]
    for customer in customers:
        credit = call(
            local,
            "POST",
            f"/wallets/{customer}/credits",
            {"amount": "100.00", "currency": "INR", "idempotency_key": f"mask-{stamp}"},
        )
        assert credit.status_code == 201, credit.text

    # A split order (card + wallet) whose Order Status carries card data and contact data, settled by its
    # webhook: ingestion, settlement and the Juspay client all see it.
    order = load_sample("order_status_split_partial_charged_custom_wallet.json")
    order.update(order_id=f"mask{stamp}", customer_id=email, customer_email=email, customer_phone=phone)
    for txn in order["txn_list"]:
        txn["txn_detail"]["order_id"] = order["order_id"]
        if txn["payment_method_type"] == "CARD":
            txn["card"] = {**txn.get("card", {}), "card_number": PAN, "name_on_card": "Jane Doe"}
            txn["payment_gateway_response"] = {"resp_message": f"card {PAN_SPACED} approved for {vpa}"}
    deliver_order(local, order)

    # Juspay's own sample webhook (contact data as Juspay sends it), and deliveries with wrong credentials.
    webhook = (
        Path(__file__).resolve().parents[2].parent / "shared/juspay-samples/webhook_order_succeeded.json"
    )
    body = webhook.read_text(encoding="utf-8")
    sample_order = json.loads(body)["content"]["order"]
    sensitive += [
        v for k, v in sample_order.items() if k in ("customer_email", "customer_phone") and "@" in v
    ]
    assert _post_webhook(local, body, WEBHOOK_USER, WEBHOOK_PASSWORD).status_code == 200
    wrong = "guessed-Pw-77123"
    assert _post_webhook(local, body, WEBHOOK_USER, wrong).status_code == 401
    sensitive += [wrong, base64.b64encode(f"{WEBHOOK_USER}:{wrong}".encode()).decode()]
    sensitive.append(base64.b64encode(f"{WEBHOOK_USER}:{WEBHOOK_PASSWORD}".encode()).decode())

    # Signing and the Session API with the customer's contact data; the session answers a client auth token.
    process = {
        "order_id": f"masks{stamp}",
        "amount": "150.00",
        "customer_id": email,
        "customer_email": email,
        "customer_phone": phone,
    }
    signed = call(local, "POST", "/sdk/process", process)
    assert signed.status_code == 200, signed.text
    session = call(local, "POST", "/sessions", {**process, "order_id": f"maskt{stamp}"})
    assert session.status_code == 200, session.text
    token = json.dumps(session.json())
    sensitive += [t.strip('"') for t in token.split() if t.strip('",').startswith("tkn_")]

    # Reads that name the customer and the order; a refund of the card part.
    assert call(local, "GET", f"/wallets/{email}").status_code == 200
    eventually(
        lambda: call(local, "GET", f"/orders/{order['order_id']}").json().get("settlement"),
        timeout_s=30,
        what="the split order's settlement",
    )
    return sensitive


def _records(text: str) -> list[dict[str, Any]]:
    found = []
    for line in text.splitlines():
        if line.startswith("{"):
            try:
                found.append(json.loads(line))
            except ValueError:
                continue
    return found


@pytest.mark.parametrize("traffic", [sensitive_traffic])
def test_no_log_line_holds_a_secret_or_personal_data(
    local: dict[str, Any], traffic: Callable[[dict[str, Any]], list[str]]
) -> None:
    sensitive = traffic(local)
    time.sleep(2)  # asynchronous consumers (settlement, following) finish writing
    output = function_output(local["log"])
    records = _records(output)
    assert len(records) > 20, "the traffic produced too few log records to prove anything"
    leaked = leaks(output, sensitive)
    assert not leaked, f"found in the stack's output: {leaked}"
    # Masking happened (the policy had something to do), and correlation ids are on the records.
    assert "***" in output
    settle = [r for r in records if r.get("function_name", "").endswith("SettleOrderFunction")]
    assert settle
    assert all(r.get("order_id") for r in settle), settle[:3]
    assert any(str(r.get("juspay_event_id", "")).startswith("evt") for r in settle)
    published = [r for r in records if r.get("message") == "webhook published"]
    assert published
    assert all(str(r.get("juspay_event_id", "")).startswith("evt") and r.get("order_id") for r in published)


def test_the_state_machines_tasks_log_the_webhooks_correlation_ids(local: dict[str, Any]) -> None:
    order = load_sample("order_status_split_partial_charged_custom_wallet.json")
    order.update(order_id=f"corr{int(time.time() * 1000)}", customer_id="corrcust", status="PENDING_VBV")
    for txn in order["txn_list"]:
        txn["txn_detail"]["order_id"] = order["order_id"]
        if txn["payment_method_type"] == "CARD":
            txn["status"] = "PENDING_VBV"
    event_id = deliver_order(local, order, "TXN_CREATED")["event_id"]

    def task_records() -> list[dict[str, Any]] | None:
        records = [
            r
            for r in _records(function_output(local["log"]))
            if r.get("order_id") == order["order_id"]
            and r.get("function_name", "").endswith(
                ("AwaitOrderWebhookFunction", "CheckPendingOrderFunction")
            )
        ]
        names = {r["function_name"].rsplit("-", 1)[-1] for r in records}
        return records if names >= {"AwaitOrderWebhookFunction", "CheckPendingOrderFunction"} else None

    records = eventually(task_records, timeout_s=60, what="the follower's tasks to log")
    assert {r.get("juspay_event_id") for r in records} == {event_id}
