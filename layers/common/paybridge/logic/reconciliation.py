"""Reconciliation's policy, pure: an order's settlement record + Juspay's Order Status → what to do.

``compare`` decides; ``paybridge.logic.reconcile_orders`` gathers the facts and carries the decisions out
through the normal logic (settlement, refund following, credit-back, the pending-order follower). What the
normal logic can repair is a repair; what needs a person is a mismatch, reported once per (order, kind).

================================================  ================================================
the record here / Juspay                          decision
================================================  ================================================
not final, Juspay SUCCESS                         SETTLE (a success never settled, e.g. after an outage)
not final, Juspay says another outcome            SETTLE (records it, publishes its event)
Juspay pending, no follow ended for good          START_FOLLOWER (starts or restarts only what should run)
an open refund Juspay has moved (or never got)    FOLLOW_REFUNDS
SETTLED, settled online txn refunded in full      CREDIT_BACK (``wallet_share.credit_back_wallet_share``)
SETTLED, Juspay failed                            mismatch ``settled_but_failed``
SETTLED, Juspay neither charged nor refunded      mismatch ``settled_but_not_charged``
SETTLED or CANCELLED, amounts differ              mismatch ``amount_differs``
SETTLED, refunded in part outside paybridge       mismatch ``refunded_at_juspay``
CANCELLED, online part paid, no refund issued     mismatch ``refund_missing``
MISMATCH (settlement refused to debit)            mismatch ``settlement_mismatch``
SETTLED or CANCELLED, unknown to Juspay           mismatch ``missing_at_juspay``
================================================  ================================================
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from paybridge.dal.orders import OrderRecord, OrderStatus
from paybridge.logic.classify_order import Classification, Outcome, classify_order
from paybridge.logic.order_attempts import refunded_minor
from paybridge.logic.pending_orders import is_pending
from paybridge.models.juspay import Order
from paybridge.models.money import to_minor
from paybridge.models.pending_order import STATUS_ABANDONED, STATUS_FAILED, STATUS_STALE
from paybridge.models.refund import REQUESTED, RefundRecord, next_transition

__all__ = ["Action", "Facts", "Finding", "MismatchKind", "compare", "refunds_to_follow"]


class Action(StrEnum):
    """What reconciliation does about a finding."""

    NONE = "none"  # record and Juspay agree (or nothing can be done here)
    SETTLE = "settle"
    START_FOLLOWER = "start_follower"
    FOLLOW_REFUNDS = "follow_refunds"
    CREDIT_BACK = "credit_back"
    REPORT = "report"  # a ReconciliationMismatch for a person


class MismatchKind(StrEnum):
    """Why a person must look at an order (the ``kind`` of ``ReconciliationMismatch``)."""

    SETTLED_BUT_FAILED = "settled_but_failed"
    SETTLED_BUT_NOT_CHARGED = "settled_but_not_charged"
    AMOUNT_DIFFERS = "amount_differs"
    REFUNDED_AT_JUSPAY = "refunded_at_juspay"
    REFUND_MISSING = "refund_missing"
    SETTLEMENT_MISMATCH = "settlement_mismatch"
    MISSING_AT_JUSPAY = "missing_at_juspay"


@dataclass(frozen=True)
class Facts:
    """Everything the comparison looks at for one order."""

    record: OrderRecord
    #: Juspay's Order Status; None when Juspay does not know the order (404).
    order: Order | None
    refunds: Sequence[RefundRecord] = ()
    #: The pending-order item's status (WAITING, RESOLVED, STALE, FAILED), None if never followed.
    follower_status: str | None = None


@dataclass(frozen=True)
class Finding:
    """One thing found, the action it calls for, and for a mismatch its kind."""

    action: Action
    found: str
    kind: MismatchKind | None = None


#: Follows that ended for good (deadline, expiry, failure: each counted or alarmed): never restarted here.
_FOLLOW_ENDED = frozenset({STATUS_STALE, STATUS_ABANDONED, STATUS_FAILED})
#: Record statuses another part of the lifecycle decided on purpose; reconciliation only settles a success.
_LIFECYCLE = frozenset({OrderStatus.STALE, OrderStatus.ABANDONED, OrderStatus.REVIEW})
_RECORDED_AS = {
    Outcome.PENDING: OrderStatus.PENDING,
    Outcome.FAILURE: OrderStatus.FAILED,
    Outcome.NO_WALLET: OrderStatus.NO_WALLET,
    Outcome.UNKNOWN: OrderStatus.UNKNOWN,
}


def compare(facts: Facts) -> list[Finding]:
    """The findings for one order; ``[Finding(NONE, ...)]`` when the record and Juspay agree."""
    record, order = facts.record, facts.order
    if order is None:
        if record.is_final:
            return [_mismatch(MismatchKind.MISSING_AT_JUSPAY, f"{record.status} here, unknown to Juspay")]
        return [Finding(Action.NONE, "not at Juspay: never paid")]
    classification = classify_order(order)
    if record.status is OrderStatus.SETTLED:
        findings = _settled(record, order, classification, facts.refunds)
    elif record.status is OrderStatus.CANCELLED:
        findings = _cancelled(record, order, facts.refunds)
    elif record.status is OrderStatus.MISMATCH:
        findings = [_mismatch(MismatchKind.SETTLEMENT_MISMATCH, f"settlement refused: {record.reason}")]
    elif record.status is OrderStatus.REFUNDED:
        findings = []  # refunded in full before any debit: final, nothing was or will be debited
    else:
        findings = _open(record, classification, facts.follower_status, pending=is_pending(order))
    if refunds_to_follow(facts.refunds, order):
        findings.append(Finding(Action.FOLLOW_REFUNDS, "a refund's outcome at Juspay is not recorded"))
    return findings or [Finding(Action.NONE, f"in agreement ({record.status}, Juspay {order.status})")]


def refunds_to_follow(refunds: Sequence[RefundRecord], order: Order) -> list[RefundRecord]:
    """Open refunds whose current attempt Juspay has moved on, or (REQUESTED) has never received."""
    due = []
    for refund in refunds:
        if not refund.is_open:
            continue
        entry = order.find_refund(refund.unique_request_id)
        if entry is None:
            if refund.status == REQUESTED:
                due.append(refund)
        elif next_transition(refund, entry.status, error_code=entry.error_code) is not None:
            due.append(refund)
    return due


# --- per record status ---------------------------------------------------------------------------------
def _open(
    record: OrderRecord, classification: Classification, follower: str | None, *, pending: bool
) -> list[Finding]:
    outcome = classification.outcome
    findings = []
    if outcome is Outcome.SUCCESS:
        findings.append(Finding(Action.SETTLE, f"Juspay {classification.status}, never settled here"))
    elif record.status not in _LIFECYCLE and record.status is not _RECORDED_AS[outcome]:
        findings.append(Finding(Action.SETTLE, f"{record.status} here, Juspay {classification.status}"))
    # The follower's own test (not the classifier's): an order without a wallet part is followed too. Starting
    # is idempotent: a running follow answers already_started, one whose execution died is replaced.
    if pending and follower not in _FOLLOW_ENDED:
        found = f"pending at Juspay ({classification.status}), follow {follower or 'none'}"
        findings.append(Finding(Action.START_FOLLOWER, found))
    return findings


def _settled(
    record: OrderRecord, order: Order, classification: Classification, refunds: Sequence[RefundRecord]
) -> list[Finding]:
    findings = _amounts(record, order, classification)
    # The credit-back's own rule (``wallet_share``): the settled online transaction refunded in full.
    online = record.online_minor or 0
    fully_refunded = online > 0 and refunded_minor(order, record.online_txn_id) >= online
    if fully_refunded and record.wallet_minor and record.wallet_txn_id:
        findings.append(Finding(Action.CREDIT_BACK, "online part refunded: the wallet share goes back"))
    elif classification.outcome is Outcome.FAILURE:
        findings.append(_mismatch(MismatchKind.SETTLED_BUT_FAILED, f"SETTLED here, Juspay {order.status}"))
    elif classification.outcome is not Outcome.SUCCESS and not fully_refunded:
        findings.append(
            _mismatch(MismatchKind.SETTLED_BUT_NOT_CHARGED, f"SETTLED here, Juspay {order.status}")
        )
    ours = {r.unique_request_id for r in refunds} | {i for r in refunds for i in r.attempt_ids}
    foreign = [r for r in order.refunds if r.unique_request_id not in ours]
    if foreign and not fully_refunded:
        findings.append(
            _mismatch(MismatchKind.REFUNDED_AT_JUSPAY, f"{len(foreign)} refund(s) not issued by paybridge")
        )
    return findings


def _cancelled(record: OrderRecord, order: Order, refunds: Sequence[RefundRecord]) -> list[Finding]:
    findings = []
    if record.amount_minor is not None and _order_minor(order) not in (None, record.amount_minor):
        findings.append(_mismatch(MismatchKind.AMOUNT_DIFFERS, "order amount differs from Juspay's"))
    refund_owed = not record.cod and bool(record.online_txn_id) and (record.online_minor or 0) > 0
    if refund_owed and not refunds and not order.refunds:
        findings.append(_mismatch(MismatchKind.REFUND_MISSING, "CANCELLED here, online part never refunded"))
    return findings


def _amounts(record: OrderRecord, order: Order, classification: Classification) -> list[Finding]:
    differences = []
    if record.amount_minor is not None and _order_minor(order) not in (None, record.amount_minor):
        differences.append("order amount")
    wallet = classification.wallet_txn
    currency = record.currency or order.currency or "INR"
    juspay_wallet = wallet.txn_amount if wallet is not None else None
    juspay_minor = to_minor(juspay_wallet, currency, strict=False) if juspay_wallet is not None else None
    if None not in (juspay_minor, record.wallet_minor) and juspay_minor != record.wallet_minor:
        differences.append("wallet share")
    if not differences:
        return []
    return [_mismatch(MismatchKind.AMOUNT_DIFFERS, " and ".join(differences) + " differ from Juspay's")]


def _order_minor(order: Order) -> int | None:
    try:
        return order.amount_minor
    except ValueError:
        return None


def _mismatch(kind: MismatchKind, found: str) -> Finding:
    return Finding(Action.REPORT, found, kind)
