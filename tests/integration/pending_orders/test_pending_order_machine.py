"""The real pending-order definition on moto: task functions routed to the real handlers, Juspay simulated.

Waits are shortened through the template parameters only (see conftest). Every scenario also counts what it
cost (state transitions, status polls) and asserts an upper bound: docs/pending-orders.md quotes them.
"""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

import pytest

from paybridge.logic.pending_orders import release_pending_order
from paybridge.models.pending_order import STATUS_FAILED, STATUS_RESOLVED, STATUS_STALE, STATUS_WAITING
from paybridge_local.simulator import JuspaySimulator
from paybridge_local.stack import LocalStack

from .conftest import SHORT_WAITS
from .support import (
    add_fault,
    cost,
    finished,
    of_type,
    order,
    put_order,
    repository,
    start,
    status_polls,
    tap,
    wait_until,
)


def release(stack: LocalStack, order_id: str, status: str) -> str:
    """What settlement does after processing a terminal webhook for the order."""
    result = release_pending_order(
        order_id,
        {"status": status},
        repository=repository(stack),
        sfn_client=stack.session.client("stepfunctions"),
        now=datetime.now(UTC),
    )
    return result.action


# A deadline far beyond the polls: under load the order must not go stale before the test marks it CHARGED.
@pytest.mark.parametrize("pending_parameters", [{**SHORT_WAITS, "PendingOrderDeadlineSeconds": "60"}])
def test_resolves_by_polling(stack: LocalStack, simulator: JuspaySimulator) -> None:
    order_id = "po_poll_1"
    put_order(simulator, order(order_id, "PENDING_VBV"))
    started = start(stack, order_id)
    assert started.action == "started"
    assert started.execution_arn is not None

    wait_until(lambda: status_polls(simulator, order_id) >= 2, what="two pending polls")
    put_order(simulator, order(order_id, "CHARGED"))
    execution = finished(stack, started.execution_arn)
    stack.runtime.drain()

    assert execution["status"] == "SUCCEEDED"
    output = json.loads(execution["output"])
    assert output["outcome"] == "resolved"
    assert output["resolved_by"] == "poll"
    assert output["status"] == "CHARGED"
    spent = cost(stack, started.execution_arn)
    assert 3 <= spent.polls <= 6  # two seen pending, then CHARGED at the next poll (a slow machine adds some)
    assert spent.states[-1] == "Resolved"
    assert spent.transitions == 2 + 3 * spent.polls  # Init, (wait, poll, decide) per poll, Resolved
    [resolved] = of_type(tap(stack), "PendingOrderResolved")
    assert resolved["detail"] == {
        "order_id": order_id,
        "customer_id": "cust_po_1",
        "status": "CHARGED",
        "resolved_by": "poll",
        "polls": spent.polls,
    }
    item = repository(stack).get(order_id)
    assert item is not None
    assert item["status"] == STATUS_RESOLVED
    assert item["resolved_by"] == "poll"
    assert "task_token" not in item


