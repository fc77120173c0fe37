"""Settlement's dependencies, its result, and the outcomes that move no money: a status recorded (pending,
failed, no wallet part, unknown), a mismatch, the online part refunded before any debit, a cancellation
(the debit was impossible). Each is one conditional write of the order record, then its events
(``settlement_events``). The debit itself is ``settlement_debit``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from paybridge.bus import EventPublisher
from paybridge.dal.orders import OrderRecord, OrdersRepository, OrderStatus
from paybridge.dal.pending_orders import PendingOrdersRepository
from paybridge.dal.wallets import WalletRepository
from paybridge.logic.classify_order import Classification, Outcome, SplitAmounts
from paybridge.logic.settlement_events import ensure_published, events_of
from paybridge.models.juspay import Order
from paybridge.observability import MetricUnit, logger, metrics

__all__ = [
    "Delivery",
    "OrderStatusSource",
    "SettleDependencies",
    "SettlementResult",
    "amount_fields",
    "cancel",
    "record_mismatch",
    "record_refunded",
    "record_without_money",
    "text",
]

_STATUS_OF = {
    Outcome.PENDING: OrderStatus.PENDING,
    Outcome.FAILURE: OrderStatus.FAILED,
    Outcome.NO_WALLET: OrderStatus.NO_WALLET,
    Outcome.UNKNOWN: OrderStatus.UNKNOWN,
}
_METRIC_OF = {
    Outcome.PENDING: "SettlementPending",
    Outcome.FAILURE: "SettlementFailed",
    Outcome.NO_WALLET: "SettlementNoWallet",
    Outcome.UNKNOWN: "SettlementUnknownStatus",
}


class OrderStatusSource(Protocol):
    """What settlement needs from Juspay (``JuspayClient`` satisfies it)."""

    def get_order_status(self, order_id: str, *, customer_id: str | None) -> Order:
        """Juspay's current view of the order."""
        ...


@dataclass
class SettleDependencies:
    """Everything ``settle_order`` touches, passed in by the handler (or a test)."""

    juspay: OrderStatusSource
    wallets: WalletRepository
    orders: OrdersRepository
    publisher: EventPublisher
    clock: Callable[[], datetime]
    #: Ends a pending-order wait for the order (``release_pending_order``); None where none is followed.
    release_pending: Callable[[str, str], object] | None = None
    #: The pending orders table, read with the order (``settle_order``): a release is written only when a
    #: follow exists; for an order never followed the debit's transaction records the resolution itself.
    pending_orders: PendingOrdersRepository | None = None


@dataclass(frozen=True)
class Delivery:
    """The event being settled: Juspay's event id (kept as the record's ``last_event_id``) and the bus
    event's id (the delivery that publishes a debit's events, see ``settlement_events``)."""

    event_id: str | None = None
    bus_event_id: str | None = None


@dataclass(frozen=True)
class SettlementResult:
    """What one invocation did. ``action`` is one of: debited, already_done, cancelled, recorded, ignored."""

    order_id: str | None
    status: str | None
    action: str
    reason: str | None = None
    #: The pending-order resolution was written with the debit (no release left to do).
    follow_resolved: bool = False


def record_without_money(
    order: Order, classification: Classification, deps: SettleDependencies, delivery: Delivery | None
) -> SettlementResult:
    """Records a status that moves no money (pending, failed, no wallet part, unknown)."""
    status = _STATUS_OF[classification.outcome]
    metrics.add_metric(name=_METRIC_OF[classification.outcome], unit=MetricUnit.Count, value=1)
    if classification.outcome is Outcome.UNKNOWN:
        logger.warning("order status not covered by the settlement table; nothing debited")
    fields = _basic_fields(order, classification, delivery)
    transition = deps.orders.record(
        order.order_id, status, now=deps.clock(), has_events=bool(events_of(status)), fields=fields
    )
    return _after_transition(
        order.order_id,
        status,
        transition.record,
        deps,
        "recorded",
        classification.reason,
        own_claim=transition.changed,
    )


def record_mismatch(
    order: Order,
    classification: Classification,
    reason: str,
    deps: SettleDependencies,
    delivery: Delivery | None,
) -> SettlementResult:
    """Records MISMATCH: nothing is debited (counted; an alarm watches the metric)."""
    metrics.add_metric(name="SettlementAmountMismatch", unit=MetricUnit.Count, value=1)
    logger.error("split order does not add up; nothing debited", extra={"mismatch": reason})
    fields = {**_basic_fields(order, classification, delivery), "reason": reason}
    transition = deps.orders.record(
        order.order_id, OrderStatus.MISMATCH, now=deps.clock(), has_events=False, fields=fields
    )
    return _after_transition(
        order.order_id,
        OrderStatus.MISMATCH,
        transition.record,
        deps,
        "recorded",
        reason,
        own_claim=transition.changed,
    )


