"""Signing a Process payload starts the order's pending-order execution; the settling webhook ends it at
once (the settlement path releases the wait), with no status poll."""

from __future__ import annotations

import json

import pytest

from paybridge.logic.pending_orders import execution_name
from paybridge_local.api_gateway import LocalApiGateway
from paybridge_local.simulator import JuspaySimulator
from paybridge_local.stack import LocalSettings, LocalStack
from tests.helpers import signed
from tests.integration.sdk.test_signed_then_settled import CUSTOMER, settle_via_webhook, split_order

from .support import cost, finished, repository, status_polls, wait_until


@pytest.mark.parametrize(
    "pending_parameters", [{"PendingOrderFirstWaitSeconds": "60", "PendingOrderDeadlineSeconds": "600"}]
)
def test_signed_order_is_followed_and_its_webhook_ends_the_wait(
    gateway: LocalApiGateway, stack: LocalStack, local_settings: LocalSettings, simulator: JuspaySimulator
) -> None:
    credit = json.dumps({"amount": "30.00", "currency": "INR", "idempotency_key": "seed"})
    assert signed(gateway, "POST", f"/wallets/{CUSTOMER}/credits", credit).status_code == 201
    body = json.dumps(
        {"order_id": "followed1", "amount": "50.00", "currency": "INR", "customer_id": CUSTOMER}
    )
    assert signed(gateway, "POST", "/sdk/process", body).status_code == 200

    arn = (
        stack.output("PendingOrderStateMachine").replace(":stateMachine:", ":execution:")
        + ":"
        + execution_name("followed1")
    )
    wait_until(lambda: (repository(stack).get("followed1") or {}).get("task_token"), what="the first wait")
    wallet = settle_via_webhook(gateway, stack, local_settings, simulator, split_order("followed1"))

    assert wallet["balance"] == "20.00"
    execution = finished(stack, arn, timeout_s=10)
    assert execution["status"] == "SUCCEEDED"
    spent = cost(stack, arn)
    assert spent.states == ["Init", "AwaitWebhookOrTimeout", "ResolvedByWebhook"]
    assert spent.polls == 0
    assert status_polls(simulator, "followed1") == 1  # settlement's own confirmation, none by the machine
