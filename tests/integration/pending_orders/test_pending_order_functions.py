"""The pending-order functions through their real handlers: canned events, and the bus rules that start
executions (TXN_CREATED from Juspay, OrderPending from settlement)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from paybridge.logic.pending_orders import execution_name
from paybridge.models.pending_order import STATUS_FAILED, STATUS_WAITING
from paybridge_local.simulator import JuspaySimulator
from paybridge_local.stack import LocalStack
from tests.helpers import EVENTS

from .support import of_type, order, put_order, repository, tap, wait_until

LONG_WAITS = {"PendingOrderFirstWaitSeconds": "60", "PendingOrderDeadlineSeconds": "600"}


def canned(name: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((EVENTS / name).read_text())
    return document


def executions(stack: LocalStack) -> list[dict[str, Any]]:
    sfn = stack.session.client("stepfunctions")
    found = sfn.list_executions(stateMachineArn=stack.output("PendingOrderStateMachine"))["executions"]
    return [dict(e) for e in found]


def stop_all(stack: LocalStack) -> None:
    """Stops what is still waiting (call once the execution reached its wait), so nothing outlives moto."""
    sfn = stack.session.client("stepfunctions")
    for execution in executions(stack):
        if execution["status"] == "RUNNING":
            sfn.stop_execution(executionArn=execution["executionArn"])


@pytest.mark.parametrize("pending_parameters", [LONG_WAITS])
@pytest.mark.parametrize(
    ("event_file", "order_id"),
    [
        ("pending_order_txn_created.json", "ord_canned_pending_1"),
        ("pending_order_order_pending.json", "ord_canned_pending_2"),
    ],
)
def test_canned_trigger_events_start_one_execution_per_order(
    stack: LocalStack, simulator: JuspaySimulator, event_file: str, order_id: str
) -> None:
    event = canned(event_file)
    first = stack.runtime.invoke("StartPendingOrderFunction", event)
    second = stack.runtime.invoke("StartPendingOrderFunction", event)

    assert first["action"] == "started"
    assert second["action"] == "already_started"
    assert first["execution_name"] == execution_name(order_id)
    [execution] = executions(stack)
    assert execution["name"] == execution_name(order_id)
    # The start writes the follow's item itself; the execution's wait is under way once its token is stored.
    item = wait_until(
        lambda: (i := repository(stack).get(order_id)) and i.get("task_token") and i, what="the first wait"
    )
    assert item["status"] == STATUS_WAITING
    assert item["customer_id"] == event["detail"]["customer_id"]
    stop_all(stack)


@pytest.mark.parametrize("pending_parameters", [LONG_WAITS])
def test_a_txn_created_webhook_on_the_bus_starts_the_execution(
    stack: LocalStack, simulator: JuspaySimulator
) -> None:
    bus = stack.session.client("events")
    detail = canned("pending_order_txn_created.json")["detail"]
    entry = {
        "Source": "juspay",
        "DetailType": "TXN_CREATED",
        "Detail": json.dumps(detail),
        "EventBusName": stack.output("EventBus"),
    }

    for _ in range(2):  # Juspay's duplicates, or a TXN_CREATED and a later OrderPending: one execution
        assert bus.put_events(Entries=[entry])["FailedEntryCount"] == 0
    stack.runtime.drain()

    [execution] = executions(stack)
    assert execution["name"] == execution_name(detail["order_id"])
    wait_until(
        lambda: (repository(stack).get(detail["order_id"]) or {}).get("task_token"), what="the first wait"
    )
    stop_all(stack)


def open_follow(stack: LocalStack, order_id: str) -> str:
    """What StartPendingOrder writes before it starts follow 1's execution; answers its start time."""
    now = datetime.now(UTC)
    assert repository(stack).open_follow(
        order_id,
        follow=1,
        seen=None,
        customer_id=None,
        trigger="test",
        now=now,
        deadline_at=now + timedelta(days=1),
    )
    return now.isoformat()


@pytest.mark.parametrize("pending_parameters", [LONG_WAITS])
def test_canned_task_payloads_run_through_their_handlers(
    stack: LocalStack, simulator: JuspaySimulator
) -> None:
    open_follow(stack, "ord_canned_pending_3")
    open_follow(stack, "ord_canned_pending_4")
    await_event = canned("pending_orders/await_order_webhook.json")
    answer = stack.runtime.invoke("AwaitOrderWebhookFunction", await_event)
    assert answer == {"order_id": "ord_canned_pending_3", "waiting": True, "wait_seconds": 10}
    item = repository(stack).get("ord_canned_pending_3")
    assert item is not None
    assert item["task_token"] == await_event["task_token"]

    put_order(simulator, order("ord_canned_pending_3", "PENDING_VBV", customer_id="cust_canned_3"))
    check_event = {
        **canned("pending_orders/check_pending_order.json"),
        "started_at": datetime.now(UTC).isoformat(),
    }
    answer = stack.runtime.invoke("CheckPendingOrderFunction", check_event)
    assert (answer["outcome"], answer["polls"], answer["next_wait_seconds"]) == ("pending", 1, 60)

    failure_event = canned("pending_orders/record_pending_order_failure.json")
    answer = stack.runtime.invoke("RecordPendingOrderFailureFunction", failure_event)
    assert answer == {"order_id": "ord_canned_pending_4", "error": "JuspayNotFoundError", "recorded": True}
    failed = repository(stack).get("ord_canned_pending_4")
    assert failed is not None
    assert failed["status"] == STATUS_FAILED
    [event] = of_type(tap(stack), "PendingOrderFailed")
    assert event["detail"]["message"] == "Juspay get_order_status: not found"


@pytest.mark.parametrize("pending_parameters", [LONG_WAITS])
def test_a_poll_before_any_stored_wait_leaves_the_order_followed(
    stack: LocalStack, simulator: JuspaySimulator
) -> None:
    # The first wait can time out before its task stored anything (a late Lambda invocation). The poll
    # that follows must leave the order WAITING, with an expiry, so the next wait can store its token.
    order_id = "ord_late_first_wait"
    put_order(simulator, order(order_id, "PENDING_VBV", customer_id="cust_canned_3"))
    started_at = open_follow(stack, order_id)
    check_event = {**canned("pending_orders/check_pending_order.json"), "order_id": order_id}
    answer = stack.runtime.invoke("CheckPendingOrderFunction", {**check_event, "started_at": started_at})
    assert (answer["outcome"], answer["polls"]) == ("pending", 1)
    item = repository(stack).get(order_id)
    assert item is not None
    assert (item["status"], item["polls"]) == (STATUS_WAITING, 1)
    assert item["expires_at"] > datetime.now(UTC).timestamp() + 86400

    await_event = {
        **canned("pending_orders/await_order_webhook.json"),
        "order_id": order_id,
        "started_at": started_at,
        "polls": 1,
    }
    answer = stack.runtime.invoke("AwaitOrderWebhookFunction", await_event)
    assert answer == {"order_id": order_id, "waiting": True, "wait_seconds": 10}
    stored = repository(stack).get(order_id)
    assert stored is not None
    assert (stored["status"], stored["task_token"]) == (STATUS_WAITING, await_event["task_token"])
