"""`make local` with short pending-order waits (LOCAL_PARAMETER_OVERRIDES): an order left PENDING_VBV in the
simulator, then CHARGED with a webhook, ends settled — once — and its pending-order execution ends."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
import requests

from paybridge.logic.pending_orders import execution_name
from tests.e2e.support import call, eventually, running_local_stack

pytestmark = pytest.mark.e2e

CUSTOMER = "cust_e2e_pending_1"
ORDER_ID = "ordE2EPending1"
OVERRIDES = "PendingOrderFirstWaitSeconds=1 PendingOrderMaxWaitSeconds=3 PendingOrderDeadlineSeconds=300"


@pytest.fixture(scope="module")
def local(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """The local stack with one- and three-second waits, set as a user would: LOCAL_PARAMETER_OVERRIDES."""
    with running_local_stack(
        tmp_path_factory.mktemp("local-pending"), parameter_overrides=OVERRIDES
    ) as stack:
        yield stack


def split_order(status: str, online_status: str) -> dict[str, Any]:
    """A 50.00 order: 40.00 paid online (card), 10.00 from the in-house wallet."""
    return {
        "order_id": ORDER_ID,
        "customer_id": CUSTOMER,
        "status": status,
        "amount": 50,
        "currency": "INR",
        "txn_list": [
            {
                "txn_id": f"{ORDER_ID}-1",
                "status": online_status,
                "payment_method_type": "CARD",
                "payment_method": "VISA",
                "txn_detail": {
                    "txn_id": f"{ORDER_ID}-1",
                    "status": online_status,
                    "txn_amount": 40,
                    "net_amount": 50,
                    "currency": "INR",
                },
            },
            {
                "txn_id": f"{ORDER_ID}-2",
                "status": "TO_BE_CHARGED",
                "payment_method_type": "MERCHANT_CONTAINER",
                "payment_method": "JUSPAY_WALLET",
                "txn_detail": {
                    "txn_id": f"{ORDER_ID}-2",
                    "status": "TO_BE_CHARGED",
                    "txn_amount": 10,
                    "net_amount": 50,
                    "currency": "INR",
                },
            },
        ],
    }


def wallet_call(local: dict[str, Any], method: str, path: str, body: dict[str, Any] | None = None) -> Any:
    response = call(local, method, path, body)
    assert response.status_code in (200, 201), response.text
    return response.json()


def test_order_left_pending_then_charged_by_webhook_ends_settled(local: dict[str, Any]) -> None:
    sim = local["outputs"]["urls"]["juspay"]
    sfn = boto3.client("stepfunctions", **local["aws"])
    machine = local["outputs"]["resources"]["PendingOrderStateMachine"]["Ref"]
    execution_arn = machine.replace(":stateMachine:", ":execution:") + ":" + execution_name(ORDER_ID)
    wallet_call(
        local,
        "POST",
        f"/wallets/{CUSTOMER}/credits",
        {"amount": "100.00", "currency": "INR", "idempotency_key": "e2e-po-1"},
    )

    # The customer starts paying: Juspay tells us a transaction was created; the order stays PENDING_VBV.
    assert requests.put(
        f"{sim}/__sim/orders/{ORDER_ID}", json=split_order("PENDING_VBV", "PENDING_VBV"), timeout=10
    ).ok
    delivery = requests.post(
        f"{sim}/__sim/orders/{ORDER_ID}/webhook", json={"event_name": "TXN_CREATED"}, timeout=60
    )
    assert delivery.status_code == 200, delivery.text

    def polls() -> int:
        log = requests.get(f"{sim}/__sim/requests", timeout=10).json()
        return sum(1 for e in log if e["method"] == "GET" and e["path"] == f"/orders/{ORDER_ID}")

    eventually(lambda: polls() >= 1, what="the pending order to be polled")
    assert sfn.describe_execution(executionArn=execution_arn)["status"] == "RUNNING"

    # The payment completes: Juspay's order becomes PARTIAL_CHARGED and its webhook arrives.
    charged = split_order("PARTIAL_CHARGED", "CHARGED")
    assert requests.put(f"{sim}/__sim/orders/{ORDER_ID}", json=charged, timeout=10).ok
    delivery = requests.post(
        f"{sim}/__sim/orders/{ORDER_ID}/webhook", json={"event_name": "ORDER_PARTIAL_CHARGED"}, timeout=60
    )
    assert delivery.status_code == 200, delivery.text

    execution = eventually(
        lambda: (d := sfn.describe_execution(executionArn=execution_arn))["status"] != "RUNNING" and d,
        what="the pending-order execution to end",
    )
    assert execution["status"] == "SUCCEEDED"

    def settled() -> dict[str, Any] | None:
        wallet = wallet_call(local, "GET", f"/wallets/{CUSTOMER}")
        return wallet if wallet["balance"] == "90.00" else None

    wallet = eventually(settled, what="the wallet debit")
    time.sleep(2)  # let a second hand-over (webhook and poll both seen) run; it must not debit again
    wallet = wallet_call(local, "GET", f"/wallets/{CUSTOMER}")
    debits = [e for e in wallet["entries"] if e["type"] == "DEBIT"]
    assert wallet["balance"] == "90.00"
    assert [(d["amount"], d["order_id"]) for d in debits] == [("10.00", ORDER_ID)]
