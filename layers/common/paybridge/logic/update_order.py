"""POST /orders/{order_id}: change an order's amount, udf1..udf10 or address at Juspay.

An order signed here carries signed terms (``dal/signed_orders.py``) that settlement checks Juspay's order
against, so an amount change must move those terms with it, or the paid order would be a MISMATCH: online
money taken, wallet never debited. The change is made in this order:

1. Refusals from what is stored (409 ``order_update_refused``, ``details.rule``), before any Juspay call:
   ``order_final`` (settled, cancelled or refunded), ``amount_below_wallet_offer`` (the signed wallet
   offer would exceed the order).
2. Juspay's Order Status: ``payment_attempt_started`` once the order is past NEW (a transaction has
   started: Juspay advises against updating then, and the customer may be paying the old amount). An
   earlier update whose outcome was unknown is resolved against the amount Juspay shows.
3. The new amount is stored as *pending* in one conditional write (``concurrent_change`` when the terms
   moved meanwhile). From here settlement accepts the signed or the pending amount, both asked for by the
   merchant, so no crash or timeout can turn a paid order into a mismatch.
4. Juspay's Update Order (sent once). Answered: the pending amount becomes the signed one. Refused (4xx):
   the pending amount is dropped. Outcome unknown (timeout, 5xx): Order Status is read again; the amount it
   shows confirms the update, anything else leaves it pending for the next update to resolve; 503.

Every call is routed by the order's customer (``x-routing-id``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, NoReturn, Protocol

from paybridge.dal.orders import OrderRecord
from paybridge.errors import (
    JuspayAuthenticationError,
    JuspayBadRequestError,
    JuspayError,
    JuspayNotFoundError,
    JuspayRateLimitedError,
    OrderUpdateRefusedError,
    UnprocessableError,
)
from paybridge.logic.classify_order import normalise_status
from paybridge.logic.get_order import order_view
from paybridge.models.juspay import Order
from paybridge.models.money import to_minor
from paybridge.models.order_api import UpdateOrderRequest
from paybridge.models.validation import require_id
from paybridge.observability import MetricUnit, logger, metrics

__all__ = ["UNPAID_STATUSES", "OrderReader", "SignedTermsWriter", "update_order"]

#: Juspay order statuses before any payment attempt (``CREATED`` is the create-order answer's spelling).
UNPAID_STATUSES = frozenset({"NEW", "CREATED"})
#: Errors after which Juspay certainly did not apply the update (it answered, refusing).
_REFUSED = (JuspayAuthenticationError, JuspayBadRequestError, JuspayNotFoundError, JuspayRateLimitedError)


class OrderReader(Protocol):
    """Reads an order's record (``OrdersRepository`` satisfies it)."""

    def get(self, order_id: str) -> OrderRecord | None: ...


class SignedTermsWriter(Protocol):
    """Moves the signed amount (``SignedOrdersRepository`` satisfies it)."""

    def begin_amount_update(
        self, order_id: str, *, signed_minor: int, new_minor: int, now: datetime
    ) -> bool: ...

    def confirm_amount_update(self, order_id: str, *, new_minor: int, now: datetime) -> bool: ...

    def abandon_amount_update(self, order_id: str, *, new_minor: int) -> bool: ...


class OrderUpdater(Protocol):
    """The two Juspay calls an update makes (``JuspayClient`` satisfies it)."""

    def get_order_status(self, order_id: str, *, customer_id: str | None) -> Order: ...

    def update_order(
        self,
        order_id: str,
        *,
        amount: Decimal | None = None,
        udfs: dict[str, str] | None = None,
        address: dict[str, str] | None = None,
        customer_id: str | None,
    ) -> Order: ...


@dataclass(frozen=True)
class _Update:
    """The change as the merchant asked it; sent to Juspay once."""

    order_id: str
    request: UpdateOrderRequest

    def send(self, juspay: OrderUpdater, customer_id: str | None) -> Order:
        return juspay.update_order(
            self.order_id,
            amount=self.request.amount,
            udfs=self.request.udfs() or None,
            address=self.request.address() or None,
            customer_id=customer_id,
        )


