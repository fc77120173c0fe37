"""Start following a pending order: one state machine execution per order, named after the order id.

Triggered by Juspay's ``TXN_CREATED`` webhook and by settlement's ``OrderPending`` event (a webhook whose
confirmed status is pending); the SDK signing route can call ``start_pending_order`` directly once it
records orders. The name is derived from the order id, so a second start for the same order is refused by
Step Functions (``ExecutionAlreadyExists``) and is harmless: one order, one execution, whoever starts first.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

from paybridge import jsonutil
from paybridge.dal.dynamo import error_code
from paybridge.logic.pending_orders import execution_name
from paybridge.observability import MetricUnit, logger, metrics

if TYPE_CHECKING:
    from mypy_boto3_stepfunctions import SFNClient


@dataclass(frozen=True)
class StartDependencies:
    """What starting an execution needs, passed in by the handler (or a test)."""

    sfn_client: SFNClient
    state_machine_arn: str
    clock: Callable[[], datetime]


@dataclass(frozen=True)
class StartResult:
    """``started``, ``already_started`` (a second start: harmless) or ``ignored`` (no order id)."""

    action: Literal["started", "already_started", "ignored"]
    execution_name: str | None = None
    execution_arn: str | None = None


def start_pending_order(
    order_id: str, customer_id: str | None, *, trigger: str, deps: StartDependencies
) -> StartResult:
    """Starts the order's execution unless one was already started (then answers ``already_started``).

    The input carries ``started_at``: the deadline is counted from the first start.
    """
    name = execution_name(order_id)
    arn = deps.state_machine_arn.replace(":stateMachine:", ":execution:", 1) + f":{name}"
    document = {
        "order_id": order_id,
        "customer_id": customer_id,
        "started_at": deps.clock().isoformat(),
        "trigger": trigger,
    }
    try:
        response = deps.sfn_client.start_execution(
            stateMachineArn=deps.state_machine_arn, name=name, input=jsonutil.dumps(document)
        )
    except Exception as exc:
        if error_code(exc) != "ExecutionAlreadyExists":
            raise
        logger.info("pending order already followed", extra={"order_id": order_id, "trigger": trigger})
        return StartResult("already_started", name, arn)
    metrics.add_metric(name="PendingOrderStarted", unit=MetricUnit.Count, value=1)
    logger.info("pending order followed", extra={"order_id": order_id, "trigger": trigger})
    return StartResult("started", name, str(response.get("executionArn") or arn))


def handle_pending_event(event: Mapping[str, Any], deps: StartDependencies) -> StartResult:
    """An EventBridge event (``juspay``/``TXN_CREATED`` or ``paybridge``/``OrderPending``) → a start.

    An event without an order id cannot be followed; it is logged and counted, not retried (a retry could
    not add the id).
    """
    raw = event.get("detail")
    detail: Mapping[str, Any] = raw if isinstance(raw, dict) else {}
    trigger = f"{event.get('source', '')}/{event.get('detail-type', '')}"
    order_id = _text(detail.get("order_id"))
    if order_id is None:
        metrics.add_metric(name="PendingOrderEventWithoutOrderId", unit=MetricUnit.Count, value=1)
        logger.warning("pending-order event without an order id", extra={"trigger": trigger})
        return StartResult("ignored")
    return start_pending_order(order_id, _text(detail.get("customer_id")), trigger=trigger, deps=deps)


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, dict | list | bool):
        return None
    text = str(value).strip()
    return text or None
