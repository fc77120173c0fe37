"""The debit of a confirmed split order: one conditional transaction (wallet balance, ledger entry, debit
marker on the wallet txn_id, the order record written SETTLED), then OrderSettled. Nothing is read back:
the record's events are built from the values the transaction wrote. A refused debit cancels the order
(``settlement_outcomes.cancel``: the online part is refunded)."""

from __future__ import annotations

from paybridge.dal.ledger_table import WalletRead
from paybridge.dal.order_record import record_from_item
from paybridge.dal.orders import OrderStatus
from paybridge.dal.wallets import DebitStatus
from paybridge.logic.classify_order import Classification, SplitAmounts
from paybridge.logic.settlement_events import publish_for_delivery, publish_settled
from paybridge.logic.settlement_outcomes import (
    Delivery,
    SettleDependencies,
    SettlementResult,
    amount_fields,
    cancel,
    record_mismatch,
)
from paybridge.models.juspay import Order
from paybridge.observability import MetricUnit, logger, metrics

__all__ = ["debit"]

_DEBIT_IMPOSSIBLE = {
    DebitStatus.INSUFFICIENT_FUNDS: "insufficient_funds",
    DebitStatus.WALLET_MISSING: "wallet_missing",
    DebitStatus.WALLET_FROZEN: "wallet_frozen",
}


def debit(
    order: Order,
    classification: Classification,
    amounts: SplitAmounts,
    deps: SettleDependencies,
    *,
    delivery: Delivery | None = None,
    wallet_read: WalletRead | None = None,
    resolve_follow: bool = False,
) -> SettlementResult:
    """Debits the wallet share once and settles the order, or cancels it when the debit is impossible.

    ``resolve_follow``: the order was read as never followed; its pending-order resolution rides along in
    the debit's transaction instead of a write of its own after it.
    """
    now = deps.clock()
    extra = []
    if resolve_follow and deps.pending_orders is not None:
        extra.append(deps.pending_orders.resolution_update(amounts.order_id, order.status or "", now=now))
    fields = amount_fields(order, amounts, reason=classification.reason, delivery=delivery)
    published_by = delivery.bus_event_id if delivery is not None else None
    result = deps.wallets.debit(
        customer_id=amounts.customer_id,
        order_id=amounts.order_id,
        txn_id=amounts.wallet_txn_id,
        amount_minor=amounts.wallet_minor,
        currency=amounts.currency,
        now=now,
        order_update=deps.orders.settled_update(
            amounts.order_id, now=now, fields=fields, published_by=published_by
        ),
        read=wallet_read,
        extra_items=extra,
    )
    if result.status is DebitStatus.DEBITED:
        metrics.add_metric(name="SettlementDebited", unit=MetricUnit.Count, value=1)
        logger.info(
            "wallet debited",
            extra={"wallet_txn_id": amounts.wallet_txn_id, "amount_minor": amounts.wallet_minor},
        )
        written = deps.orders.settled_record(
            amounts.order_id, now=now, fields=fields, published_by=published_by
        )
        publish_settled(written, deps)
        return SettlementResult(
            amounts.order_id, OrderStatus.SETTLED.value, "debited", follow_resolved=result.extras_committed
        )
    if result.status is DebitStatus.ALREADY_DONE:
        metrics.add_metric(name="SettlementDuplicate", unit=MetricUnit.Count, value=1)
        # The closed record came back with the cancelled transaction; read only when the marker was the
        # reason (a concurrent duplicate debited this wallet transaction).
        record = (
            record_from_item(result.order_item)
            if result.order_item is not None
            else deps.orders.get(amounts.order_id)
        )
        if record is not None:
            publish_for_delivery(record, deps, published_by)
        return SettlementResult(amounts.order_id, record.status.value if record else None, "already_done")
    if result.status is DebitStatus.CURRENCY_MISMATCH:
        return record_mismatch(order, classification, "wallet_currency_differs", deps, delivery)
    return cancel(order, amounts, _DEBIT_IMPOSSIBLE[result.status], deps, delivery)