def update_order(
    order_id: str,
    request: UpdateOrderRequest,
    *,
    juspay: OrderUpdater,
    orders: OrderReader,
    terms: SignedTermsWriter,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
) -> dict[str, Any]:
    """Validates the update, keeps the signed terms consistent with it (see the module docstring) and
    forwards it to Juspay. Returns the merchant API's view of Juspay's updated order."""
    order_id = require_id("order_id", order_id)
    record = orders.get(order_id)
    update = _Update(order_id, request)
    known_customer = record.routing_customer_id if record is not None else None
    if record is not None and record.is_final:
        _refuse(
            "order_final",
            f"order is {record.status}: its outcome is final and it can no longer change",
        )
    if request.amount is None:
        # udf and address changes leave the signed terms alone.
        return order_view(update.send(juspay, known_customer))
    new_minor = _new_amount_minor(request.amount, record)
    offered = (record.signed_wallet_offered_minor or 0) if record is not None else 0
    if record is not None and record.signed_amount_minor is not None and new_minor < offered:
        _refuse(
            "amount_below_wallet_offer",
            "the new amount is below the wallet share offered when the order was signed",
        )

    current = juspay.get_order_status(order_id, customer_id=known_customer)
    # A customer Juspay names routes the update when none was known here.
    customer_id = known_customer or current.customer_id
    if record is not None and record.signed_amount_pending_minor is not None:
        _resolve_pending(record, current, terms, clock)
        record = orders.get(order_id) or record
    if normalise_status(current.status) not in UNPAID_STATUSES:
        _refuse(
            "payment_attempt_started",
            f"a payment attempt has started (Juspay status {current.status}): the amount cannot change",
        )
    if record is None or record.signed_amount_minor is None:
        # Not signed here: there are no signed terms to keep consistent.
        return _sent(update, juspay, customer_id)
    signed_minor = record.signed_amount_minor
    if not terms.begin_amount_update(order_id, signed_minor=signed_minor, new_minor=new_minor, now=clock()):
        _refuse("concurrent_change", "the order changed meanwhile (another update or its settlement); retry")
    try:
        order = update.send(juspay, customer_id)
    except _REFUSED:
        terms.abandon_amount_update(order_id, new_minor=new_minor)
        raise
    except JuspayError:
        _after_unknown_outcome(update, customer_id, new_minor, juspay, terms, clock)
        raise
    terms.confirm_amount_update(order_id, new_minor=new_minor, now=clock())
    logger.info("order amount updated with its signed terms", extra={"order_id": order_id})
    return order_view(order)


def _sent(update: _Update, juspay: OrderUpdater, customer_id: str | None) -> dict[str, Any]:
    order = update.send(juspay, customer_id)
    logger.info("order updated", extra={"order_id": update.order_id, "amount_changed": True})
    return order_view(order)


def _new_amount_minor(amount: Decimal, record: OrderRecord | None) -> int:
    currency = (record.signed_currency or record.currency) if record is not None else None
    try:
        return to_minor(amount, currency or "INR", strict=True)
    except ValueError as exc:
        raise UnprocessableError(str(exc), details={"field": "amount", "rule": "amount_precision"}) from exc


def _resolve_pending(
    record: OrderRecord, current: Order, terms: SignedTermsWriter, clock: Callable[[], datetime]
) -> None:
    """An earlier update's outcome was unknown: Juspay's amount now says whether it landed."""
    pending = record.signed_amount_pending_minor
    assert pending is not None
    if _amount_minor(current) == pending:
        terms.confirm_amount_update(record.order_id, new_minor=pending, now=clock())
        logger.info("earlier amount update confirmed from Order Status", extra={"order_id": record.order_id})
    else:
        terms.abandon_amount_update(record.order_id, new_minor=pending)
        logger.info("earlier amount update did not land; dropped", extra={"order_id": record.order_id})


def _after_unknown_outcome(
    update: _Update,
    customer_id: str | None,
    new_minor: int,
    juspay: OrderUpdater,
    terms: SignedTermsWriter,
    clock: Callable[[], datetime],
) -> None:
    """Update Order's outcome is unknown: confirm it if Order Status already shows the new amount; otherwise
    leave it pending (it may still land), so settlement accepts either amount until it is resolved."""
    metrics.add_metric(name="OrderUpdateOutcomeUnknown", unit=MetricUnit.Count, value=1)
    try:
        current = juspay.get_order_status(update.order_id, customer_id=customer_id)
    except JuspayError:
        logger.warning(
            "order update outcome unknown; amount left pending", extra={"order_id": update.order_id}
        )
        return
    if _amount_minor(current) == new_minor:
        terms.confirm_amount_update(update.order_id, new_minor=new_minor, now=clock())
        logger.info("order update landed despite the error", extra={"order_id": update.order_id})


def _amount_minor(order: Order) -> int | None:
    try:
        return order.amount_minor
    except ValueError:
        return None


def _refuse(rule: str, message: str) -> NoReturn:
    metrics.add_metric(name="OrderUpdateRefused", unit=MetricUnit.Count, value=1)
    logger.info("order update refused", extra={"rule": rule})
    raise OrderUpdateRefusedError(message, details={"field": "order_id", "rule": rule})
