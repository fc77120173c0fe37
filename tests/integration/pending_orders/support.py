"""Helpers of the pending-order tests: start an execution, wait for it, count what it cost."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import requests

from paybridge.composition.follow import follow_schedule
from paybridge.dal.pending_orders import PendingOrdersRepository
from paybridge.logic.start_pending_order import StartDependencies, StartResult, start_pending_order
from paybridge.settings.follower import StartPendingOrderSettings
from paybridge_local.simulator import JuspaySimulator
from paybridge_local.stack import LocalStack
from tests.helpers import bus_events, wait_until


def order(order_id: str, status: str, *, customer_id: str = "cust_po_1") -> dict[str, Any]:
    """A single-transaction order in Order Status shape."""
    return {
        "order_id": order_id,
        "status": status,
        "customer_id": customer_id,
        "amount": "100.00",
        "currency": "INR",
        "txn_id": f"{order_id}-1",
    }


def put_order(simulator: JuspaySimulator, body: dict[str, Any]) -> None:
    """Stores (or replaces) the order the simulator answers Get Order Status with."""
    response = requests.put(f"{simulator.url}/__sim/orders/{body['order_id']}", json=body, timeout=10)
    response.raise_for_status()


def add_fault(simulator: JuspaySimulator, fault: dict[str, Any]) -> None:
    """Arms a simulator fault (the next ``times`` matching calls fail)."""
    requests.post(f"{simulator.url}/__sim/faults", json=fault, timeout=10).raise_for_status()


def status_polls(simulator: JuspaySimulator, order_id: str) -> int:
    """How many Get Order Status calls the simulator received for the order (GET /__sim/requests)."""
    log = requests.get(f"{simulator.url}/__sim/requests", timeout=10).json()
    return sum(1 for entry in log if entry["method"] == "GET" and entry["path"] == f"/orders/{order_id}")


def repository(stack: LocalStack) -> PendingOrdersRepository:
    """The pending orders table of the stack."""
    return PendingOrdersRepository(stack.session.client("dynamodb"), stack.output("PendingOrdersTable"))


def start(stack: LocalStack, order_id: str, customer_id: str | None = "cust_po_1") -> StartResult:
    """Starts the order's execution as the StartPendingOrder function does."""
    deps = StartDependencies(
        sfn_client=stack.session.client("stepfunctions"),
        state_machine_arn=stack.output("PendingOrderStateMachine"),
        clock=lambda: datetime.now(UTC),
        repository=repository(stack),
        schedule=follow_schedule(StartPendingOrderSettings.from_env(stack.environment)),
    )
    return start_pending_order(order_id, customer_id, trigger="test", deps=deps)


def finished(stack: LocalStack, execution_arn: str, *, timeout_s: float = 60.0) -> dict[str, Any]:
    """Waits until the execution is no longer RUNNING and returns ``describe_execution``."""
    sfn = stack.session.client("stepfunctions")

    def done() -> dict[str, Any] | None:
        described = sfn.describe_execution(executionArn=execution_arn)
        return dict(described) if described["status"] != "RUNNING" else None

    result: dict[str, Any] = wait_until(done, timeout_s=timeout_s, what="the execution to finish")
    return result


@dataclass(frozen=True)
class Cost:
    """What one execution cost: state transitions (billed) and task invocations per task state."""

    transitions: int
    states: list[str]
    task_invocations: dict[str, int]
    task_failures: list[str]

    @property
    def polls(self) -> int:
        """Get Order Status task invocations (retries included)."""
        return self.task_invocations.get("CheckOrderStatus", 0)


def cost(stack: LocalStack, execution_arn: str) -> Cost:
    """Counts the execution's state transitions (every state entered) and task invocations."""
    sfn = stack.session.client("stepfunctions")
    events: list[dict[str, Any]] = []
    token: str | None = None
    while True:
        page = sfn.get_execution_history(executionArn=execution_arn, maxResults=1000, **_next(token))
        events.extend(page["events"])
        token = page.get("nextToken")
        if not token:
            break
    states: list[str] = []
    invocations: dict[str, int] = {}
    failures: list[str] = []
    current = ""
    for event in events:
        if event["type"].endswith("StateEntered"):
            current = event["stateEnteredEventDetails"]["name"]
            states.append(current)
        elif event["type"] == "TaskScheduled":
            invocations[current] = invocations.get(current, 0) + 1
        elif event["type"] == "TaskFailed":
            failures.append(event["taskFailedEventDetails"].get("error", ""))
    return Cost(len(states), states, invocations, failures)


def _next(token: str | None) -> dict[str, str]:
    return {"nextToken": token} if token else {}


def tap(stack: LocalStack) -> list[dict[str, Any]]:
    """Every event that reached the bus so far (drained from the local event tap)."""
    return bus_events(stack)


def of_type(events: list[dict[str, Any]], detail_type: str) -> list[dict[str, Any]]:
    """The ``paybridge`` events of one detail-type."""
    return [e for e in events if e["source"] == "paybridge" and e["detail-type"] == detail_type]