@pytest.mark.parametrize(
    "pending_parameters",
    [{"PendingOrderFirstWaitSeconds": "3", "PendingOrderDeadlineSeconds": "600"}],
)
def test_webhook_mid_wait_ends_the_wait_at_once_with_no_further_poll(
    stack: LocalStack, simulator: JuspaySimulator
) -> None:
    order_id = "po_hook_1"
    put_order(simulator, order(order_id, "PENDING_VBV"))
    started = start(stack, order_id)
    assert started.execution_arn is not None
    # Polls at 3, 6 and 12 s; the fourth wait (12 s) is where the webhook arrives.
    wait_until(
        lambda: (
            (repository(stack).get(order_id) or {}).get("polls") == 3
            and (repository(stack).get(order_id) or {}).get("task_token")
        ),
        what="the fourth wait",
    )
    put_order(simulator, order(order_id, "CHARGED"))
    released_at = time.monotonic()

    assert release(stack, order_id, "CHARGED") == "released"
    execution = finished(stack, started.execution_arn, timeout_s=10)

    assert time.monotonic() - released_at < 5, "the 12 s wait must end at once"
    assert execution["status"] == "SUCCEEDED"
    assert json.loads(execution["output"])["webhook"] == {
        "status": "CHARGED",
        "order_id": order_id,
        "resolved_by": "webhook",
    }
    spent = cost(stack, started.execution_arn)
    assert spent.polls == 3
    assert status_polls(simulator, order_id) == 3
    cycle = ["AwaitWebhookOrTimeout", "CheckOrderStatus", "Decide"]
    assert spent.states == ["Init", *cycle * 3, "AwaitWebhookOrTimeout", "ResolvedByWebhook"]
    item = repository(stack).get(order_id)
    assert item is not None
    assert (item["status"], item["resolved_by"], item["resolved_status"]) == (
        STATUS_RESOLVED,
        "webhook",
        "CHARGED",
    )
    # Settlement already handled the webhook: nothing is handed to it again.
    assert of_type(tap(stack), "PendingOrderResolved") == []
    # A second release (a duplicate webhook) finds nothing to do.
    assert release(stack, order_id, "CHARGED") == "already_resolved"


@pytest.mark.parametrize(
    "pending_parameters",
    [{"PendingOrderFirstWaitSeconds": "60", "PendingOrderDeadlineSeconds": "600"}],
)
def test_webhook_during_the_first_wait_costs_no_poll(stack: LocalStack, simulator: JuspaySimulator) -> None:
    order_id = "po_hook_2"
    put_order(simulator, order(order_id, "PENDING_VBV"))
    started = start(stack, order_id)
    assert started.execution_arn is not None
    wait_until(lambda: (repository(stack).get(order_id) or {}).get("task_token"), what="the first wait")

    assert release(stack, order_id, "CHARGED") == "released"
    execution = finished(stack, started.execution_arn, timeout_s=10)

    assert execution["status"] == "SUCCEEDED"
    spent = cost(stack, started.execution_arn)
    assert spent.states == ["Init", "AwaitWebhookOrTimeout", "ResolvedByWebhook"]
    assert spent.polls == 0
    assert status_polls(simulator, order_id) == 0


@pytest.mark.parametrize(
    "pending_parameters",
    [{"PendingOrderFirstWaitSeconds": "60", "PendingOrderDeadlineSeconds": "600"}],
)
def test_an_order_settled_by_webhook_before_any_follow_is_not_followed(
    stack: LocalStack, simulator: JuspaySimulator
) -> None:
    order_id = "po_hook_3"
    # Settlement processed the terminal (paid) webhook before anything started following the order.
    assert release(stack, order_id, "CHARGED") == "recorded"
    started = start(stack, order_id)

    assert started.action == "closed"
    assert started.execution_arn is None
    executions = stack.session.client("stepfunctions").list_executions(
        stateMachineArn=stack.output("PendingOrderStateMachine")
    )["executions"]
    assert executions == []
    assert status_polls(simulator, order_id) == 0


def test_deadline_marks_the_order_stale_and_moves_no_money(
    stack: LocalStack, simulator: JuspaySimulator
) -> None:
    order_id = "po_stale_1"
    put_order(simulator, order(order_id, "AUTHORIZING"))
    started = start(stack, order_id)
    assert started.execution_arn is not None

    execution = finished(stack, started.execution_arn)
    stack.runtime.drain()

    assert execution["status"] == "SUCCEEDED"
    output = json.loads(execution["output"])
    assert output["outcome"] == "stale"
    spent = cost(stack, started.execution_arn)
    # A wait before every poll; every poll before the deadline loops back to waiting. The deadline counts
    # scheduled waits, so four 1 s waits reach the 4 s deadline however loaded this machine is.
    assert spent.polls == 4
    cycle = ["AwaitWebhookOrTimeout", "CheckOrderStatus", "Decide"]
    assert spent.states == ["Init", *cycle * spent.polls, "Stale"]
    events = tap(stack)
    [stale] = of_type(events, "OrderStale")
    assert stale["detail"]["order_id"] == order_id
    assert stale["detail"]["status"] == "AUTHORIZING"
    assert stale["detail"]["polls"] == spent.polls
    assert stale["detail"]["customer_id"] == "cust_po_1"
    # Every poll was routed by the customer (the suite's routing check holds too).
    assert {entry["routing_id"] for entry in simulator.state.request_log()} == {"cust_po_1"}
    assert of_type(events, "PendingOrderResolved") == []
    item = repository(stack).get(order_id)
    assert item is not None
    assert item["status"] == STATUS_STALE
    # Nothing but status reads reached Juspay: no refund, no update.
    log = simulator.state.request_log()
    assert {(entry["method"], entry["path"]) for entry in log} == {("GET", f"/orders/{order_id}")}


