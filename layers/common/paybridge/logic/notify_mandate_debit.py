"""POST /mandates/{mandate_id}/notifications: announce one billing cycle's debit to the customer
(Juspay's ``command=pre_debit_notify``), the first step of a recurring debit.

The cycle is the idempotency key: the first request creates the cycle's debit and sends the notification;
a repeat with the same amount answers that debit without a second notification; another amount is a 409.
A notification Juspay refuses (its 4xx) leaves nothing behind, so the cycle can be notified again. One whose
outcome is unknown (timeout, 5xx) stays NOTIFYING and is sent again, with the same reference, by the next
request for the cycle: a second SMS at worst, never money.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from paybridge.errors import JuspayBadRequestError, JuspayError, MandateDebitRefusedError
from paybridge.logic.get_mandate import mandate_customer
from paybridge.logic.mandate_debit_outcome import DebitDependencies
from paybridge.models.mandate_debit import (
    NOTIFIED,
    NOTIFYING,
    MandateDebit,
    NotifyDebitRequest,
    execution_order_id,
    notification_reference,
)
from paybridge.models.money import from_minor, to_minor
from paybridge.models.validation import require_id
from paybridge.observability import MetricUnit, logger, metrics

DEFAULT_DESCRIPTION = "Notification for upcoming mandate debit"


def notify_mandate_debit(
    mandate_id: str, request: NotifyDebitRequest, deps: DebitDependencies
) -> tuple[MandateDebit, bool]:
    """Sends the cycle's pre-debit notification once; returns the debit and whether this call created it."""
    mandate_id = require_id("mandate_id", mandate_id)
    customer_id = mandate_customer(mandate_id, deps.mandates)
    require_active(mandate_id, deps)
    amount_minor = to_minor(request.amount, "INR")
    existing = deps.debits.get(mandate_id, request.cycle)
    if existing is not None:
        if existing.amount_minor != amount_minor:
            raise MandateDebitRefusedError(
                "this cycle was notified with another amount",
                details={"field": "amount", "rule": "cycle_amount_differs"},
            )
        if existing.status == NOTIFIED and existing.notification_status == "FAILURE":
            # The customer was never told: a new notification is the only way to this cycle's debit.
            if deps.debits.update(existing, {"status": NOTIFYING}, from_states=[NOTIFIED]):
                return _send(existing, deps), False
            existing = deps.debits.get(mandate_id, request.cycle) or existing
        if existing.status != NOTIFYING:
            return existing, False
        return _send(existing, deps), False
    debit = MandateDebit(
        mandate_id=mandate_id,
        cycle=request.cycle,
        status=NOTIFYING,
        customer_id=customer_id,
        amount_minor=amount_minor,
        description=request.description or DEFAULT_DESCRIPTION,
        object_reference_id=notification_reference(mandate_id, request.cycle),
        order_id=execution_order_id(mandate_id, request.cycle),
    )
    if not deps.debits.begin_notify(debit):
        # A concurrent request for the same cycle won: answer what it made of it.
        current = deps.debits.get(mandate_id, request.cycle)
        if current is None:  # pragma: no cover - only a refused notification deletes, and it is NOTIFYING
            raise RuntimeError("mandate debit disappeared")
        return current, False
    return _send(debit, deps), True


def require_active(mandate_id: str, deps: DebitDependencies) -> None:
    """409 ``mandate_not_active`` when the mandate is known here in another state than ACTIVE."""
    record = deps.mandates.get(mandate_id) or {}
    status = str(record.get("status") or "")
    if status and status != "ACTIVE":
        raise MandateDebitRefusedError(
            "the mandate is not ACTIVE", details={"field": "mandate_id", "rule": "mandate_not_active"}
        )


def _send(debit: MandateDebit, deps: DebitDependencies) -> MandateDebit:
    now = deps.clock()
    debit_after = now + deps.window
    try:
        notification = deps.calls.pre_debit_notify(
            debit.mandate_id,
            customer_id=str(debit.customer_id),
            object_reference_id=debit.object_reference_id,
            amount=_major(debit),
            txn_date=int(debit_after.timestamp()),
            description=debit.description or DEFAULT_DESCRIPTION,
        )
    except JuspayBadRequestError:
        deps.debits.forget_notify(debit.mandate_id, debit.cycle)
        raise
    if not notification.id:
        raise JuspayError("Juspay answered the notification without an id")
    changes = {
        "notification_id": str(notification.id),
        "notification_status": notification.status,
        "notified_at": _iso(now),
        "debit_after": _iso(debit_after),
    }
    if deps.debits.record_notified(debit, changes):
        metrics.add_metric(name="MandateDebitNotified", unit=MetricUnit.Count, value=1)
        logger.info(
            "pre-debit notification sent", extra={"mandate_id": debit.mandate_id, "cycle": debit.cycle}
        )
    current = deps.debits.get(debit.mandate_id, debit.cycle)
    return current if current is not None else debit


def _major(debit: MandateDebit) -> Decimal:
    return from_minor(debit.amount_minor, debit.currency)


def _iso(moment: datetime) -> str:
    return moment.isoformat()
