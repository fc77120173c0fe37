"""Issue a refund through Juspay exactly once, whatever fails on the way.

1. The refund and its first ``unique_request_id`` are stored (REQUESTED) before Juspay is called, keyed by
   the request's idempotency key: a second delivery of the same request finds the same refund.
2. Juspay is called with the stored id. An unknown outcome (timeout, dropped connection, 5xx, 429, after the
   client's own retries) is raised: the caller's retry (Lambda's async retry, or a redrive from the
   dead-letter queue) calls again with the *same* id, which Juspay never applies twice.
3. Juspay's verdict moves the refund (``paybridge.models.refund.next_transition``): PENDING / SUCCESS /
   MANUAL_REVIEW are recorded; FAILURE starts the next attempt with a *new* id, up to ``max_attempts``,
   then FAILED; a 4xx refusal is REJECTED (the same request would be refused again).
4. Each status reached is announced once on the bus (RefundIssued, RefundSucceeded, RefundFailed,
   RefundManualReview), with a metric of the same name; MANUAL_REVIEW has an alarm on its metric.

Every change is a conditional update on the state the writer read, so this module and ``track_refund``
(webhooks) can work on the same refund at once without ever starting two attempts.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from pydantic import ValidationError

from paybridge.bus import SOURCE_PAYBRIDGE, EventPublisher
from paybridge.dal.refunds import NewRefund, RefundsRepository
from paybridge.errors import (
    BadRequestError,
    ConflictError,
    JuspayBadRequestError,
    JuspayError,
    JuspayNotFoundError,
    UnprocessableError,
)
from paybridge.juspay.client import JuspayClient
from paybridge.models.juspay import Refund
from paybridge.models.money import from_minor, to_minor
from paybridge.models.refund import (
    DEFAULT_MAX_ATTEMPTS,
    EVENT_FOR_STATUS,
    MANUAL_REVIEW,
    REJECTED,
    REQUESTED,
    RefundRecord,
    RefundRequestedDetail,
    Transition,
    next_transition,
    rejected,
)
from paybridge.observability import MetricUnit, logger, metrics

#: Txn-ID refund (``POST /refunds``) or order refund (``POST /orders/{id}/refunds``).
KIND_TXN = "txn"
KIND_ORDER = "order"
SOURCE_EVENT = "event"
SOURCE_API = "api"
#: Juspay's error code for a ``unique_request_id`` it has seen before.
DUPLICATE_CALL = "duplicate.call"


@dataclass
class RefundDependencies:
    """Everything the refund logic touches, passed in by the handler (or a test)."""

    repository: RefundsRepository
    juspay: JuspayClient
    publisher: EventPublisher
    clock: Callable[[], datetime]
    max_attempts: int = DEFAULT_MAX_ATTEMPTS

    def now(self) -> str:
        """The clock's time as the table stores it (ISO-8601)."""
        return self.clock().isoformat()


@dataclass(frozen=True)
class RefundOutcome:
    """Where a refund stands after a request: ``created`` is False for a repeated request."""

    order_id: str
    seq: int
    unique_request_id: str
    attempt: int
    status: str
    amount: str
    currency: str
    created: bool
    error_code: str | None = None
    error_message: str | None = None

    @classmethod
    def of(cls, record: RefundRecord, *, created: bool) -> RefundOutcome:
        """The outcome describing ``record``."""
        return cls(
            order_id=record.order_id,
            seq=record.seq,
            unique_request_id=record.unique_request_id,
            attempt=record.attempt,
            status=record.status,
            amount=record.amount,
            currency=record.currency,
            created=created,
            error_code=record.error_code if record.status == REJECTED else None,
            error_message=record.error_message if record.status == REJECTED else None,
        )


