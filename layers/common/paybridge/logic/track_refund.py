"""Follow Juspay's refund webhooks to each refund's final state, and credit a settled split order's wallet
share back once Juspay has refunded the order.

A webhook is only a hint: the order is read again with Get Order Status, and each of our open refunds is
moved by what ``refunds[]`` says about its *current* ``unique_request_id`` (``issue_refund.follow``: a
FAILURE with attempts left starts the next attempt with a new id at once). A REQUESTED refund Juspay does
not list yet is sent again with its stored id (an earlier call's outcome was unknown), never a new one.

Credit-back: on ORDER_REFUNDED / AUTO_REFUND_SUCCEEDED for an order whose settlement record is SETTLED
with a wallet share, once Order Status shows the online part refunded in full (SUCCESS refunds adding up
to the online share), ``WalletRepository.reverse_debit`` credits the share back; its
marker makes every replay answer ALREADY_DONE. A partial refund keeps the wallet share (counted, logged).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from paybridge.bus import SOURCE_PAYBRIDGE
from paybridge.dal.orders import OrdersRepository, OrderStatus
from paybridge.dal.wallets import ReversalStatus, WalletRepository
from paybridge.logic.issue_refund import RefundDependencies, drive, follow
from paybridge.models.juspay import Order
from paybridge.models.money import format_major, to_minor
from paybridge.models.refund import JUSPAY_SUCCESS, REQUESTED, RefundRecord
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
#: What ``TrackResult.wallet`` says when no reversal was attempted.
NOT_SETTLED = "NOT_SETTLED"
NOT_FULLY_REFUNDED = "NOT_FULLY_REFUNDED"


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
    #: REVERSED / ALREADY_DONE / NOTHING_TO_REVERSE, NOT_SETTLED, NOT_FULLY_REFUNDED, or None (not checked).
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
    settlement = _settled_with_wallet_share(order_id, deps) if credit_back else None
    wallet = NOT_SETTLED if credit_back and settlement is None else None
    if not open_records and settlement is None:
        logger.info("no open refund and nothing to credit back", extra={"refunds": len(records)})
        return TrackResult(order_id, event_name, [_summary(r) for r in records], wallet)

    order = deps.refunds.juspay.get_order_status(
        order_id, customer_id=_customer_of(order_id, detail, records, deps)
    )

    after: dict[int, RefundRecord] = {r.seq: r for r in records}
    for record in open_records:
        entry = order.find_refund(record.unique_request_id)
        if entry is not None:
            after[record.seq] = follow(record, entry.status, deps.refunds, error_code=entry.error_code)
        elif record.status == REQUESTED:
            # Juspay has not got this attempt: an earlier call's outcome was unknown. Same id again.
            after[record.seq] = drive(record, deps.refunds)
    if settlement is not None:
        wallet = _credit_back(order, settlement, deps)
    return TrackResult(order_id, event_name, [_summary(r) for r in after.values()], wallet)


def online_part_refunded(order: Order, *, online_minor: int | None) -> bool:
    """True when Juspay has given back the whole online share of the order.

    Refunded = the SUCCESS entries of ``refunds[]`` (``amount_refunded`` only when Juspay lists no refund
    at all, as it also counts pending ones). Online share = the settlement record's, else the non-wallet
    transactions' amounts, else the order amount. An AUTO_REFUNDED status alone is not enough: Juspay's
    AUTO_REFUND_FAILED sample carries it with a failed refund.
    """
    currency = order.currency or "INR"
    successes = [r.amount for r in order.refunds if r.status == JUSPAY_SUCCESS and r.amount is not None]
    if successes:
        refunded = sum(to_minor(amount, currency, strict=False) for amount in successes)
    elif not order.refunds and order.amount_refunded is not None:
        refunded = to_minor(order.amount_refunded, currency, strict=False)
    else:
        refunded = 0
    if refunded <= 0:
        return False
    if online_minor is None:
        shares = [
            to_minor(t.txn_amount, currency, strict=False)
            for t in order.transactions()
            if not t.is_merchant_container and t.txn_amount is not None
        ]
        online_minor = sum(shares) if shares else order.amount_minor
    return online_minor is not None and refunded >= online_minor


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


@dataclass(frozen=True)
class _WalletShare:
    """The debited wallet share of a SETTLED order (from its settlement record)."""

    order_id: str
    customer_id: str
    wallet_txn_id: str
    wallet_minor: int
    online_minor: int | None
    currency: str | None


def _settled_with_wallet_share(order_id: str, deps: TrackDependencies) -> _WalletShare | None:
    record = deps.orders.get(order_id)
    if record is None or record.status is not OrderStatus.SETTLED:
        return None
    if not record.wallet_minor or not record.wallet_txn_id or not record.customer_id:
        return None
    return _WalletShare(
        order_id=record.order_id,
        customer_id=record.customer_id,
        wallet_txn_id=record.wallet_txn_id,
        wallet_minor=record.wallet_minor,
        online_minor=record.online_minor,
        currency=record.currency,
    )


def _credit_back(order: Order, settlement: _WalletShare, deps: TrackDependencies) -> str:
    if not online_part_refunded(order, online_minor=settlement.online_minor):
        metrics.add_metric(name="WalletShareKeptPartialRefund", unit=MetricUnit.Count, value=1)
        logger.info("order refunded in part only; wallet share kept", extra={"juspay_status": order.status})
        return NOT_FULLY_REFUNDED
    currency = settlement.currency or order.currency or "INR"
    now = deps.refunds.clock()
    result = deps.wallets.reverse_debit(
        customer_id=settlement.customer_id,
        order_id=settlement.order_id,
        txn_id=settlement.wallet_txn_id,
        amount_minor=settlement.wallet_minor,
        currency=currency,
        now=now,
    )
    logger.info("wallet share credit-back", extra={"reversal": result.status.value})
    if result.status is ReversalStatus.REVERSED:
        metrics.add_metric(name="WalletShareReversed", unit=MetricUnit.Count, value=1)
        deps.refunds.publisher.publish(
            SOURCE_PAYBRIDGE,
            "WalletShareReversed",
            {
                "order_id": settlement.order_id,
                "customer_id": settlement.customer_id,
                "wallet_txn_id": settlement.wallet_txn_id,
                "amount": format_major(settlement.wallet_minor, currency),
                "currency": currency,
                "ledger_seq": result.entry.seq if result.entry is not None else None,
                "reversed_at": now.isoformat(),
            },
        )
    return result.status.value


def _summary(record: RefundRecord) -> dict[str, Any]:
    return {
        "refund_seq": record.seq,
        "unique_request_id": record.unique_request_id,
        "attempt": record.attempt,
        "status": record.status,
    }
