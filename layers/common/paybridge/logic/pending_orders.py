"""Pending orders: the pure policy of the pending-order state machine, and the release path settlement calls.

An order whose online part is still pending (NEW, STARTED, PENDING_VBV, VBV_SUCCESSFUL, AUTHORIZING) is
followed by one Standard state machine execution per order (``statemachines/pending_order.asl.json``). It
waits with a backoff schedule, but through a callback task, so a webhook that settles the order meanwhile
ends the wait at once: settlement calls ``release_pending_order`` after it has processed a terminal status.

Everything here except ``release_pending_order`` is pure and is what the unit tests pin down: the execution
name derived from the order id and the follow number, the pending/terminal test, whether an order has a
payment attempt, and whether a closed follow may be followed again. The schedule is in
``pending_order_schedule``.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal

from paybridge import jsonutil
from paybridge.dal.dynamo import error_code
from paybridge.logic.classify_order import FAILURE_STATUSES, PENDING_STATUSES, normalise_status
from paybridge.models.juspay import Order
from paybridge.observability import MetricUnit, logger, metrics

if TYPE_CHECKING:
    from mypy_boto3_stepfunctions import SFNClient

    from paybridge.dal.pending_orders import PendingOrdersRepository

__all__ = [
    "DETAIL_ORDER_ABANDONED",
    "DETAIL_ORDER_STALE",
    "DETAIL_PENDING_ORDER_FAILED",
    "DETAIL_PENDING_ORDER_RESOLVED",
    "ReleaseResult",
    "execution_name",
    "has_attempt",
    "is_pending",
    "may_follow_again",
    "release_pending_order",
]

#: Domain events (source ``paybridge``) this feature publishes.
DETAIL_PENDING_ORDER_RESOLVED = "PendingOrderResolved"
DETAIL_ORDER_STALE = "OrderStale"
DETAIL_PENDING_ORDER_FAILED = "PendingOrderFailed"
DETAIL_ORDER_ABANDONED = "OrderAbandoned"

#: Step Functions execution names: 1-80 characters of letters, digits, ``-`` and ``_``.
_NAME_UNSAFE = re.compile(r"[^A-Za-z0-9_-]")
_NAME_PREFIX_CHARS = 40
_NAME_HASH_CHARS = 20
#: SendTaskSuccess answers these when the wait already ended (timed out, polled, finished): nothing to do.
_WAIT_ALREADY_OVER = frozenset({"TaskDoesNotExist", "TaskTimedOut", "InvalidToken"})


def execution_name(order_id: str, follow: int = 1) -> str:
    """The execution name of an order's ``follow``-th follow: the same every time, so a second start of the
    same follow is refused by Step Functions, while a later follow (a new attempt) gets a new name.

    Readable (the order id's safe characters, cut to 40), unique (80 bits of the id's SHA-256, so ids that
    differ only in unsafe characters or past 40 characters do not collide), then ``-f<follow>``. At most 80
    characters.
    """
    if not order_id:
        raise ValueError("order_id must not be empty")
    if follow < 1:
        raise ValueError("follow must be >= 1")
    readable = _NAME_UNSAFE.sub("_", order_id)[:_NAME_PREFIX_CHARS]
    digest = hashlib.sha256(order_id.encode("utf-8")).hexdigest()[:_NAME_HASH_CHARS]
    return f"{readable}-{digest}-f{follow}"


def is_pending(order: Order) -> bool:
    """True while the order's online part is in progress; anything else is terminal for this machine.

    The same status strings settlement's classifier calls PENDING (``classify_order.PENDING_STATUSES``), so
    a terminal order handed over is classified there exactly as a webhook's would be; unknown statuses are
    handed over too (settlement records them and moves no money) rather than polled until the deadline.
    """
    return normalise_status(order.status) in PENDING_STATUSES


def has_attempt(order: Order) -> bool:
    """True once the customer started paying: a transaction exists, or the status is past NEW."""
    return bool(order.transactions()) or normalise_status(order.status) not in ("", "NEW")


def may_follow_again(resolved_status: str | None) -> bool:
    """Whether an order resolved with ``resolved_status`` can still take a new payment attempt.

    A failed attempt does not end a Juspay order (the next attempt may succeed), and an empty status says
    nothing; any other terminal status (charged, refunded, voided, unknown strings) closes the order.
    """
    status = normalise_status(resolved_status)
    return not status or status in FAILURE_STATUSES


# --- Release: settlement processed a terminal status, so any wait for that order ends now -------------------
@dataclass(frozen=True)
class ReleaseResult:
    """What ``release_pending_order`` did."""

    #: ``released``: a waiting execution was told; ``recorded``: no wait in progress, the outcome is noted
    #: so a wait about to start ends at once; ``already_resolved``: nothing to do.
    action: Literal["released", "recorded", "already_resolved"]
    execution_arn: str | None = None


def release_pending_order(
    order_id: str,
    outcome: dict[str, Any],
    *,
    repository: PendingOrdersRepository,
    sfn_client: SFNClient,
    now: datetime,
    retention: timedelta = timedelta(days=7),
) -> ReleaseResult:
    """Ends the pending-order wait for ``order_id`` because settlement processed a terminal status for it.

    ``outcome`` is what the waiting task receives (at least ``status``; JSON-safe, ids and statuses only).
    Marks the order RESOLVED (by webhook) and, if an execution is waiting on a task token, sends it
    ``SendTaskSuccess`` so the execution ends without another status poll. Safe to call for every terminal
    order: with no execution the outcome is just noted (kept ``retention``), so an execution that starts
    late ends at its first step. A token that is no longer valid (the wait timed out or ended) is ignored.
    """
    record = repository.resolve_by_webhook(
        order_id, str(outcome.get("status") or ""), now=now, retention=retention
    )
    if record is None:
        return ReleaseResult("already_resolved")
    token = record.get("task_token")
    execution_arn = record.get("execution_arn")
    if not token:
        return ReleaseResult("recorded", execution_arn)
    released = send_outcome(
        sfn_client, str(token), {**outcome, "order_id": order_id, "resolved_by": "webhook"}
    )
    if released:
        metrics.add_metric(name="PendingOrderReleasedByWebhook", unit=MetricUnit.Count, value=1)
        return ReleaseResult("released", execution_arn)
    return ReleaseResult("recorded", execution_arn)


def send_outcome(sfn_client: SFNClient, task_token: str, outcome: dict[str, Any]) -> bool:
    """``SendTaskSuccess`` with ``outcome``; False when the wait had already ended (nothing to release)."""
    try:
        sfn_client.send_task_success(taskToken=task_token, output=jsonutil.dumps(outcome))
    except Exception as exc:
        if error_code(exc) in _WAIT_ALREADY_OVER:
            logger.info("pending-order wait already over", extra={"error_code": error_code(exc)})
            return False
        raise
    return True
