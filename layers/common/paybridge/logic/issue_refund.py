"""Issue a refund through Juspay exactly once, whatever fails on the way.

1. The refund and its first ``unique_request_id`` are stored (REQUESTED) before Juspay is called, keyed by
   the request's idempotency key: a second delivery of the same request finds the same refund.
2. Juspay is called with the stored id (``paybridge.logic.refund_engine``). An unknown outcome (timeout,
   dropped connection, 5xx, 429, after the client's own retries) is raised: the caller's retry (Lambda's
   async retry, a redrive from the dead-letter queue, or the refund sweep) first reads Order Status, and
   calls again with the *same* id, which Juspay never applies twice, only when Juspay does not list it.
3. Juspay's verdict moves the refund (``paybridge.models.refund.next_transition``): PENDING / SUCCESS /
   MANUAL_REVIEW are recorded; FAILURE starts the next attempt with a *new* id, up to ``max_attempts``,
   then FAILED; a 4xx refusal of a first call is REJECTED (the same request would be refused again), of a
   repeated call it leaves the outcome unknown.
4. Each status reached is announced once on the bus (RefundIssued, RefundSucceeded, RefundFailed,
   RefundManualReview), with a metric of the same name; MANUAL_REVIEW has an alarm on its metric.

Every change is a conditional update on the state the writer read, so this module, ``track_refund``
(webhooks) and ``sweep_refunds`` can work on the same refund at once without ever starting two attempts.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from pydantic import ValidationError

from paybridge.dal.refunds import NewRefund
from paybridge.errors import BadRequestError, ConflictError, UnprocessableError
from paybridge.logic.refund_engine import (
    KIND_ORDER,
    KIND_TXN,
    RefundDependencies,
    advance,
    announce,
    drive,
    follow,
)
from paybridge.models.money import to_minor
from paybridge.models.refund import REJECTED, RefundRecord, RefundRequestedDetail
from paybridge.observability import MetricUnit, logger, metrics

# The engine's names stay importable from here, where they used to live.
__all__ = [
    "KIND_ORDER",
    "KIND_TXN",
    "RefundDependencies",
    "RefundOutcome",
    "advance",
    "announce",
    "drive",
    "follow",
    "handle_refund_requested",
    "issue",
    "request_refund",
]

SOURCE_EVENT = "event"
SOURCE_API = "api"


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
