"""The refund engine shared by every path that moves a refund: issue (event, API), webhooks, the sweep.

A call is made only for a REQUESTED refund, always with its stored ``unique_request_id``, and noted
(``sent_uid``) just before it is made. A REQUESTED refund whose id was already sent has an *unknown
outcome*: before any further call its fate is read from Get Order Status (``refunds[]``), and only a
definite answer there moves it. When Juspay does not list the id, nothing was applied under it, and calling
again with the same id is safe (Juspay never applies one id twice). On such a repeated call, any 4xx
refusal is not taken as REJECTED (the first call may be the reason for it, e.g. an amount already
refunded): the refund stays REQUESTED with its outcome unknown, and the sweep asks Order Status again later.

Every change is a conditional update on the state the writer read, so concurrent paths never start two
attempts.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from paybridge.bus import SOURCE_PAYBRIDGE, EventPublisher
from paybridge.dal.refunds import RefundsRepository
from paybridge.errors import ConflictError, JuspayBadRequestError, JuspayError, JuspayNotFoundError
from paybridge.juspay.client import JuspayClient
from paybridge.models.juspay import Refund
from paybridge.models.money import from_minor
from paybridge.models.refund import (
    DEFAULT_MAX_ATTEMPTS,
    EVENT_FOR_STATUS,
    MANUAL_REVIEW,
    REQUESTED,
    RefundRecord,
    Transition,
    next_transition,
    rejected,
)
from paybridge.observability import MetricUnit, logger, metrics

#: Txn-ID refund (``POST /refunds``) or order refund (``POST /orders/{id}/refunds``).
KIND_TXN = "txn"
KIND_ORDER = "order"
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


def drive(record: RefundRecord, deps: RefundDependencies, *, not_listed: bool = False) -> RefundRecord:
    """Calls Juspay for the refund's current attempt while it is REQUESTED, then announces where it got.

    ``not_listed``: the caller has just read Order Status and it does not list the current id, so a call
    whose outcome was unknown is repeated without asking Order Status again. Bounded: every pass leaves
    REQUESTED, moves to a higher attempt, or stops on an unknown outcome; attempts are capped.
    """
    checked_uid = record.unique_request_id if not_listed else None
    for _ in range(2 * (record.max_attempts + 1)):
        if record.status != REQUESTED:
            break
        retried = record.outcome_unknown
        if retried and record.unique_request_id != checked_uid:
            resolved = _resolve_with_order_status(record, deps)
            if resolved is not None:
                record = advance(record, resolved, deps)
                continue
        sent = deps.repository.mark_sent(record, now=deps.now())
        if sent is None:
            record = _reread(record, deps)
            continue
        transition = _ask_juspay(sent, deps, retried=retried)
        if transition is None:
            record = sent
            break
        record = advance(sent, transition, deps)
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
        current = _reread(record, deps)
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
def _resolve_with_order_status(record: RefundRecord, deps: RefundDependencies) -> Transition | None:
    """What Order Status says about the current id (a call whose outcome is unknown), or None: not listed."""
    order = deps.juspay.get_order_status(record.order_id, customer_id=record.customer_id)
    found = order.find_refund(record.unique_request_id)
    if found is None:
        logger.info("unknown refund outcome: Juspay does not list the id", extra=_ids(record))
        return None
    logger.info("unknown refund outcome resolved by Order Status", extra={"juspay_status": found.status})
    return next_transition(record, found.status, error_code=found.error_code)


def _ask_juspay(record: RefundRecord, deps: RefundDependencies, *, retried: bool) -> Transition | None:
    """Calls Juspay for the current attempt and turns its answer into the transition it causes.

    None: the outcome is unknown and the refund stays REQUESTED (a refusal of a repeated call).
    """
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
        if exc.error_code == DUPLICATE_CALL:
            # Juspay already has this id: read what became of it instead of guessing.
            order = deps.juspay.get_order_status(record.order_id, customer_id=record.customer_id)
            status, code = _status_in_order(order.find_refund(record.unique_request_id))
        elif retried:
            _unknown(record, deps, f"{exc.code}:{exc.error_code or ''}")
            return None
        else:
            return rejected(record, exc.error_code, exc.error_message)
    except JuspayNotFoundError as exc:
        if retried:
            _unknown(record, deps, exc.code)
            return None
        return rejected(record, "not_found", "Juspay does not know this order or transaction")
    except JuspayError as exc:
        # Unknown outcome (or a configuration problem): the record keeps its id for the retry.
        deps.repository.note_error(record, code=exc.code, now=deps.now())
        logger.warning(
            "refund call outcome unknown; will retry with the same id", extra=_ids(record, exc.code)
        )
        raise
    transition = next_transition(record, status, error_code=code)
    if transition is None:  # pragma: no cover - a REQUESTED refund moves on every answer
        raise JuspayError("Juspay's answer does not move the refund", details={"operation": "refund"})
    return transition


def _unknown(record: RefundRecord, deps: RefundDependencies, code: str) -> None:
    """A 4xx on a repeated call: not a verdict on this id. Noted; Order Status decides later (the sweep)."""
    deps.repository.note_error(record, code=code, now=deps.now())
    metrics.add_metric(name="RefundOutcomeUnknown", unit=MetricUnit.Count, value=1)
    logger.warning("repeated refund call refused; outcome stays unknown", extra=_ids(record, code))


def _status_in_order(found: Refund | None) -> tuple[str, str | None]:
    if found is None:
        # The answer does not list our refund: nothing is known, so retry with the same id later.
        raise JuspayError("Juspay's answer does not list the refund", details={"operation": "refund"})
    return found.status, found.error_code


def _reread(record: RefundRecord, deps: RefundDependencies) -> RefundRecord:
    current = deps.repository.get(record.order_id, record.seq)
    if current is None:  # pragma: no cover - refunds are never deleted
        raise ConflictError("refund disappeared while being updated")
    return current


def _ids(record: RefundRecord, error: str | None = None) -> dict[str, object]:
    extra: dict[str, object] = {"unique_request_id": record.unique_request_id, "attempt": record.attempt}
    if error is not None:
        extra["error"] = error
    return extra
