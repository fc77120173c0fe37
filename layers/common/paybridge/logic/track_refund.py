"""Follow Juspay's refund webhooks to each refund's final state, and credit a settled split order's wallet
share back once Juspay has refunded the order.

A webhook is only a hint: the order is read again with Get Order Status, and each of our open refunds is
moved by what ``refunds[]`` says about its *current* ``unique_request_id`` (``follow_order_refunds``, which
the refund sweep uses too: a FAILURE with attempts left starts the next attempt with a new id at once). A
REQUESTED refund Juspay does not list yet is sent again with its stored id (an earlier call's outcome was
unknown), never a new one.

Credit-back: on ORDER_REFUNDED / AUTO_REFUND_SUCCEEDED the order's Order Status goes to
``wallet_share.credit_back_wallet_share`` with its settlement record: the share goes back only when the
settled online transaction itself is refunded in full, and an order not settled yet is settled from that
status (REFUNDED or REVIEW, no debit), so a settlement delayed behind the refund never debits.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from paybridge.dal.orders import OrdersRepository
from paybridge.dal.wallets import WalletRepository
from paybridge.logic.refund_engine import RefundDependencies, drive, follow
from paybridge.logic.settle_order import SettleDependencies
from paybridge.logic.wallet_share import (
    NOT_FULLY_REFUNDED,
    NOT_SETTLED,
    credit_back_wallet_share,
    may_owe_credit_back,
)
from paybridge.models.juspay import Order
from paybridge.models.refund import REQUESTED, RefundRecord
from paybridge.observability import MetricUnit, logger, metrics

#: Juspay events this function follows (the template's rule lists the same names).
REFUND_EVENTS: frozenset[str] = frozenset(
    {
        "ORDER_REFUNDED",
        "ORDER_REFUND_FAILED",
        "REFUND_INITIATED",
        "REFUND_MANUAL_REVIEW_NEEDED",
        "AUTO_REFUND_SUCCEEDED",
        "AUTO_REFUND_FAILED",
    }
)
#: Events after which the order may be fully refunded, so a settled wallet share may have to go back.
CREDIT_BACK_EVENTS: frozenset[str] = frozenset({"ORDER_REFUNDED", "AUTO_REFUND_SUCCEEDED"})
__all__ = [
    "CREDIT_BACK_EVENTS",
    "NOT_FULLY_REFUNDED",
    "NOT_SETTLED",
    "REFUND_EVENTS",
    "TrackDependencies",
    "TrackResult",
    "credit_back_if_refunded",
    "follow_order_refunds",
    "track_refund",
]


@dataclass
class TrackDependencies:
    """The refund engine's dependencies plus the settlement side the credit-back needs."""

    refunds: RefundDependencies
    orders: OrdersRepository
    wallets: WalletRepository


@dataclass(frozen=True)
class TrackResult:
    """What one event changed: each of the order's refunds afterwards, and the wallet credit-back."""

    order_id: str | None
    event_name: str
    refunds: list[dict[str, Any]] = field(default_factory=list)
    #: ``CreditBack.status`` (REVERSED, ALREADY_DONE, NOT_SETTLED, NOT_FULLY_REFUNDED, REFUNDED, ...) or None.
    wallet: str | None = None


