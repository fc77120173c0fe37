"""Start following a pending order: one state machine execution per follow of the order.

Triggered by Juspay's ``TXN_CREATED`` webhook, by settlement's ``OrderPending`` event (a webhook whose
confirmed status is pending) and by the SDK signing route. An order may be followed more than once: a
failed attempt does not end a Juspay order, so when a follow has ended (resolved as failed, stale, failed,
abandoned, or its execution stopped) the next trigger opens follow ``n + 1`` with a conditional write and
starts an execution named after the order id *and* ``n + 1``. Concurrent triggers for the same follow agree
on one number and collide on one name (``ExecutionAlreadyExists``): harmless. An order resolved as paid is
not followed again.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal, Protocol

from paybridge import jsonutil
from paybridge.dal.dynamo import error_code
from paybridge.logic.pending_order_schedule import FollowSchedule
from paybridge.logic.pending_orders import execution_name, may_follow_again
from paybridge.models.pending_order import STATUS_RESOLVED, STATUS_WAITING
from paybridge.observability import MetricUnit, logger, metrics

if TYPE_CHECKING:
    from mypy_boto3_stepfunctions import SFNClient

#: Lost races re-read the item; more than this many in a row would be a defect.
_MAX_ROUNDS = 5


class FollowRegistry(Protocol):
    """The pending orders table as starting needs it (``PendingOrdersRepository`` satisfies it)."""

    def get(self, order_id: str) -> dict[str, Any] | None:
        """The order's item, or None."""
        ...

    def open_follow(
        self,
        order_id: str,
        *,
        follow: int,
        seen: dict[str, Any] | None,
        customer_id: str | None,
        trigger: str,
        now: datetime,
        deadline_at: datetime,
    ) -> bool:
        """Opens follow ``follow`` over the item as ``seen``; False when the item changed meanwhile."""
        ...


@dataclass(frozen=True)
class StartDependencies:
    """What starting an execution needs, passed in by the handler (or a test)."""

    sfn_client: SFNClient
    state_machine_arn: str
    clock: Callable[[], datetime]
    repository: FollowRegistry
    schedule: FollowSchedule


@dataclass(frozen=True)
class StartResult:
    """``started``, ``already_started`` (this follow runs: harmless), ``closed`` (resolved as paid: nothing
    to follow) or ``ignored`` (no order id)."""

    action: Literal["started", "already_started", "closed", "ignored"]
    execution_name: str | None = None
    execution_arn: str | None = None
    follow: int | None = None


def start_pending_order(
    order_id: str,
    customer_id: str | None,
    *,
    trigger: str,
    deps: StartDependencies,
    juspay_event_id: str | None = None,
) -> StartResult:
    """Starts the order's current follow, or opens and starts the next one when the last has ended.

    The input carries the follow number, its start and deadline, the first wait of the schedule, and the
    correlation ids (order id, and the Juspay event id that started it, if any) every task passes on.
    """
    for _ in range(_MAX_ROUNDS):
        item = deps.repository.get(order_id)
        status = None if item is None else item.get("status")
        current = 0 if item is None else int(item.get("follow", 0))
        if status == STATUS_WAITING and current:
            result = _start(order_id, item or {}, trigger, deps, juspay_event_id)
            if result is not None:
                return result
            # The follow's execution ended without closing the follow (stopped, or failed to record
            # its failure): it is over all the same, so a new one is opened below.
        elif (
            item is not None
            and status == STATUS_RESOLVED
            and not may_follow_again(str(item.get("resolved_status") or ""))
        ):
            logger.info("order already resolved; not followed again", extra={"order_id": order_id})
            return StartResult("closed", follow=current or None)
        now = deps.clock()
        if deps.repository.open_follow(
            order_id,
            follow=current + 1,
            seen=item,
            customer_id=customer_id,
            trigger=trigger,
            now=now,
            deadline_at=now + deps.schedule.real_duration(timedelta(seconds=deps.schedule.deadline_s)),
        ):
            metrics.add_metric(name="PendingOrderFollowOpened", unit=MetricUnit.Count, value=1)
        # Opened here or by a concurrent start: the next round starts (or finds) its execution.
    raise RuntimeError("pending-order follow kept changing while it was being started")


def _start(
    order_id: str,
    item: Mapping[str, Any],
    trigger: str,
    deps: StartDependencies,
    juspay_event_id: str | None,
) -> StartResult | None:
    """Starts the WAITING follow's execution; None when that execution exists but has ended."""
    follow = int(item["follow"])
    name = execution_name(order_id, follow)
    arn = deps.state_machine_arn.replace(":stateMachine:", ":execution:", 1) + f":{name}"
    first = deps.schedule.first_wait()
    document = {
        "order_id": order_id,
        "customer_id": item.get("customer_id"),
        "follow": follow,
        "started_at": str(item["started_at"]),
        "deadline_at": str(item["deadline_at"]),
        "trigger": trigger,
        "juspay_event_id": juspay_event_id,
        # Makes a repeated start differ, so Step Functions refuses it rather than answering it as the first.
        "requested_at": deps.clock().isoformat(),
        "followed_seconds": first,
        "next_wait_seconds": deps.schedule.real_seconds(first),
    }
    try:
        response = deps.sfn_client.start_execution(
            stateMachineArn=deps.state_machine_arn, name=name, input=jsonutil.dumps(document)
        )
    except Exception as exc:
        if error_code(exc) != "ExecutionAlreadyExists":
            raise
        if deps.sfn_client.describe_execution(executionArn=arn)["status"] != "RUNNING":
            return None
        logger.info("pending order already followed", extra={"order_id": order_id, "follow": follow})
        return StartResult("already_started", name, arn, follow)
    metrics.add_metric(name="PendingOrderStarted", unit=MetricUnit.Count, value=1)
    logger.info("pending order followed", extra={"order_id": order_id, "follow": follow, "trigger": trigger})
    return StartResult("started", name, str(response.get("executionArn") or arn), follow)


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
    return start_pending_order(
        order_id,
        _text(detail.get("customer_id")),
        trigger=trigger,
        deps=deps,
        juspay_event_id=_text(detail.get("event_id")),
    )


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, dict | list | bool):
        return None
    text = str(value).strip()
    return text or None
