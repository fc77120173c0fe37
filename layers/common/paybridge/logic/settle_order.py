"""Settle a split order against the in-house wallet: event → Order Status → classify → validate → act →
record → publish. Idempotent under replays, duplicate webhooks and concurrent invocations.

* The event is a hint: Juspay's Get Order Status decides. Its transient errors propagate, so Lambda's
  asynchronous retries and then the dead-letter queue apply; the order record is then noted RECEIVED, so
  reconciliation finds the order even if no retry succeeds.
* One read first: the order record, the customer's wallet and the pending-order item in one call (the event
  names the customer; without one, the record alone, for Juspay's routing id). A closed order (SETTLED,
  CANCELLED, REFUNDED) ends there: no Juspay call, no money.
* SUCCESS → the wallet transaction's ``txn_amount`` is debited once (``settlement_debit``: wallet, ledger
  entry, marker and order record in one conditional transaction). Debit impossible (no funds, wallet
  missing or frozen) → the order is CANCELLED and a refund of the online transaction is requested (nothing
  to refund for COD). PENDING → recorded, ``OrderPending`` published for the pending-order state machine.
  FAILURE → recorded. No wallet part → the order status is recorded only. Amounts that do not add up →
  MISMATCH recorded and counted (an alarm watches the metric). Unknown statuses → recorded and counted, no
  money moves.
* Domain events (source ``paybridge``) are built from the order record alone (``settlement_events``): one
  publication per status change; a crash between the change and the publication is repaired by the next
  delivery (for a debit: the next delivery of the same event).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from paybridge.dal.ledger_table import WalletRead
from paybridge.dal.orders import OrderRecord
from paybridge.dal.settlement_reads import SettlementRead
from paybridge.logic.classify_order import (
    Outcome,
    SplitAmounts,
    SplitMismatch,
    classify_order,
    validate_split,
)
from paybridge.logic.order_attempts import refunded_minor
from paybridge.logic.pending_orders import is_pending
from paybridge.logic.settlement_debit import debit
from paybridge.logic.settlement_events import (
    EVENT_ORDER_CANCELLED,
    EVENT_ORDER_FAILED,
    EVENT_ORDER_NEEDS_REVIEW,
    EVENT_ORDER_PENDING,
    EVENT_ORDER_REFUNDED,
    EVENT_ORDER_SETTLED,
    EVENT_REFUND_REQUESTED,
    events_for,
    publish_for_delivery,
)
from paybridge.logic.settlement_outcomes import (
    Delivery,
    OrderStatusSource,
    SettleDependencies,
    SettlementResult,
    record_mismatch,
    record_refunded,
    record_without_money,
    text,
)
from paybridge.models.juspay import Order
from paybridge.models.pending_order import STATUS_RESOLVED
from paybridge.observability import MetricUnit, logger, metrics

__all__ = [
    "EVENT_ORDER_CANCELLED",
    "EVENT_ORDER_FAILED",
    "EVENT_ORDER_NEEDS_REVIEW",
    "EVENT_ORDER_PENDING",
    "EVENT_ORDER_REFUNDED",
    "EVENT_ORDER_SETTLED",
    "EVENT_REFUND_REQUESTED",
    "Delivery",
    "OrderStatusSource",
    "SettleDependencies",
    "SettlementResult",
    "differs_from_signed",
    "events_for",
    "settle_confirmed",
    "settle_order",
]


def settle_order(
    detail: Mapping[str, Any], deps: SettleDependencies, *, bus_event_id: str | None = None
) -> SettlementResult:
    """Settles the order an event names (``detail.order_id``, optional ``detail.customer_id`` and
    ``detail.event_id``). ``bus_event_id``: the delivery's id, the same on every redelivery of one event."""
    order_id = text(detail.get("order_id"))
    if order_id is None:
        metrics.add_metric(name="SettlementEventWithoutOrder", unit=MetricUnit.Count, value=1)
        logger.warning("settlement event without order_id; ignored")
        return SettlementResult(None, None, "ignored", "no_order_id")
    logger.append_keys(order_id=order_id)
    delivery = Delivery(event_id=text(detail.get("event_id")), bus_event_id=bus_event_id)
    hint_customer = text(detail.get("customer_id"))
    read: SettlementRead | None = None
    if hint_customer is not None:
        follows = deps.pending_orders if deps.release_pending is not None else None
        read = deps.orders.read_for_settlement(
            order_id,
            customer_id=hint_customer,
            ledger_table=deps.wallets.table_name,
            pending_table=follows.table_name if follows is not None else None,
        )
        existing = read.record
    else:
        existing = deps.orders.get(order_id)
    if existing is not None and existing.is_final:
        # Settled or cancelled for good: no Juspay call, no money; only finish a publication left undone.
        publish_for_delivery(existing, deps, bus_event_id)
        _release_pending(order_id, existing.juspay_status or "", deps, read)
        metrics.add_metric(name="SettlementDuplicate", unit=MetricUnit.Count, value=1)
        return SettlementResult(order_id, existing.status.value, "already_done")

    known = existing.routing_customer_id if existing is not None else None
    try:
        order = deps.juspay.get_order_status(order_id, customer_id=hint_customer or known)
    except Exception:
        _note_received(order_id, delivery, hint_customer, deps)
        raise
    result = settle_confirmed(
        order,
        existing,
        deps,
        delivery=delivery,
        wallet_read=read.wallet if read is not None else None,
        resolve_follow=read is not None and read.follow_read and read.follow is None,
    )
    if not is_pending(order) and not result.follow_resolved:
        # A terminal status is settled: a pending-order execution waiting for this order can end now.
        _release_pending(order_id, order.status or "", deps, read)
    return result


