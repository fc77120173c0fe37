"""POST /mandates/{mandate_id}/debits: execute one billing cycle's notified debit (Juspay's ``POST /txns``
with the mandate), at most once per cycle.

Refusals (409 ``mandate_debit_refused``, ``details.rule``), before any money can move: ``not_notified`` (no
notification for the cycle), ``notification_pending`` (its outcome is not known yet), ``notification_window``
(the RBI window after the notification has not passed: ``details.debit_after`` says when it has),
``notification_failed``, ``mandate_not_active``.

Exactly once: the cycle's debit moves NOTIFIED → EXECUTING in one conditional write *before* the call, and
the execution's order id is derived from mandate and cycle. Only the request that wins that write calls
Juspay, once; every other request for the cycle (concurrent or later) answers the debit as it stands. The
execution order is then followed to a final state by its webhooks and by the pending-order follower
(started here, as signing starts it), see ``mandate_debit_outcome.settle_debit``.
"""

from __future__ import annotations

from datetime import datetime

from paybridge.errors import JuspayBadRequestError, JuspayNotFoundError, MandateDebitRefusedError
from paybridge.logic.mandate_debit_outcome import (
    DebitDependencies,
    ensure_published,
    reload,
    settle_debit,
)
from paybridge.logic.notify_mandate_debit import require_active
from paybridge.logic.pending_orders import is_pending
from paybridge.models.mandate_debit import (
    EXECUTED_STATES,
    EXECUTING,
    NOTIFYING,
    PENDING,
    REJECTED,
    ExecuteDebitRequest,
    MandateDebit,
)
from paybridge.models.money import from_minor
from paybridge.models.validation import require_id
from paybridge.observability import MetricUnit, logger, metrics


def execute_mandate_debit(
    mandate_id: str, request: ExecuteDebitRequest, deps: DebitDependencies
) -> tuple[MandateDebit, bool]:
    """Executes the cycle's debit once; returns the debit and whether this request executed it."""
    mandate_id = require_id("mandate_id", mandate_id)
    debit = deps.debits.get(mandate_id, request.cycle)
    if debit is None:
        raise _refused("no pre-debit notification was sent for this cycle", "not_notified")
    if debit.status in EXECUTED_STATES:
        return _converge(debit, deps), False
    if debit.status == NOTIFYING:
        raise _refused(
            "the notification's outcome is not known yet: notify the cycle again", "notification_pending"
        )
    now = deps.clock()
    if debit.debit_after is None or now < datetime.fromisoformat(debit.debit_after):
        raise MandateDebitRefusedError(
            "the notification window has not passed yet",
            details={"field": "cycle", "rule": "notification_window", "debit_after": debit.debit_after},
        )
    debit = _confirm_notification(debit, deps)
    require_active(mandate_id, deps)
    if not deps.debits.begin_execution(debit, {"executed_at": now.isoformat()}):
        return _converge(reload(debit, deps), deps), False  # a concurrent request executes it
    return _execute(debit, now, deps), True


def _execute(debit: MandateDebit, now: datetime, deps: DebitDependencies) -> MandateDebit:
    try:
        execution = deps.calls.execute(
            debit.mandate_id,
            customer_id=str(debit.customer_id),
            order_id=debit.order_id,
            amount=from_minor(debit.amount_minor, debit.currency),
            notification_id=str(debit.notification_id),
            execution_date=int(now.timestamp()),
        )
    except JuspayBadRequestError as exc:
        # Refused as asked: nothing was debited, and nothing will be for this cycle.
        deps.debits.update(
            debit,
            {
                "status": REJECTED,
                "error_code": exc.error_code,
                "error_message": exc.error_message,
                "final_at": deps.clock().isoformat(),
                "resolved_by": "call",
                "published": False,
            },
            from_states=[EXECUTING],
        )
        return ensure_published(reload(debit, deps), deps)
    except Exception:
        # Outcome unknown: the order may exist at Juspay. Following it converges the debit either way; the
        # call itself is never repeated.
        _follow(debit, deps)
        raise
    deps.debits.update(
        debit,
        {
            "status": PENDING,
            "txn_id": execution.txn_id,
            "txn_uuid": execution.txn_uuid,
            "juspay_status": execution.status,
        },
        from_states=[EXECUTING],
    )
    metrics.add_metric(name="MandateDebitExecuted", unit=MetricUnit.Count, value=1)
    logger.info("mandate debit executed", extra={"mandate_id": debit.mandate_id, "cycle": debit.cycle})
    _follow(debit, deps)
    return reload(debit, deps)


def _converge(debit: MandateDebit, deps: DebitDependencies) -> MandateDebit:
    """A repeat's answer: the debit as stored; one whose execution outcome is unknown is first looked up
    with Order Status (a read; the execution call is never repeated)."""
    if debit.status != EXECUTING:
        return ensure_published(debit, deps)
    try:
        order = deps.order_status(debit.order_id, debit.customer_id)
    except JuspayNotFoundError:
        return debit  # not at Juspay (yet): still unknown; the follower keeps looking
    if is_pending(order):
        deps.debits.update(debit, {"status": PENDING, "juspay_status": order.status}, from_states=[EXECUTING])
        return reload(debit, deps)
    return settle_debit(debit, order, deps, resolved_by="call")


def _confirm_notification(debit: MandateDebit, deps: DebitDependencies) -> MandateDebit:
    """The notification must have reached the customer: a status not known as SUCCESS is asked for."""
    if debit.notification_status == "SUCCESS":
        return debit
    notification = deps.calls.notification_status(
        str(debit.notification_id), customer_id=str(debit.customer_id)
    )
    deps.debits.set_fields(debit, {"notification_status": notification.status})
    if notification.status == "FAILURE":
        raise _refused("the pre-debit notification failed: notify the customer again", "notification_failed")
    if notification.status != "SUCCESS":
        raise _refused("the pre-debit notification has not reached the customer yet", "notification_pending")
    return debit.model_copy(update={"notification_status": notification.status})


def _follow(debit: MandateDebit, deps: DebitDependencies) -> None:
    if deps.follow is not None:
        deps.follow(debit.order_id, debit.customer_id)


def _refused(message: str, rule: str) -> MandateDebitRefusedError:
    return MandateDebitRefusedError(message, details={"field": "cycle", "rule": rule})