def record_refunded(
    order: Order, amounts: SplitAmounts, refunded: int, deps: SettleDependencies, delivery: Delivery | None
) -> SettlementResult:
    """The online transaction was refunded before the wallet share was debited: nothing is debited. In full
    → REFUNDED (final); in part → REVIEW (a person decides; metric and alarm)."""
    full = refunded >= amounts.online_minor
    status = OrderStatus.REFUNDED if full else OrderStatus.REVIEW
    reason = "online_refunded_before_settlement" if full else "online_partly_refunded_before_settlement"
    fields = {**amount_fields(order, amounts, reason=reason, delivery=delivery), "refunded_minor": refunded}
    transition = deps.orders.record(
        amounts.order_id, status, now=deps.clock(), has_events=True, fields=fields
    )
    if transition.changed:
        metrics.add_metric(
            name="SettlementRefundedBeforeDebit" if full else "SettlementReview",
            unit=MetricUnit.Count,
            value=1,
        )
        log = logger.info if full else logger.error
        log("online part refunded before settlement; nothing debited", extra={"refunded_minor": refunded})
    action = "recorded" if transition.changed else "already_done"
    return _after_transition(
        amounts.order_id, status, transition.record, deps, action, reason, own_claim=transition.changed
    )


def cancel(
    order: Order, amounts: SplitAmounts, reason: str, deps: SettleDependencies, delivery: Delivery | None
) -> SettlementResult:
    """The debit was impossible: CANCELLED, and the online part's refund is requested (its events)."""
    fields = amount_fields(order, amounts, reason=reason, delivery=delivery)
    transition = deps.orders.record(
        amounts.order_id, OrderStatus.CANCELLED, now=deps.clock(), has_events=True, fields=fields
    )
    if transition.changed:
        metrics.add_metric(name="SettlementCancelled", unit=MetricUnit.Count, value=1)
        logger.warning("wallet debit impossible; order cancelled", extra={"reason": reason})
    record = transition.record
    if record is not None and record.status is OrderStatus.SETTLED:
        # A concurrent delivery debited first (the balance is low because of it): nothing to cancel.
        ensure_published(record, deps)
        return SettlementResult(amounts.order_id, record.status.value, "already_done")
    action = "cancelled" if transition.changed else "already_done"
    return _after_transition(
        amounts.order_id, OrderStatus.CANCELLED, record, deps, action, reason, own_claim=transition.changed
    )


def _after_transition(
    order_id: str,
    status: OrderStatus,
    record: OrderRecord | None,
    deps: SettleDependencies,
    action: str,
    reason: str | None = None,
    *,
    own_claim: bool,
) -> SettlementResult:
    if record is not None:
        ensure_published(record, deps, own_claim=own_claim)
    return SettlementResult(order_id, record.status.value if record else status.value, action, reason)


# --- record fields --------------------------------------------------------------------------------------
def _basic_fields(order: Order, classification: Classification, delivery: Delivery | None) -> dict[str, Any]:
    return {
        "customer_id": text(order.customer_id),
        "currency": (order.currency or "").upper() or None,
        "amount_minor": _safe_minor(order),
        "juspay_status": order.status,
        "reason": classification.reason,
        "wallet_txn_id": classification.wallet_txn.txn_id if classification.wallet_txn else None,
        "last_event_id": delivery.event_id if delivery is not None else None,
    }


def amount_fields(
    order: Order, amounts: SplitAmounts, *, reason: str, delivery: Delivery | None
) -> dict[str, Any]:
    """The record's attributes for a validated split (what its events are built from)."""
    return {
        "customer_id": amounts.customer_id,
        "currency": amounts.currency,
        "amount_minor": amounts.amount_minor,
        "online_minor": amounts.online_minor,
        "wallet_minor": amounts.wallet_minor,
        "wallet_txn_id": amounts.wallet_txn_id,
        "online_txn_id": amounts.online_txn_id,
        "cod": amounts.cod,
        "juspay_status": order.status,
        "reason": reason,
        "last_event_id": delivery.event_id if delivery is not None else None,
    }


def _safe_minor(order: Order) -> int | None:
    try:
        return order.amount_minor
    except ValueError:
        return None


def text(value: Any) -> str | None:
    """A non-empty string of a scalar event field, or None."""
    if value is None or isinstance(value, dict | list | bool):
        return None
    stripped = str(value).strip()
    return stripped or None