def test_transient_juspay_errors_are_retried_by_the_state_machine(
    stack: LocalStack, simulator: JuspaySimulator
) -> None:
    order_id = "po_transient_1"
    put_order(simulator, order(order_id, "CHARGED"))
    # Four 503s use up the client's own attempts (1 + 3 retries): the task fails once, then its retry works.
    add_fault(simulator, {"method": "GET", "path": f"/orders/{order_id}", "status": 503, "times": 4})
    started = start(stack, order_id)
    assert started.execution_arn is not None

    execution = finished(stack, started.execution_arn)
    stack.runtime.drain()

    assert execution["status"] == "SUCCEEDED"
    assert json.loads(execution["output"])["outcome"] == "resolved"
    spent = cost(stack, started.execution_arn)
    assert spent.task_failures == ["JuspayUnavailableError"]
    assert spent.polls == 2  # the failed invocation and its retry
    assert status_polls(simulator, order_id) >= 5  # 4 failed HTTP attempts, then the answer
    assert len(of_type(tap(stack), "PendingOrderResolved")) == 1


def test_permanent_juspay_error_is_caught_into_a_recorded_failure(
    stack: LocalStack, simulator: JuspaySimulator
) -> None:
    order_id = "po_unknown_1"  # the simulator does not know it: Get Order Status answers 404
    started = start(stack, order_id)
    assert started.execution_arn is not None

    execution = finished(stack, started.execution_arn)

    assert execution["status"] == "FAILED"
    assert execution.get("error") == "PendingOrderFailed"
    spent = cost(stack, started.execution_arn)
    assert spent.task_failures == ["JuspayNotFoundError"]  # never retried
    assert spent.polls == 1
    assert spent.states == ["Init", "AwaitWebhookOrTimeout", "CheckOrderStatus", "RecordFailure", "Failed"]
    [failed] = of_type(tap(stack), "PendingOrderFailed")
    detail: dict[str, Any] = failed["detail"]
    assert detail["order_id"] == order_id
    assert detail["error"] == "JuspayNotFoundError"
    assert detail["message"] == "Juspay get_order_status: not found"
    assert detail["execution_arn"] == started.execution_arn
    item = repository(stack).get(order_id)
    assert item is not None
    assert (item["status"], item["failure"]) == (STATUS_FAILED, "JuspayNotFoundError")


@pytest.mark.parametrize(
    "pending_parameters", [{"PendingOrderFirstWaitSeconds": "60", "PendingOrderDeadlineSeconds": "600"}]
)
def test_a_second_start_for_the_same_order_is_harmless(stack: LocalStack, simulator: JuspaySimulator) -> None:
    order_id = "po_twice_1"
    put_order(simulator, order(order_id, "PENDING_VBV"))
    first = start(stack, order_id)
    second = start(stack, order_id)

    assert first.action == "started"
    assert second.action == "already_started"
    assert second.execution_arn == first.execution_arn
    executions = stack.session.client("stepfunctions").list_executions(
        stateMachineArn=stack.output("PendingOrderStateMachine")
    )["executions"]
    assert [e["name"] for e in executions] == [first.execution_name]
    item = wait_until(
        lambda: (i := repository(stack).get(order_id)) and i.get("task_token") and i, what="the first wait"
    )
    assert (item["status"], item["follow"]) == (STATUS_WAITING, 1)
    assert item["execution_arn"] == first.execution_arn
    stack.session.client("stepfunctions").stop_execution(executionArn=str(first.execution_arn))