# ---- entry points ------------------------------------------------------------------------------------------
def handle_refund_requested(detail: Mapping[str, Any], deps: RefundDependencies) -> RefundOutcome:
    """A ``RefundRequested`` event: a Txn-ID refund of the order's online transaction.

    The idempotency key is the order plus the reason, so the event delivered twice (or published twice for
    the same cancellation) makes one refund. Raises ``BadRequestError`` for a malformed detail.
    """
    try:
        request = RefundRequestedDetail.model_validate(dict(detail))
        amount_minor = request.amount_minor
    except (ValidationError, ValueError) as exc:
        raise BadRequestError("RefundRequested detail is invalid") from exc
    return issue(
        NewRefund(
            order_id=request.order_id,
            request_key=f"{SOURCE_EVENT}:{request.reason}",
            kind=KIND_TXN,
            amount_minor=amount_minor,
            currency=request.currency,
            reason=request.reason,
            source=SOURCE_EVENT,
            max_attempts=deps.max_attempts,
            txn_id=request.txn_id,
            customer_id=request.customer_id,
            requested_at=request.requested_at,
        ),
        deps,
    )


def request_refund(
    *,
    order_id: str,
    amount: Decimal,
    idempotency_key: str,
    deps: RefundDependencies,
    currency: str = "INR",
    txn_id: str | None = None,
    customer_id: str | None = None,
    reason: str = "merchant_request",
) -> RefundOutcome:
    """A direct refund request (the merchant API): of one transaction when ``txn_id`` is given, else of the
    order. ``idempotency_key`` is the caller's: the same key answers the same refund; reused with a
    different amount, currency or transaction it raises ``ConflictError``.
    """
    if not idempotency_key or len(idempotency_key) > 128:
        raise BadRequestError("idempotency key must be 1..128 characters")
    try:
        amount_minor = to_minor(amount, currency, strict=True)
    except ValueError as exc:
        raise UnprocessableError(str(exc)) from exc
    if amount_minor <= 0:
        raise UnprocessableError("refund amount must be positive")
    return issue(
        NewRefund(
            order_id=order_id,
            request_key=f"{SOURCE_API}:{idempotency_key}",
            kind=KIND_TXN if txn_id else KIND_ORDER,
            amount_minor=amount_minor,
            currency=currency.upper(),
            reason=reason,
            source=SOURCE_API,
            max_attempts=deps.max_attempts,
            txn_id=txn_id,
            customer_id=customer_id,
            requested_at=deps.now(),
        ),
        deps,
    )


def issue(new: NewRefund, deps: RefundDependencies) -> RefundOutcome:
    """Stores the refund (or finds the one this request already made) and drives it as far as it goes."""
    record = deps.repository.find_by_request_key(new.order_id, new.request_key)
    created = False
    if record is None:
        record, created = deps.repository.create(new, now=deps.now())
    if not created:
        _check_same_request(record, new)
    logger.append_keys(order_id=record.order_id, refund_seq=record.seq)
    logger.info(
        "refund request" + (" stored" if created else " repeated"),
        extra={"unique_request_id": record.unique_request_id, "refund_status": record.status},
    )
    if not created:
        metrics.add_metric(name="RefundRequestRepeated", unit=MetricUnit.Count, value=1)
    record = drive(record, deps)
    return RefundOutcome.of(record, created=created)


# ---- the engine (shared with track_refund) -----------------------------------------------------------------
def drive(record: RefundRecord, deps: RefundDependencies) -> RefundRecord:
    """Calls Juspay for the refund's current attempt while it is REQUESTED, then announces where it got.

    Bounded: every pass either leaves REQUESTED or moves to a higher attempt, and attempts are capped.
    """
    for _ in range(record.max_attempts + 1):
        if record.status != REQUESTED:
            break
        transition = _ask_juspay(record, deps)
        record = advance(record, transition, deps)
    announce(record, deps)
    return record


def follow(
    record: RefundRecord, juspay_status: str, deps: RefundDependencies, *, error_code: str | None = None
) -> RefundRecord:
    """Applies a status Juspay reported for the refund's current attempt (from Get Order Status).

    A FAILURE with attempts left starts the next attempt at once (new id, stored first, then called).
    """
    transition = next_transition(record, juspay_status, error_code=error_code)
    if transition is not None:
        record = advance(record, transition, deps)
    return drive(record, deps)


