"""A cancellation refund gives back only what is left of its transaction (issue 9).

When settlement cancels a split order it asks for the whole online transaction back (``RefundRequested``).
Juspay's dashboard may have refunded part of it meanwhile, and Juspay refuses a refund above what is left
(``invalid.amount.exceeded``). So, before each call of such a refund, Order Status is read and the call is
for the requested amount minus what Juspay already holds for refunds of that transaction (successful,
pending and manual-review refunds, dashboard ones listed without ``txn_id`` included:
``order_attempts.held_minor``):

* nothing left: the refund ends ALREADY_REFUNDED, no call;
* an id is sent with one amount only: the amount is stored with the call's mark (``mark_sent``); when a
  call whose outcome was unknown (and that Juspay does not list) would now need another amount, the next
  attempt (new id) carries it. Juspay's own ceiling then refuses whichever of two such calls lands second,
  since each asked for what was left when it was made;
* a first call refused with ``invalid.amount.exceeded`` because what is left shrank between the read and
  the call (a dashboard refund) moves to the next attempt, which reads Order Status again; refused with
  nothing changed, it is REJECTED as any refusal.
"""

from __future__ import annotations

from paybridge.logic.order_attempts import held_minor
from paybridge.models.juspay import Order
from paybridge.models.refund import (
    ALREADY_REFUNDED,
    FAILED,
    REQUESTED,
    RefundRecord,
    Transition,
    unique_request_id,
)
from paybridge.observability import MetricUnit, logger, metrics

__all__ = [
    "AMOUNT_EXCEEDED",
    "SOURCE_EVENT",
    "after_exceeded",
    "follows_remainder",
    "next_attempt",
    "plan_call",
]

#: Refunds requested by a ``RefundRequested`` event (settlement's cancellations) have this ``source``.
SOURCE_EVENT = "event"
#: Juspay's error code for a refund above what is left to refund.
AMOUNT_EXCEEDED = "invalid.amount.exceeded"
#: ``error_code`` of an attempt abandoned because what is left changed after its call was sent.
REMAINDER_CHANGED = "remainder_changed"


def follows_remainder(record: RefundRecord) -> bool:
    """Whether the refund is a cancellation refund of one transaction (it refunds only what is left)."""
    return record.source == SOURCE_EVENT and record.kind == "txn" and bool(record.txn_id)


def left_to_refund(record: RefundRecord, order: Order) -> int:
    """The requested amount minus what Juspay holds for refunds of the refund's transaction (minor units)."""
    requested = record.requested_minor if record.requested_minor is not None else record.amount_minor
    return requested - held_minor(order, record.txn_id)


def plan_call(record: RefundRecord, order: Order, *, retried: bool) -> int | Transition:
    """The amount to send for the refund's current id now, or the transition to make instead of a call.

    ``retried``: the id was sent before, with an unknown outcome, and ``order`` does not list it.
    """
    left = left_to_refund(record, order)
    if left <= 0:
        metrics.add_metric(name="RefundNothingLeft", unit=MetricUnit.Count, value=1)
        logger.info("nothing left to refund on the transaction; no call", extra={"held_minor": -left})
        return Transition(
            ALREADY_REFUNDED,
            attempt=record.attempt,
            unique_request_id=record.unique_request_id,
            juspay_status=None,
        )
    if left == record.amount_minor or not retried:
        if left != record.amount_minor:
            metrics.add_metric(name="RefundRemainderOnly", unit=MetricUnit.Count, value=1)
            logger.info("refunding what is left", extra={"amount_minor": left, "was": record.amount_minor})
        return left
    # This id went out with another amount: it keeps it; a new id carries the new one.
    step = next_attempt(record, REMAINDER_CHANGED)
    if step is not None:
        return step
    return Transition(
        FAILED,
        attempt=record.attempt,
        unique_request_id=record.unique_request_id,
        juspay_status=None,
        error_code=REMAINDER_CHANGED,
    )


def after_exceeded(record: RefundRecord, order: Order) -> Transition | None:
    """After Juspay refused the current id as ``invalid.amount.exceeded``: the next attempt when what is left
    is no longer what was sent (refunded meanwhile), else None (the refusal stands)."""
    if left_to_refund(record, order) == record.amount_minor:
        return None
    logger.info("refund refused: the transaction was refunded meanwhile; next attempt reads it again")
    return next_attempt(record, AMOUNT_EXCEEDED)


def next_attempt(record: RefundRecord, error_code: str) -> Transition | None:
    """The refund's next attempt (a new id, REQUESTED), or None when its attempts are used up."""
    if record.attempt >= record.max_attempts:
        return None
    attempt = record.attempt + 1
    return Transition(
        REQUESTED,
        attempt=attempt,
        unique_request_id=unique_request_id(record.order_id, record.seq, attempt),
        juspay_status=None,
        error_code=error_code,
    )