@pytest.mark.parametrize(
    "pending_parameters", [{"PendingOrderFirstWaitSeconds": "60", "PendingOrderDeadlineSeconds": "600"}]
)
def test_a_new_attempt_after_a_failed_one_opens_a_new_follow(
    stack: LocalStack, simulator: JuspaySimulator
) -> None:
    order_id = "po_again_1"
    put_order(simulator, order(order_id, "PENDING_VBV"))
    first = start(stack, order_id)
    assert first.execution_arn is not None
    wait_until(lambda: (repository(stack).get(order_id) or {}).get("task_token"), what="follow 1 waiting")
    # Attempt 1 failed: settlement processed ORDER_FAILED and released the wait.
    assert release(stack, order_id, "AUTHENTICATION_FAILED") == "released"
    assert finished(stack, first.execution_arn, timeout_s=10)["status"] == "SUCCEEDED"

    # Attempt 2's TXN_CREATED and its duplicates, at the same time (as concurrent Lambda invocations).
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda _: start(stack, order_id), range(4)))

    assert first.follow == 1
    assert sorted(r.action for r in results) == ["already_started"] * 3 + ["started"]
    assert {r.follow for r in results} == {2}
    [second] = [r for r in results if r.action == "started"]
    assert {r.execution_arn for r in results} == {second.execution_arn}
    assert second.execution_name is not None
    assert second.execution_name.endswith("-f2")
    sfn = stack.session.client("stepfunctions")
    names = {
        e["name"]
        for e in sfn.list_executions(stateMachineArn=stack.output("PendingOrderStateMachine"))["executions"]
    }
    assert names == {first.execution_name, second.execution_name}
    item = wait_until(
        lambda: (i := repository(stack).get(order_id)) and i.get("task_token") and i, what="follow 2 waiting"
    )
    assert (item["status"], item["follow"], item["execution_arn"]) == (
        STATUS_WAITING,
        2,
        second.execution_arn,
    )
    assert "resolved_status" not in item
    sfn.stop_execution(executionArn=str(second.execution_arn))


@pytest.mark.parametrize(
    "pending_parameters", [{"PendingOrderFirstWaitSeconds": "60", "PendingOrderDeadlineSeconds": "600"}]
)
def test_a_follow_whose_execution_ended_without_closing_it_is_replaced_by_the_next_start(
    stack: LocalStack, simulator: JuspaySimulator
) -> None:
    order_id = "po_unclosed_1"
    put_order(simulator, order(order_id, "PENDING_VBV"))
    first = start(stack, order_id)
    assert first.execution_arn is not None
    wait_until(lambda: (repository(stack).get(order_id) or {}).get("task_token"), what="follow 1 waiting")
    assert release(stack, order_id, "CHARGED") == "released"
    assert finished(stack, first.execution_arn, timeout_s=10)["status"] == "SUCCEEDED"
    # The execution is over but the item says WAITING (as after an operator's stop, or a failure whose
    # recording failed too).
    stack.session.client("dynamodb").update_item(
        TableName=stack.output("PendingOrdersTable"),
        Key={"order_id": {"S": order_id}},
        UpdateExpression="SET #s = :w",
        ExpressionAttributeNames={"#s": "status"},
        ExpressionAttributeValues={":w": {"S": STATUS_WAITING}},
    )

    second = start(stack, order_id)

    assert (second.action, second.follow) == ("started", 2)
    sfn = stack.session.client("stepfunctions")
    assert sfn.describe_execution(executionArn=str(second.execution_arn))["status"] == "RUNNING"
    wait_until(lambda: (repository(stack).get(order_id) or {}).get("task_token"), what="follow 2 waiting")
    sfn.stop_execution(executionArn=str(second.execution_arn))