def advance(record: RefundRecord, transition: Transition, deps: RefundDependencies) -> RefundRecord:
    """Writes ``transition`` if nobody moved the refund meanwhile; otherwise carries on from their write."""
    after = deps.repository.apply(record, transition, now=deps.now())
    if after is None:
        current = deps.repository.get(record.order_id, record.seq)
        if current is None:  # pragma: no cover - refunds are never deleted
            raise ConflictError("refund disappeared while being updated")
        logger.info("refund moved by another writer", extra={"refund_status": current.status})
        return current
    logger.info(
        "refund status changed",
        extra={
            "from_status": record.status,
            "refund_status": after.status,
            "unique_request_id": after.unique_request_id,
            "attempt": after.attempt,
            "juspay_status": after.juspay_status,
        },
    )
    if transition.is_retry:
        metrics.add_metric(name="RefundAttemptFailed", unit=MetricUnit.Count, value=1)
    if after.status == MANUAL_REVIEW:
        # Ids only: a person finds everything else in the refunds table and Juspay's dashboard.
        logger.warning(
            "refund needs manual review",
            extra={"unique_request_id": after.unique_request_id, "attempt_ids": list(after.attempt_ids)},
        )
    return after


def announce(record: RefundRecord, deps: RefundDependencies) -> None:
    """Publishes the event of the refund's status unless it already was (a failed publish is retried by
    whoever next touches the refund, so the event is at least once)."""
    event = EVENT_FOR_STATUS.get(record.status)
    if event is None or record.announced == record.status:
        return
    deps.publisher.publish(SOURCE_PAYBRIDGE, event, record.event_detail())
    metrics.add_metric(name=event, unit=MetricUnit.Count, value=1)
    deps.repository.mark_announced(record, now=deps.now())


# ---- Juspay ----------------------------------------------------------------------------------------------
def _ask_juspay(record: RefundRecord, deps: RefundDependencies) -> Transition:
    """Calls Juspay for the current attempt and turns its answer into the transition it causes."""
    amount = from_minor(record.amount_minor, record.currency)
    try:
        if record.kind == KIND_TXN and record.txn_id:
            refund = deps.juspay.refund_txn(
                record.txn_id,
                unique_request_id=record.unique_request_id,
                amount=amount,
                customer_id=record.customer_id,
                order_id=record.order_id,
            )
            status, code = refund.status, refund.error_code
        else:
            order = deps.juspay.refund_order(
                record.order_id,
                unique_request_id=record.unique_request_id,
                amount=amount,
                customer_id=record.customer_id,
            )
            status, code = _status_in_order(order.find_refund(record.unique_request_id))
    except JuspayBadRequestError as exc:
        if exc.error_code != DUPLICATE_CALL:
            return rejected(record, exc.error_code, exc.error_message)
        # Juspay already has this id: read what became of it instead of guessing.
        order = deps.juspay.get_order_status(record.order_id, customer_id=record.customer_id)
        status, code = _status_in_order(order.find_refund(record.unique_request_id))
    except JuspayNotFoundError:
        return rejected(record, "not_found", "Juspay does not know this order or transaction")
    except JuspayError as exc:
        # Unknown outcome (or a configuration problem): the record keeps its id for the retry.
        deps.repository.note_error(record, code=exc.code, now=deps.now())
        logger.warning(
            "refund call outcome unknown; will retry with the same id",
            extra={"unique_request_id": record.unique_request_id, "error": exc.code},
        )
        raise
    transition = next_transition(record, status, error_code=code)
    if transition is None:  # pragma: no cover - a REQUESTED refund moves on every answer
        raise JuspayError("Juspay's answer does not move the refund", details={"operation": "refund"})
    return transition


def _status_in_order(found: Refund | None) -> tuple[str, str | None]:
    if found is None:
        # The answer does not list our refund: nothing is known, so retry with the same id later.
        raise JuspayError("Juspay's answer does not list the refund", details={"operation": "refund"})
    return found.status, found.error_code


def _check_same_request(record: RefundRecord, new: NewRefund) -> None:
    same = (record.kind, record.txn_id, record.amount_minor, record.currency) == (
        new.kind,
        new.txn_id,
        new.amount_minor,
        new.currency,
    )
    if not same:
        metrics.add_metric(name="RefundRequestConflict", unit=MetricUnit.Count, value=1)
        raise ConflictError(
            "a refund with this key exists for different data",
            details={"order_id": record.order_id, "refund_seq": record.seq},
        )
