"""What the recurring-debit use cases share: their dependencies, the notification window, the answer shape,
and taking an execution to its final state from Juspay's confirmed Order Status (then publishing it).

Final states come only from Order Status of the execution order, whatever prompted the look (the execution
call's answer, an ORDER_SUCCEEDED/ORDER_FAILED webhook, the pending-order follower's
``PendingOrderResolved``).
Juspay retries a failed execution silently for hours (JUSPAY.md), so a FAILED debit may still become
SUCCEEDED; nothing else leaves a final state.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, Protocol

from paybridge.dal.mandate_debits import MandateDebitsRepository
from paybridge.dal.mandates import MandatesRepository
from paybridge.logic.classify_order import FAILURE_STATUSES, PENDING_STATUSES, normalise_status
from paybridge.models.juspay import Order
from paybridge.models.mandate_debit import (
    DETAIL_MANDATE_DEBIT_FAILED,
    DETAIL_MANDATE_DEBIT_SUCCEEDED,
    EXECUTING,
    FAILED,
    PENDING,
    REJECTED,
    SUCCEEDED,
    MandateDebit,
    MandateDebitEvent,
    MandateExecution,
    Notification,
)
from paybridge.models.money import format_major
from paybridge.observability import MetricUnit, logger, metrics

SOURCE_PAYBRIDGE = "paybridge"


class DebitCalls(Protocol):
    """Juspay's recurring-debit calls (``paybridge.juspay.mandate_debits.MandateDebitCalls``)."""

    def pre_debit_notify(
        self,
        mandate_id: str,
        *,
        customer_id: str,
        object_reference_id: str,
        amount: Decimal,
        txn_date: int,
        description: str,
    ) -> Notification:
        """Sends the pre-debit notification."""
        ...

    def notification_status(self, notification_id: str, *, customer_id: str) -> Notification:
        """The notification's status now."""
        ...

    def execute(
        self,
        mandate_id: str,
        *,
        customer_id: str,
        order_id: str,
        amount: Decimal,
        notification_id: str,
        execution_date: int,
    ) -> MandateExecution:
        """Executes the debit (``POST /txns``)."""
        ...


class Publisher(Protocol):
    """The bus (``paybridge.bus.EventPublisher``)."""

    def publish(self, source: str, detail_type: str, detail: dict[str, Any]) -> str:
        """Publishes one event or raises."""
        ...


@dataclass(frozen=True)
class DebitDependencies:
    """What the recurring-debit use cases need, passed in by the handler (or a test)."""

    calls: DebitCalls
    #: Juspay's Order Status: (order id, customer id) → the order.
    order_status: Callable[[str, str | None], Order]
    debits: MandateDebitsRepository
    mandates: MandatesRepository
    publisher: Publisher
    clock: Callable[[], datetime]
    #: How long after the notification the debit may be executed (already divided by the time scale).
    window: timedelta = timedelta(hours=24)
    #: Starts the pending-order follower for the execution order: (order id, customer id).
    follow: Callable[[str, str | None], object] | None = None


def notification_window(window_s: int, time_scale: int) -> timedelta:
    """The real notification window: ``window_s`` divided by the time scale (local runs), at least 1 s."""
    return timedelta(seconds=max(1, math.ceil(window_s / max(1, time_scale))))


def to_answer(debit: MandateDebit) -> dict[str, Any]:
    """The merchant API's shape of a debit: the amount as a major-unit string, no internal fields."""
    return {
        "mandate_id": debit.mandate_id,
        "cycle": debit.cycle,
        "status": debit.status,
        "amount": format_major(debit.amount_minor, debit.currency),
        "currency": debit.currency,
        "customer_id": debit.customer_id,
        "notification_id": debit.notification_id,
        "notification_status": debit.notification_status,
        "notified_at": debit.notified_at,
        "debit_after": debit.debit_after,
        "order_id": debit.order_id,
        "txn_id": debit.txn_id,
        "juspay_status": debit.juspay_status,
        "error_code": debit.error_code,
        "error_message": debit.error_message,
    }


def reload(debit: MandateDebit, deps: DebitDependencies) -> MandateDebit:
    """The debit as stored now (after a lost race)."""
    current = deps.debits.get(debit.mandate_id, debit.cycle)
    if current is None:  # pragma: no cover - items are never deleted once past NOTIFYING
        raise RuntimeError("mandate debit disappeared")
    return current


def settle_debit(
    debit: MandateDebit, order: Order, deps: DebitDependencies, *, resolved_by: str
) -> MandateDebit:
    """Moves the debit to what Juspay's confirmed ``order`` says (CHARGED → SUCCEEDED, a failure status →
    FAILED; pending and unknown statuses change nothing but ``juspay_status``) and publishes a final state
    once. Returns the debit as it now stands."""
    status = normalise_status(order.status)
    if status == "CHARGED":
        target, allowed = SUCCEEDED, [EXECUTING, PENDING, FAILED]
    elif status in FAILURE_STATUSES:
        target, allowed = FAILED, [EXECUTING, PENDING]
    else:
        if status not in PENDING_STATUSES:
            metrics.add_metric(name="MandateDebitUnknownStatus", unit=MetricUnit.Count, value=1)
            logger.warning("mandate execution in an unexpected status", extra={"juspay_status": status})
        deps.debits.update(debit, {"juspay_status": status}, from_states=[EXECUTING, PENDING])
        return ensure_published(reload(debit, deps), deps)
    txn = order.transactions()[0] if order.transactions() else None
    changes: dict[str, Any] = {
        "status": target,
        "juspay_status": status,
        "txn_id": (txn.txn_id if txn is not None else None) or debit.txn_id,
        "error_code": None if target == SUCCEEDED else _extra(order, "bank_error_code"),
        "error_message": None if target == SUCCEEDED else _extra(order, "bank_error_message"),
        "final_at": deps.clock().isoformat(),
        "resolved_by": resolved_by,
        "published": False,
    }
    if deps.debits.update(debit, changes, from_states=allowed):
        logger.info("mandate debit final", extra={"status": target, "resolved_by": resolved_by})
    return ensure_published(reload(debit, deps), deps)


def ensure_published(debit: MandateDebit, deps: DebitDependencies) -> MandateDebit:
    """Publishes the debit's final state if that has not happened yet (at least once: a crash between the
    publish and marking it may publish it again; consumers key on mandate id + cycle)."""
    if debit.published or debit.status not in (SUCCEEDED, FAILED, REJECTED):
        return debit
    detail = MandateDebitEvent(
        mandate_id=debit.mandate_id,
        cycle=debit.cycle,
        customer_id=debit.customer_id,
        order_id=debit.order_id,
        txn_id=debit.txn_id,
        amount=format_major(debit.amount_minor, debit.currency),
        currency=debit.currency,
        status=debit.status,
        juspay_status=debit.juspay_status,
        error_code=debit.error_code,
        error_message=debit.error_message,
        resolved_by=debit.resolved_by,
    )
    detail_type = DETAIL_MANDATE_DEBIT_SUCCEEDED if debit.status == SUCCEEDED else DETAIL_MANDATE_DEBIT_FAILED
    deps.publisher.publish(SOURCE_PAYBRIDGE, detail_type, detail.model_dump())
    deps.debits.set_fields(debit, {"published": True})
    metrics.add_metric(name=detail_type, unit=MetricUnit.Count, value=1)
    return debit.model_copy(update={"published": True})


def _extra(order: Order, name: str) -> str | None:
    # Juspay's bank error fields are not modelled (extra="allow"): read them as text, blank as None.
    value = (order.model_extra or {}).get(name)
    return str(value) if value not in (None, "") else None
