"""Settle a split order against the in-house wallet: event → Order Status → classify → validate → act →
record → publish. Idempotent under replays, duplicate webhooks and concurrent invocations.

* The event is a hint: Juspay's Get Order Status decides. Its transient errors propagate, so Lambda's
  asynchronous retries and then the dead-letter queue apply.
* SUCCESS → the wallet transaction's ``txn_amount`` is debited once (``WalletRepository.debit``: wallet,
  ledger entry, marker and order record in one conditional transaction). Debit impossible (no funds,
  wallet missing or frozen) → the order is CANCELLED and a refund of the online transaction is requested
  (nothing to refund for COD). PENDING → recorded, ``OrderPending`` published for the pending-order
  state machine. FAILURE → recorded. No wallet part → the order status is recorded only. Amounts that do not
  add up → MISMATCH recorded and counted (an alarm watches the metric). Unknown statuses → recorded and
  counted, no money moves.
* Domain events (source ``paybridge``) are built from the order record alone and published under a claim
  stored with the record (see ``paybridge.dal.orders``): one publication per status change, and a crash
  between the change and the publication is repaired by the next delivery.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from paybridge.bus import EventPublisher
from paybridge.dal.orders import OrderRecord, OrdersRepository, OrderStatus
from paybridge.dal.wallets import DebitResult, DebitStatus, WalletRepository
from paybridge.logic.classify_order import (
    Classification,
    Outcome,
    SplitAmounts,
    SplitMismatch,
    classify_order,
    validate_split,
)
from paybridge.logic.order_attempts import refunded_minor
from paybridge.logic.pending_orders import is_pending
from paybridge.logic.settlement_events import (
    EVENT_ORDER_CANCELLED,
    EVENT_ORDER_FAILED,
    EVENT_ORDER_NEEDS_REVIEW,
    EVENT_ORDER_PENDING,
    EVENT_ORDER_REFUNDED,
    EVENT_ORDER_SETTLED,
    EVENT_REFUND_REQUESTED,
    ensure_published,
    events_for,
    events_of,
)
from paybridge.models.juspay import Order
from paybridge.observability import MetricUnit, logger, metrics

__all__ = [
    "EVENT_ORDER_CANCELLED",
    "EVENT_ORDER_FAILED",
    "EVENT_ORDER_NEEDS_REVIEW",
    "EVENT_ORDER_PENDING",
    "EVENT_ORDER_REFUNDED",
    "EVENT_ORDER_SETTLED",
    "EVENT_REFUND_REQUESTED",
    "SettleDependencies",
    "SettlementResult",
    "events_for",
    "settle_confirmed",
    "settle_order",
]

_DEBIT_IMPOSSIBLE = {
    DebitStatus.INSUFFICIENT_FUNDS: "insufficient_funds",
    DebitStatus.WALLET_MISSING: "wallet_missing",
    DebitStatus.WALLET_FROZEN: "wallet_frozen",
}
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


@dataclass(frozen=True)
class SettlementResult:
    """What one invocation did. ``action`` is one of: debited, already_done, cancelled, recorded, ignored."""

    order_id: str | None
    status: str | None
    action: str
    reason: str | None = None


def settle_order(detail: Mapping[str, Any], deps: SettleDependencies) -> SettlementResult:
    """Settles the order an event names (``detail.order_id``, optional ``detail.customer_id``)."""
    order_id = _text(detail.get("order_id"))
    if order_id is None:
        metrics.add_metric(name="SettlementEventWithoutOrder", unit=MetricUnit.Count, value=1)
        logger.warning("settlement event without order_id; ignored")
        return SettlementResult(None, None, "ignored", "no_order_id")
    logger.append_keys(order_id=order_id)
    hint_customer = _text(detail.get("customer_id"))
    existing = deps.orders.get(order_id)
    if existing is not None and existing.is_final:
        # Settled or cancelled for good: no Juspay call, no money; only finish a publication left undone.
        ensure_published(existing, deps)
        _release_pending(order_id, existing.juspay_status or "", deps)
        metrics.add_metric(name="SettlementDuplicate", unit=MetricUnit.Count, value=1)
        return SettlementResult(order_id, existing.status.value, "already_done")
    deps.orders.note_received(
        order_id, event_id=_text(detail.get("event_id")), customer_id=hint_customer, now=deps.clock()
    )

    known = existing.routing_customer_id if existing is not None else None
    order = deps.juspay.get_order_status(order_id, customer_id=hint_customer or known)
    result = settle_confirmed(order, existing, deps)
    if not is_pending(order):
        # A terminal status is settled: a pending-order execution waiting for this order can end now.
        _release_pending(order_id, order.status or "", deps)
    return result


def _release_pending(order_id: str, status: str, deps: SettleDependencies) -> None:
    if deps.release_pending is not None:
        deps.release_pending(order_id, status)


def settle_confirmed(
    order: Order, existing: OrderRecord | None, deps: SettleDependencies
) -> SettlementResult:
    """Classifies Juspay's confirmed order and acts on it (debit, cancel, or record); ``existing`` is the
    order's record as read before Juspay was asked (its signed terms are checked)."""
    classification = classify_order(order)
    logger.info(
        "order classified",
        extra={
            "outcome": classification.outcome.value,
            "reason": classification.reason,
            "juspay_status": order.status,
        },
    )
    if classification.outcome is not Outcome.SUCCESS:
        return _record_without_money(order, classification, deps)
    amounts = validate_split(order, classification)
    if isinstance(amounts, SplitMismatch):
        return _record_mismatch(order, classification, ",".join(amounts.reasons), deps)
    differences = differs_from_signed(existing, amounts)
    if differences:
        return _record_mismatch(order, classification, ",".join(differences), deps)
    # Refunds race settlement: Juspay's refunds of the online transaction decide before any debit.
    refunded = refunded_minor(order, amounts.online_txn_id)
    if refunded > 0:
        return _record_refunded(order, amounts, refunded, deps)
    return _debit(order, classification, amounts, deps)


