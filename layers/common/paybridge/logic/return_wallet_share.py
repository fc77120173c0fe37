"""POST /orders/{order_id}/wallet-returns: the merchant gives back part (or all) of a settled order's wallet
share, idempotent on the caller's key, never more than what was debited and not yet returned.

The return shares the debit's running total (``returned_minor`` on the debit marker) with the automatic
credit-back, so the two together never exceed the debit: a full refund after a partial return credits back
only the remainder (``WalletRepository.reverse_debit``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from paybridge.bus import SOURCE_PAYBRIDGE, EventPublisher
from paybridge.dal.orders import OrdersRepository, OrderStatus
from paybridge.dal.wallet_returns import ReturnStatus
from paybridge.dal.wallet_returns import return_wallet_share as ledger_return
from paybridge.dal.wallets import WalletRepository
from paybridge.errors import ConflictError, NotFoundError, UnprocessableError
from paybridge.models.money import format_major, to_minor
from paybridge.models.order_api import WalletReturnRequest
from paybridge.models.validation import parse_request, require_id
from paybridge.observability import MetricUnit, logger, metrics

__all__ = ["EVENT_WALLET_SHARE_RETURNED", "ReturnDependencies", "return_wallet_share"]

EVENT_WALLET_SHARE_RETURNED = "WalletShareReturned"


@dataclass
class ReturnDependencies:
    """What an explicit return touches."""

    orders: OrdersRepository
    wallets: WalletRepository
    publisher: EventPublisher
    clock: Callable[[], datetime]


def return_wallet_share(order_id: str, body: object, deps: ReturnDependencies) -> tuple[int, dict[str, Any]]:
    """201 for a new return, 200 for the same key with the same amount (the original return).

    404: no such order. 409: the order has no settled wallet share, the key was used for another amount,
    or the amount exceeds what was debited and not yet returned. 400/422: a malformed body.
    The ``WalletShareReturned`` event is published on both answers (at least once: a client retrying after
    a failed publish publishes it; consumers de-duplicate on ``order_id`` + ``idempotency_key``).
    """
    order_id = require_id("order_id", order_id)
    request = parse_request(WalletReturnRequest, body)
    record = deps.orders.get(order_id)
    if record is None:
        raise NotFoundError("no such order", details={"order_id": order_id})
    if (
        record.status is not OrderStatus.SETTLED
        or not record.wallet_minor
        or not record.wallet_txn_id
        or not record.customer_id
    ):
        details = {"order_id": order_id, "status": record.status.value}
        raise ConflictError("the order has no settled wallet share", details=details)
    currency = record.currency or "INR"
    try:
        amount_minor = to_minor(request.amount, currency, strict=True)
    except ValueError:
        raise UnprocessableError(
            f"amount has more decimals than {currency} allows", details={"field": "amount"}
        ) from None
    now = deps.clock()
    result = ledger_return(
        deps.wallets,
        customer_id=record.customer_id,
        order_id=order_id,
        wallet_txn_id=record.wallet_txn_id,
        amount_minor=amount_minor,
        currency=currency,
        idempotency_key=request.idempotency_key,
        reason=request.reason,
        now=now,
    )
    created = result.status is ReturnStatus.RETURNED
    metrics.add_metric(
        name="WalletShareReturned" if created else "WalletShareReturnReplayed", unit=MetricUnit.Count, value=1
    )
    logger.info("wallet share returned", extra={"replayed": not created, "seq": result.entry.seq})
    answer = {
        "order_id": order_id,
        "customer_id": record.customer_id,
        "wallet_txn_id": record.wallet_txn_id,
        "status": result.status.value,
        "idempotency_key": request.idempotency_key,
        "reason": request.reason,
        "currency": currency,
        "amount": format_major(amount_minor, currency),
        "debited_amount": format_major(result.debited_minor, currency),
        "returned_amount": format_major(result.returned_minor, currency),
        "returnable_amount": format_major(result.debited_minor - result.returned_minor, currency),
        "entry": result.entry.to_api(),
    }
    event = {k: v for k, v in answer.items() if k not in ("status", "entry")}
    deps.publisher.publish(
        SOURCE_PAYBRIDGE,
        EVENT_WALLET_SHARE_RETURNED,
        {**event, "ledger_seq": result.entry.seq, "returned_at": result.entry.created_at},
    )
    return (201 if created else 200), answer
