"""The wallet share's credit-back: a function of the settlement record and Juspay's Order Status, shared by
every path that learns about a refund (refund webhooks, the refund sweep, reconciliation).

Rules (issue 9, part 5):

* the wallet share goes back only when the *settled online transaction itself* is refunded in full
  (``order_attempts.refunded_minor``); refunds of other attempts never touch the wallet, and a partial
  refund of the online part leaves it alone;
* what goes back is what is left of the debit after the merchant's explicit returns
  (``WalletRepository.reverse_debit``), once (its marker);
* an order not settled yet whose online part Juspay reports refunded is settled now from that very status
  (``settle_confirmed``): REFUNDED (in full) or REVIEW (in part), never a debit. The REFUNDED write and a
  concurrent debit are both conditional on the record not being final, so DynamoDB decides which one wins;
  when the debit won, the share is credited back at once.
"""

from __future__ import annotations

from dataclasses import dataclass

from paybridge.bus import SOURCE_PAYBRIDGE
from paybridge.dal.orders import OrderRecord, OrderStatus
from paybridge.dal.wallets import ReversalStatus
from paybridge.logic.classify_order import Outcome, SplitAmounts, classify_order, validate_split
from paybridge.logic.order_attempts import refunded_minor
from paybridge.logic.settle_order import SettleDependencies, settle_confirmed
from paybridge.models.juspay import Order
from paybridge.models.money import format_major
from paybridge.observability import MetricUnit, logger, metrics

__all__ = [
    "EVENT_WALLET_SHARE_REVERSED",
    "NOT_FULLY_REFUNDED",
    "NOT_SETTLED",
    "CreditBack",
    "credit_back_wallet_share",
    "may_owe_credit_back",
]

EVENT_WALLET_SHARE_REVERSED = "WalletShareReversed"
#: No wallet share was debited for the order (no record, not settled, cancelled, refunded before settlement).
NOT_SETTLED = "NOT_SETTLED"
#: The settled online transaction is not refunded in full (a partial refund, or refunds of other attempts).
NOT_FULLY_REFUNDED = "NOT_FULLY_REFUNDED"


@dataclass(frozen=True)
class CreditBack:
    """What the credit-back did.

    ``status``: REVERSED, ALREADY_DONE, NOTHING_TO_REVERSE, NOTHING_LEFT (explicit returns gave it all back),
    NOT_FULLY_REFUNDED, NOT_SETTLED, or the status settlement recorded for an order that was not settled
    yet (REFUNDED, REVIEW, ...). ``amount_minor``: what went back now (REVERSED) or before (ALREADY_DONE).
    """

    status: str
    amount_minor: int | None = None


def may_owe_credit_back(record: OrderRecord | None) -> bool:
    """Whether a refund of the order can concern the wallet share: a settled share, or an order settlement
    has seen but not closed. No record at all, or CANCELLED / REFUNDED: nothing was or will be debited
    from what a refund says (reconciliation handles orders settlement never saw)."""
    if record is None:
        return False
    if record.status is OrderStatus.SETTLED:
        return bool(record.wallet_minor and record.wallet_txn_id and record.customer_id)
    return not record.is_final


def credit_back_wallet_share(
    record: OrderRecord | None, order: Order, deps: SettleDependencies
) -> CreditBack:
    """Gives a settled order's wallet share back when Juspay's ``order`` shows the settled online transaction
    refunded in full. ``record`` is the order's settlement record as read (None when there is none).

    Idempotent: a replay answers ALREADY_DONE. Raises what the ledger raises (``WalletConflictError`` on
    contention), so a caller on Lambda is retried.
    """
    if record is None or not record.is_final:
        settled_now = _settle_refunded(record, order, deps)
        if settled_now is None or settled_now.status is not OrderStatus.SETTLED:
            status = settled_now.status.value if settled_now is not None else NOT_SETTLED
            return CreditBack(status)
        record = settled_now  # a concurrent debit won the race: its share goes back below
    if record.status is not OrderStatus.SETTLED:
        return CreditBack(NOT_SETTLED)
    customer_id, wallet_txn_id, wallet_minor = record.customer_id, record.wallet_txn_id, record.wallet_minor
    if not wallet_minor or not wallet_txn_id or not customer_id:
        return CreditBack(NOT_SETTLED)
    refunded = refunded_minor(order, record.online_txn_id)
    online = record.online_minor or 0
    if not record.online_txn_id or online <= 0 or refunded < online:
        if refunded > 0:
            metrics.add_metric(name="WalletShareKeptPartialRefund", unit=MetricUnit.Count, value=1)
        logger.info(
            "settled online transaction not refunded in full; wallet share kept",
            extra={"refunded_minor": refunded, "online_minor": online},
        )
        return CreditBack(NOT_FULLY_REFUNDED)
    share = _Share(record.order_id, customer_id, wallet_txn_id, wallet_minor)
    return _reverse(share, record.currency or order.currency or "INR", deps)


def _settle_refunded(
    record: OrderRecord | None, order: Order, deps: SettleDependencies
) -> OrderRecord | None:
    """Settles a not-yet-settled order from this Order Status when its online part shows refunds; the new
    record, or None when there is nothing to settle from refunds."""
    classification = classify_order(order)
    if classification.outcome is not Outcome.SUCCESS:
        return None
    amounts = validate_split(order, classification)
    if not isinstance(amounts, SplitAmounts) or refunded_minor(order, amounts.online_txn_id) <= 0:
        return None
    settle_confirmed(order, record, deps)
    return deps.orders.get(order.order_id)


@dataclass(frozen=True)
class _Share:
    """The debited wallet share of a SETTLED order (from its settlement record)."""

    order_id: str
    customer_id: str
    wallet_txn_id: str
    wallet_minor: int


def _reverse(record: _Share, currency: str, deps: SettleDependencies) -> CreditBack:
    now = deps.clock()
    result = deps.wallets.reverse_debit(
        customer_id=record.customer_id,
        order_id=record.order_id,
        txn_id=record.wallet_txn_id,
        amount_minor=record.wallet_minor,
        currency=currency,
        now=now,
    )
    logger.info("wallet share credit-back", extra={"reversal": result.status.value})
    amount = result.entry.amount_minor if result.entry is not None else None
    if result.status is ReversalStatus.REVERSED and amount is not None:
        metrics.add_metric(name="WalletShareReversed", unit=MetricUnit.Count, value=1)
        deps.publisher.publish(
            SOURCE_PAYBRIDGE,
            EVENT_WALLET_SHARE_REVERSED,
            {
                "order_id": record.order_id,
                "customer_id": record.customer_id,
                "wallet_txn_id": record.wallet_txn_id,
                "amount": format_major(amount, currency),
                "currency": currency,
                "ledger_seq": result.entry.seq if result.entry is not None else None,
                "reversed_at": now.isoformat(),
            },
        )
    return CreditBack(result.status.value, amount)
