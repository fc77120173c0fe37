"""Refunds: the record kept per refund, its ``unique_request_id`` scheme and its state machine.

One *refund* is one amount the system decided to give back for an order (seq 1, 2, ... per order). Juspay
may need several *attempts* for it: a FAILURE needs a new ``unique_request_id``; an unknown outcome (timeout,
5xx) must be retried with the same one. Every attempt's id is derived from (order id, seq, attempt), stored
before Juspay is called, and never reused for anything else.

States (``RefundRecord.status``)::

    REQUESTED ──Juspay PENDING──▶ PENDING ──SUCCESS──▶ SUCCESS
        │  ▲                         │
        │  └──FAILURE, attempts left─┘   (next attempt: new id, REQUESTED again)
        ├──FAILURE, no attempts left──▶ FAILED
        ├──MANUAL_REVIEW──▶ MANUAL_REVIEW ──SUCCESS / FAILURE──▶ SUCCESS / FAILED
        └──Juspay refused the request (4xx)──▶ REJECTED

SUCCESS, FAILED and REJECTED are final. MANUAL_REVIEW waits for a person (or Juspay's later verdict) and
is never retried automatically.

While a refund is open it also carries when it is next checked with Get Order Status (``next_check_at``,
epoch seconds; ``paybridge.logic.sweep_refunds``): a new refund or a new attempt is due at once, the sweep
spaces the following checks out, and a final refund leaves the schedule (and its index).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from paybridge.models.money import format_major, parse_amount, to_minor

# --- statuses ----------------------------------------------------------------------------------------------
REQUESTED = "REQUESTED"
PENDING = "PENDING"
SUCCESS = "SUCCESS"
FAILED = "FAILED"
REJECTED = "REJECTED"
MANUAL_REVIEW = "MANUAL_REVIEW"

#: Statuses the system still follows (webhooks, order status).
OPEN_STATUSES: frozenset[str] = frozenset({REQUESTED, PENDING, MANUAL_REVIEW})
#: Statuses nothing changes any more.
FINAL_STATUSES: frozenset[str] = frozenset({SUCCESS, FAILED, REJECTED})

#: Juspay's refund statuses (``refunds[].status``).
JUSPAY_PENDING = "PENDING"
JUSPAY_SUCCESS = "SUCCESS"
JUSPAY_FAILURE = "FAILURE"
JUSPAY_MANUAL_REVIEW = "MANUAL_REVIEW"

#: Attempts per refund unless configured otherwise: a FAILURE is retried with a new id this many times - 1.
DEFAULT_MAX_ATTEMPTS = 3
#: The id scheme has room for two digits of sequence and one of attempt.
MAX_SEQ = 99
MAX_ATTEMPTS_LIMIT = 9

#: Domain event (detail-type, source ``paybridge``) announced when a refund reaches a status.
EVENT_FOR_STATUS: dict[str, str] = {
    PENDING: "RefundIssued",
    SUCCESS: "RefundSucceeded",
    FAILED: "RefundFailed",
    REJECTED: "RefundFailed",
    MANUAL_REVIEW: "RefundManualReview",
}

# --- unique_request_id --------------------------------------------------------------------------------------
#: Juspay: letters, digits, ``_`` and ``-``, under 21 characters.
MAX_UNIQUE_REQUEST_ID_LENGTH = 20
_SAFE = re.compile(r"^[A-Za-z0-9_-]+$")


def unique_request_id(order_id: str, seq: int, attempt: int) -> str:
    """The ``unique_request_id`` of attempt ``attempt`` of refund ``seq`` of ``order_id``.

    ``rf-{order_id}-{seq}-{attempt}`` when that is valid for Juspay (readable in its dashboard), else
    ``rh-{first 12 hex of sha256(order_id)}-{seq}-{attempt}``. Deterministic, at most 20 characters, and the
    two prefixes keep the forms from ever colliding. Within a form, the last two ``-`` fields are numbers,
    so the order id part is unambiguous.
    """
    if not order_id:
        raise ValueError("order_id is empty")
    if not 1 <= seq <= MAX_SEQ:
        raise ValueError(f"refund sequence must be 1..{MAX_SEQ}")
    if not 1 <= attempt <= MAX_ATTEMPTS_LIMIT:
        raise ValueError(f"attempt must be 1..{MAX_ATTEMPTS_LIMIT}")
    readable = f"rf-{order_id}-{seq}-{attempt}"
    if _SAFE.match(order_id) and len(readable) <= MAX_UNIQUE_REQUEST_ID_LENGTH:
        return readable
    digest = hashlib.sha256(order_id.encode("utf-8")).hexdigest()[:12]
    return f"rh-{digest}-{seq}-{attempt}"


# --- the record -------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class RefundRecord:
    """One refund as the refunds table holds it (item ``order_id`` / ``REFUND#{seq:03d}``)."""

    order_id: str
    seq: int
    request_key: str
    #: ``txn``: Txn-ID refund of ``txn_id`` (``POST /refunds``); ``order``: order refund.
    kind: str
    amount_minor: int
    currency: str
    reason: str
    source: str
    status: str
    attempt: int
    unique_request_id: str
    max_attempts: int
    created_at: str
    updated_at: str
    txn_id: str | None = None
    customer_id: str | None = None
    requested_at: str | None = None
    #: Every id tried so far, oldest first (the current one last).
    attempt_ids: tuple[str, ...] = field(default_factory=tuple)
    juspay_status: str | None = None
    error_code: str | None = None
    #: Juspay's own message when it refused the refund (REJECTED), as Juspay wrote it.
    error_message: str | None = None
    #: The last status whose domain event was published (an event lost to a failed publish is re-sent).
    announced: str | None = None
    #: The id of the last refund call made (set just before the call). Equal to ``unique_request_id`` on
    #: a REQUESTED refund: that call's outcome is unknown, so Order Status is asked before calling again.
    sent_uid: str | None = None
    #: Order Status checks made by the sweep since the current attempt began (drives its backoff).
    checks: int = 0
    #: When the sweep next checks this open refund (epoch seconds); None once final.
    next_check_at: int | None = None

    @property
    def outcome_unknown(self) -> bool:
        """True when a call for the current attempt was made and nothing Juspay said has moved it since."""
        return self.status == REQUESTED and self.sent_uid == self.unique_request_id

    @property
    def amount(self) -> str:
        """The amount in major units, as a string (``"40.00"``)."""
        return format_major(self.amount_minor, self.currency)

    @property
    def is_open(self) -> bool:
        """True while the system still follows this refund."""
        return self.status in OPEN_STATUSES

    def event_detail(self) -> dict[str, Any]:
        """Detail of the domain events about this refund: ids, status and amount (string) only."""
        return {
            "order_id": self.order_id,
            "refund_seq": self.seq,
            "unique_request_id": self.unique_request_id,
            "attempt": self.attempt,
            "txn_id": self.txn_id,
            "customer_id": self.customer_id,
            "amount": self.amount,
            "currency": self.currency,
            "reason": self.reason,
            "status": self.status,
            "juspay_status": self.juspay_status,
            "error_code": self.error_code,
        }


@dataclass(frozen=True)
class Transition:
    """What a refund becomes after Juspay reported ``juspay_status`` for its current attempt."""

    status: str
    attempt: int
    unique_request_id: str
    juspay_status: str | None
    error_code: str | None = None
    error_message: str | None = None

    @property
    def is_retry(self) -> bool:
        """True when the transition starts a new attempt (after a FAILURE)."""
        return self.status == REQUESTED


def next_transition(
    record: RefundRecord, juspay_status: str, *, error_code: str | None = None
) -> Transition | None:
    """The transition Juspay's refund status causes, or None when the record does not change.

    ``juspay_status`` is about ``record.unique_request_id`` (the current attempt). Unknown statuses count as
    PENDING: Juspay has the refund, and only its documented verdicts move it further.
    """
    if record.status in FINAL_STATUSES:
        return None
    if juspay_status == JUSPAY_SUCCESS:
        return _same_attempt(record, SUCCESS, juspay_status)
    if juspay_status == JUSPAY_FAILURE:
        if record.status == MANUAL_REVIEW or record.attempt >= record.max_attempts:
            # A person was involved, or attempts are used up: stop and say so.
            return _same_attempt(record, FAILED, juspay_status, error_code)
        attempt = record.attempt + 1
        return Transition(
            REQUESTED,
            attempt=attempt,
            unique_request_id=unique_request_id(record.order_id, record.seq, attempt),
            juspay_status=juspay_status,
            error_code=error_code,
        )
    if juspay_status == JUSPAY_MANUAL_REVIEW:
        if record.status == MANUAL_REVIEW:
            return None
        return _same_attempt(record, MANUAL_REVIEW, juspay_status)
    # PENDING or a status Juspay has not documented: accepted, nothing decided yet.
    if record.status == REQUESTED:
        return _same_attempt(record, PENDING, juspay_status)
    return None


def _same_attempt(
    record: RefundRecord, status: str, juspay_status: str | None, error_code: str | None = None
) -> Transition:
    return Transition(
        status,
        attempt=record.attempt,
        unique_request_id=record.unique_request_id,
        juspay_status=juspay_status,
        error_code=error_code,
    )


def rejected(record: RefundRecord, error_code: str | None, error_message: str | None = None) -> Transition:
    """The transition for a request Juspay refused outright (4xx): final, as the same id would be refused
    again. Juspay's code and message are kept for the merchant."""
    transition = _same_attempt(record, REJECTED, None, error_code or "rejected")
    return replace(transition, error_message=error_message)


def epoch_seconds(timestamp: str) -> int:
    """An ISO-8601 time (as the table stores ``updated_at``) in whole epoch seconds."""
    return int(datetime.fromisoformat(timestamp).timestamp())


def applied(record: RefundRecord, transition: Transition, *, now: str) -> RefundRecord:
    """``record`` after ``transition`` (what the conditional update writes).

    The check schedule: a final refund leaves it; a new attempt (new id) is due at once with its backoff
    reset; anything else keeps its place (an open refund without one, written before the schedule existed,
    becomes due).
    """
    ids = record.attempt_ids
    if transition.unique_request_id not in ids:
        ids = (*ids, transition.unique_request_id)
    checks, next_check_at = record.checks, record.next_check_at
    if transition.status in FINAL_STATUSES:
        next_check_at = None
    elif transition.unique_request_id != record.unique_request_id or next_check_at is None:
        checks, next_check_at = 0, epoch_seconds(now)
    return replace(
        record,
        status=transition.status,
        attempt=transition.attempt,
        unique_request_id=transition.unique_request_id,
        attempt_ids=ids,
        juspay_status=transition.juspay_status,
        error_code=transition.error_code,
        error_message=transition.error_message,
        updated_at=now,
        checks=checks,
        next_check_at=next_check_at,
    )


# --- incoming requests ------------------------------------------------------------------------------------
class RefundRequestedDetail(BaseModel):
    """Detail of a ``RefundRequested`` event (source ``paybridge``): the online part of an order to refund."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    order_id: str = Field(min_length=1, max_length=128)
    customer_id: str | None = None
    txn_id: str = Field(min_length=1, max_length=128)
    amount: Decimal
    currency: str = Field(default="INR", min_length=3, max_length=3)
    reason: str = Field(default="unspecified", min_length=1, max_length=200)
    requested_at: str | None = None

    @field_validator("amount", mode="before")
    @classmethod
    def _decimal_amount(cls, value: Any) -> Decimal:
        return parse_amount(value)

    @field_validator("currency")
    @classmethod
    def _upper(cls, value: str) -> str:
        return value.upper()

    @property
    def amount_minor(self) -> int:
        """The amount in integer minor units; more precision than the currency has is refused."""
        return to_minor(self.amount, self.currency, strict=True)