def track_refund(event_name: str, detail: Mapping[str, Any], deps: TrackDependencies) -> TrackResult:
    """Processes one Juspay refund event from the bus (detail as ``ingest_webhook`` publishes it)."""
    order_id = _order_id(detail, deps)
    if order_id is None:
        logger.warning("refund event names no order we know", extra={"event_name": event_name})
        metrics.add_metric(name="RefundEventUnmatched", unit=MetricUnit.Count, value=1)
        return TrackResult(None, event_name)
    logger.append_keys(order_id=order_id, event_name=event_name)
    records = deps.refunds.repository.list_for_order(order_id)
    open_records = [r for r in records if r.is_open]
    credit_back = event_name in CREDIT_BACK_EVENTS
    settlement = deps.orders.get(order_id) if credit_back else None
    owed = credit_back and may_owe_credit_back(settlement)
    if not open_records and not owed:
        logger.info("no open refund and nothing to credit back", extra={"refunds": len(records)})
        wallet = NOT_SETTLED if credit_back else None
        return TrackResult(order_id, event_name, [_summary(r) for r in records], wallet)

    order = deps.refunds.juspay.get_order_status(
        order_id, customer_id=_customer_of(order_id, detail, records, deps)
    )

    after = follow_order_refunds(order, records, deps.refunds)
    wallet = None
    if owed:
        wallet = credit_back_wallet_share(settlement, order, _settle_deps(deps)).status
    elif credit_back:
        wallet = NOT_SETTLED
    return TrackResult(order_id, event_name, [_summary(r) for r in after.values()], wallet)


def follow_order_refunds(
    order: Order, records: Sequence[RefundRecord], deps: RefundDependencies
) -> dict[int, RefundRecord]:
    """Moves each open refund of the order by what this Order Status says about its current id; answers
    every refund (by seq) afterwards. The one way refunds follow Juspay: webhooks and the sweep use it.

    A REQUESTED refund Juspay does not list has not been applied: it is sent again with its stored id.
    """
    after: dict[int, RefundRecord] = {r.seq: r for r in records}
    for record in records:
        if not record.is_open:
            continue
        entry = order.find_refund(record.unique_request_id)
        if entry is not None:
            after[record.seq] = follow(record, entry.status, deps, error_code=entry.error_code)
        elif record.status == REQUESTED:
            after[record.seq] = drive(record, deps, not_listed=True)
    return after


def credit_back_if_refunded(order_id: str, order: Order, deps: TrackDependencies) -> str:
    """The wallet-share credit-back for an order one of whose refunds Juspay reports SUCCESS with no webhook
    (the sweep): the webhook path's rules and code (``wallet_share.credit_back_wallet_share``).
    NOT_SETTLED when the order has no share that a refund can concern."""
    record = deps.orders.get(order_id)
    if not may_owe_credit_back(record):
        return NOT_SETTLED
    return credit_back_wallet_share(record, order, _settle_deps(deps)).status


# ---- helpers -----------------------------------------------------------------------------------------------
def _order_id(detail: Mapping[str, Any], deps: TrackDependencies) -> str | None:
    """The event's order id; else the order of a refund we issued that the content lists."""
    order_id = detail.get("order_id")
    if isinstance(order_id, str) and order_id:
        return order_id
    content = detail.get("content")
    order = content.get("order") if isinstance(content, Mapping) else None
    refunds = order.get("refunds") if isinstance(order, Mapping) else None
    for refund in refunds if isinstance(refunds, list) else []:
        uid = refund.get("unique_request_id") if isinstance(refund, Mapping) else None
        if isinstance(uid, str) and uid:
            found = deps.refunds.repository.find_by_unique_request_id(uid)
            if found is not None:
                return found.order_id
    return None


def _customer_of(
    order_id: str, detail: Mapping[str, Any], records: list[RefundRecord], deps: TrackDependencies
) -> str | None:
    """Juspay's routing id for the order: the event's customer, a refund's, else the order record's."""
    hinted = detail.get("customer_id")
    if isinstance(hinted, str) and hinted:
        return hinted
    stored = next((r.customer_id for r in records if r.customer_id), None)
    if stored is not None:
        return stored
    record = deps.orders.get(order_id)
    return record.routing_customer_id if record is not None else None


def _settle_deps(deps: TrackDependencies) -> SettleDependencies:
    return SettleDependencies(
        juspay=deps.refunds.juspay,
        wallets=deps.wallets,
        orders=deps.orders,
        publisher=deps.refunds.publisher,
        clock=deps.refunds.clock,
    )


def _summary(record: RefundRecord) -> dict[str, Any]:
    return {
        "refund_seq": record.seq,
        "unique_request_id": record.unique_request_id,
        "attempt": record.attempt,
        "status": record.status,
    }