def _note_received(
    order_id: str, delivery: Delivery, customer_id: str | None, deps: SettleDependencies
) -> None:
    """Juspay could not be asked: the record is noted RECEIVED (touched), so reconciliation finds the order
    even if every retry fails. Best effort: the Juspay error is what the invocation reports."""
    try:
        deps.orders.note_received(
            order_id, event_id=delivery.event_id, customer_id=customer_id, now=deps.clock()
        )
    except Exception:
        logger.exception("could not note the order as received")


def _release_pending(
    order_id: str, status: str, deps: SettleDependencies, read: SettlementRead | None
) -> None:
    if deps.release_pending is None:
        return
    if read is not None and read.follow is not None and read.follow.get("status") == STATUS_RESOLVED:
        return  # resolved already (by a webhook or a poll): the release would change nothing
    deps.release_pending(order_id, status)


def settle_confirmed(
    order: Order,
    existing: OrderRecord | None,
    deps: SettleDependencies,
    *,
    delivery: Delivery | None = None,
    wallet_read: WalletRead | None = None,
    resolve_follow: bool = False,
) -> SettlementResult:
    """Classifies Juspay's confirmed order and acts on it (debit, cancel, or record); ``existing`` is the
    order's record as read before Juspay was asked (its signed terms are checked), ``wallet_read`` the
    wallet read with it, if any; ``resolve_follow``: the order was read as never followed (``debit``)."""
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
        return record_without_money(order, classification, deps, delivery)
    amounts = validate_split(order, classification)
    if isinstance(amounts, SplitMismatch):
        return record_mismatch(order, classification, ",".join(amounts.reasons), deps, delivery)
    differences = differs_from_signed(existing, amounts)
    if differences:
        return record_mismatch(order, classification, ",".join(differences), deps, delivery)
    # Refunds race settlement: Juspay's refunds of the online transaction decide before any debit.
    refunded = refunded_minor(order, amounts.online_txn_id)
    if refunded > 0:
        return record_refunded(order, amounts, refunded, deps, delivery)
    return debit(
        order,
        classification,
        amounts,
        deps,
        delivery=delivery,
        wallet_read=wallet_read,
        resolve_follow=resolve_follow,
    )


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
