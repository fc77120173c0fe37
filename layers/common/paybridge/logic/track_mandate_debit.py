"""EventBridge → a recurring debit followed to its final state.

Triggers: Juspay's ``NOTIFICATION_SUCCEEDED``/``NOTIFICATION_FAILED`` (the notification's status, confirmed
with ``GET /notifications/{id}``), ``ORDER_SUCCEEDED``/``ORDER_FAILED`` of an execution order, and the
pending-order follower's ``PendingOrderResolved`` (the execution's webhook was lost). Each is a hint: the
notification's or the order's status is read from Juspay before anything changes. Orders and notifications
that are not a mandate debit's are ignored (most orders are not).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from paybridge.logic.mandate_debit_outcome import DebitDependencies, settle_debit
from paybridge.observability import logger


@dataclass(frozen=True)
class TrackResult:
    """``settled`` (an execution looked at; ``status`` is the debit's state now), ``notification`` (a
    notification's status recorded) or ``ignored`` (not a mandate debit's, or nothing to identify it)."""

    action: str
    status: str | None = None


def track_mandate_debit(event: Mapping[str, Any], deps: DebitDependencies) -> TrackResult:
    """Looks at the debit the event is about, as Juspay confirms it."""
    raw = event.get("detail")
    detail: Mapping[str, Any] = raw if isinstance(raw, dict) else {}
    detail_type = str(event.get("detail-type") or "")
    if detail_type.startswith("NOTIFICATION_"):
        return _notification(detail, deps)
    order_id = _text(detail.get("order_id"))
    debit = deps.debits.find_by_order(order_id) if order_id else None
    if debit is None:
        return TrackResult("ignored")
    resolved_by = "poll" if detail_type == "PendingOrderResolved" else "webhook"
    order = deps.order_status(debit.order_id, debit.customer_id)
    debit = settle_debit(debit, order, deps, resolved_by=resolved_by)
    return TrackResult("settled", debit.status)


def _notification(detail: Mapping[str, Any], deps: DebitDependencies) -> TrackResult:
    content = detail.get("content")
    notification = content.get("notification") if isinstance(content, dict) else None
    notification_id = _text(notification.get("id")) if isinstance(notification, dict) else None
    debit = deps.debits.find_by_notification(notification_id) if notification_id else None
    if debit is None or notification_id is None:
        return TrackResult("ignored")
    confirmed = deps.calls.notification_status(notification_id, customer_id=str(debit.customer_id))
    if debit.notification_id == notification_id:
        deps.debits.set_fields(debit, {"notification_status": confirmed.status})
    logger.info("pre-debit notification status", extra={"notification_status": confirmed.status})
    return TrackResult("notification", confirmed.status)


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, dict | list | bool):
        return None
    text = str(value).strip()
    return text or None