def differs_from_signed(record: OrderRecord | None, amounts: SplitAmounts) -> list[str]:
    """How Juspay's order differs from what this system signed for it (nothing when it was not signed here).

    The signed terms are the merchant's intent: an order whose amount, currency or customer changed, or whose
    wallet share exceeds the share offered, is not debited.
    """
    if record is None or record.signed_amount_minor is None:
        return []
    reasons = []
    # An Update Order of unknown outcome leaves two amounts the merchant asked for; Juspay has one of them.
    if amounts.amount_minor not in (record.signed_amount_minor, record.signed_amount_pending_minor):
        reasons.append("amount_differs_from_signed")
    if record.signed_currency not in (None, amounts.currency):
        reasons.append("currency_differs_from_signed")
    if record.signed_customer_id not in (None, amounts.customer_id):
        reasons.append("customer_differs_from_signed")
    if amounts.wallet_minor > (record.signed_wallet_offered_minor or 0):
        reasons.append("wallet_share_exceeds_offer")
    return reasons


# --- outcomes ------------------------------------------------------------------------------------------
def _record_without_money(
    order: Order, classification: Classification, deps: SettleDependencies
) -> SettlementResult:
    status = _STATUS_OF[classification.outcome]
    metrics.add_metric(name=_METRIC_OF[classification.outcome], unit=MetricUnit.Count, value=1)
    if classification.outcome is Outcome.UNKNOWN:
        logger.warning("order status not covered by the settlement table; nothing debited")
    fields = _basic_fields(order, classification)
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


def _record_mismatch(
    order: Order, classification: Classification, reason: str, deps: SettleDependencies
) -> SettlementResult:
    metrics.add_metric(name="SettlementAmountMismatch", unit=MetricUnit.Count, value=1)
    logger.error("split order does not add up; nothing debited", extra={"mismatch": reason})
    fields = {**_basic_fields(order, classification), "reason": reason}
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


def _record_refunded(
    order: Order, amounts: SplitAmounts, refunded: int, deps: SettleDependencies
) -> SettlementResult:
    """The online transaction was refunded before the wallet share was debited: nothing is debited. In full
    → REFUNDED (final); in part → REVIEW (a person decides; metric and alarm)."""
    full = refunded >= amounts.online_minor
    status = OrderStatus.REFUNDED if full else OrderStatus.REVIEW
    reason = "online_refunded_before_settlement" if full else "online_partly_refunded_before_settlement"
    fields = {**_amount_fields(order, amounts, reason=reason), "refunded_minor": refunded}
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
    record = transition.record
    action = "recorded" if transition.changed else "already_done"
    return _after_transition(
        amounts.order_id, status, record, deps, action, reason, own_claim=transition.changed
    )


def _debit(
    order: Order, classification: Classification, amounts: SplitAmounts, deps: SettleDependencies
) -> SettlementResult:
    now = deps.clock()
    fields = _amount_fields(order, amounts, reason=classification.reason)
    result: DebitResult = deps.wallets.debit(
        customer_id=amounts.customer_id,
        order_id=amounts.order_id,
        txn_id=amounts.wallet_txn_id,
        amount_minor=amounts.wallet_minor,
        currency=amounts.currency,
        now=now,
        order_update=deps.orders.settled_update(amounts.order_id, now=now, fields=fields),
    )
    if result.status is DebitStatus.DEBITED:
        metrics.add_metric(name="SettlementDebited", unit=MetricUnit.Count, value=1)
        logger.info(
            "wallet debited",
            extra={"wallet_txn_id": amounts.wallet_txn_id, "amount_minor": amounts.wallet_minor},
        )
        record = deps.orders.get(amounts.order_id)
        return _after_transition(
            amounts.order_id, OrderStatus.SETTLED, record, deps, "debited", own_claim=True
        )
    if result.status is DebitStatus.ALREADY_DONE:
        metrics.add_metric(name="SettlementDuplicate", unit=MetricUnit.Count, value=1)
        record = deps.orders.get(amounts.order_id)
        if record is not None:
            ensure_published(record, deps)
        return SettlementResult(amounts.order_id, record.status.value if record else None, "already_done")
    if result.status is DebitStatus.CURRENCY_MISMATCH:
        return _record_mismatch(order, classification, "wallet_currency_differs", deps)
    return _cancel(order, amounts, _DEBIT_IMPOSSIBLE[result.status], deps)


def _cancel(order: Order, amounts: SplitAmounts, reason: str, deps: SettleDependencies) -> SettlementResult:
    fields = _amount_fields(order, amounts, reason=reason)
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


# --- helpers -------------------------------------------------------------------------------------------
def _basic_fields(order: Order, classification: Classification) -> dict[str, Any]:
    return {
        "customer_id": _text(order.customer_id),
        "currency": (order.currency or "").upper() or None,
        "amount_minor": _safe_minor(order),
        "juspay_status": order.status,
        "reason": classification.reason,
        "wallet_txn_id": classification.wallet_txn.txn_id if classification.wallet_txn else None,
    }


def _amount_fields(order: Order, amounts: SplitAmounts, *, reason: str) -> dict[str, Any]:
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
    }


def _safe_minor(order: Order) -> int | None:
    try:
        return order.amount_minor
    except ValueError:
        return None


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, dict | list | bool):
        return None
    text = str(value).strip()
    return text or None
