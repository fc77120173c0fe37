"""The pending orders table: one item per order followed by the pending-order state machine (pk order_id).

It holds the task token of the wait in progress, so settlement can end that wait, and the order's
pending-tracking state (``models/pending_order.py``): WAITING → RESOLVED (by poll or webhook) | STALE |
FAILED | ABANDONED. ``follow`` numbers the follows of one order: a follow that ended may be followed by
another (a new payment attempt), opened with a conditional write so concurrent starts agree on one. Every
write of a follow's execution is conditioned on its ``follow``, so a superseded execution cannot touch its
successor's state; a webhook resolution and a poll racing each other agree on one outcome. Items expire
(DynamoDB TTL ``expires_at``) a retention period after the deadline or the resolution.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from paybridge.dal.dynamo import epoch_seconds, from_item, to_item, update_if
from paybridge.dal.pending_order_resolutions import WebhookResolutions
from paybridge.models.pending_order import (
    RESOLVED_BY_POLL,
    STATUS_ABANDONED,
    STATUS_FAILED,
    STATUS_RESOLVED,
    STATUS_STALE,
    STATUS_WAITING,
)

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

__all__ = ["PendingOrdersRepository"]


class PendingOrdersRepository(WebhookResolutions):
    """Reads and writes the pending orders table (webhook resolutions: ``WebhookResolutions``)."""

    def __init__(self, client: DynamoDBClient, table_name: str, *, retention: timedelta = timedelta(days=7)):
        self._client = client
        self.table_name = table_name
        self._retention = retention

    def get(self, order_id: str) -> dict[str, Any] | None:
        """The order's item (consistent read), or None."""
        response = self._client.get_item(
            TableName=self.table_name, Key=to_item({"order_id": order_id}), ConsistentRead=True
        )
        item = response.get("Item")
        return from_item(item) if item else None

    def open_follow(
        self,
        order_id: str,
        *,
        follow: int,
        seen: dict[str, Any] | None,
        customer_id: str | None,
        trigger: str,
        now: datetime,
        deadline_at: datetime,
    ) -> bool:
        """Opens follow number ``follow`` (WAITING) over the item as it was ``seen`` (None: no item).

        False when another writer changed the item since it was read (a concurrent start won): re-read.
        """
        values: dict[str, Any] = {
            ":follow": follow,
            ":waiting": STATUS_WAITING,
            ":now": now.isoformat(),
            ":deadline": deadline_at.isoformat(),
            ":zero": 0,
            ":trigger": trigger,
            ":expires": epoch_seconds(max(deadline_at, now) + self._retention),
        }
        sets = [
            "follow = :follow",
            "#status = :waiting",
            "started_at = :now",
            "deadline_at = :deadline",
            "polls = :zero",
            "follow_trigger = :trigger",
            "expires_at = :expires",
        ]
        if customer_id:
            values[":customer"] = customer_id
            sets.append("customer_id = :customer")
        # What the previous follow left behind is cleared; its outcome is history (events, metrics).
        cleared = (
            "task_token, resolved_by, resolved_status, resolved_at, failure, failed_at, stale_at, "
            "abandoned_at, last_status, last_polled_at, waiting_since, wait_seconds"
        )
        if seen is None:
            condition = "attribute_not_exists(order_id)"
        else:
            values[":seen_status"] = str(seen.get("status", ""))
            previous = int(seen.get("follow", 0))
            if previous:
                values[":previous"] = previous
                condition = "follow = :previous AND #status = :seen_status"
            else:
                condition = "attribute_not_exists(follow) AND #status = :seen_status"
        return self._update(
            order_id, "SET " + ", ".join(sets) + " REMOVE " + cleared, values, condition=condition
        )

    def record_wait(
        self,
        order_id: str,
        *,
        follow: int,
        task_token: str,
        execution_arn: str,
        customer_id: str | None,
        started_at: datetime,
        deadline_at: datetime,
        wait_seconds: int,
        polls: int,
        now: datetime,
    ) -> bool:
        """Stores the token of the wait starting now. False when this follow is no longer WAITING (a webhook
        resolved it before this wait began, or a later follow replaced it): the caller ends the wait."""
        values: dict[str, Any] = {
            ":follow": follow,
            ":token": task_token,
            ":execution": execution_arn,
            ":started": started_at.isoformat(),
            ":deadline": deadline_at.isoformat(),
            ":wait": wait_seconds,
            ":polls": polls,
            ":now": now.isoformat(),
            ":waiting": STATUS_WAITING,
            ":expires": epoch_seconds(max(deadline_at, now) + self._retention),
        }
        sets = [
            "task_token = :token",
            "execution_arn = :execution",
            "started_at = if_not_exists(started_at, :started)",
            "deadline_at = :deadline",
            "wait_seconds = :wait",
            "polls = :polls",
            "waiting_since = :now",
            "#status = :waiting",
            "expires_at = :expires",
        ]
        if customer_id:
            values[":customer"] = customer_id
            sets.append("customer_id = :customer")
        return self._update(
            order_id,
            "SET " + ", ".join(sets),
            values,
            condition="follow = :follow AND #status = :waiting",
        )

    def record_poll(
        self, order_id: str, *, follow: int, polls: int, status: str, deadline_at: datetime, now: datetime
    ) -> bool:
        """Notes a poll that found the order still pending (or not created yet). False when this follow is
        no longer WAITING.

        The follow's item was written when it was opened; a wait that timed out before its task stored
        anything (a late Lambda invocation) leaves it WAITING, so the next wait takes over.
        """
        return self._update(
            order_id,
            "SET polls = :polls, last_status = :last, last_polled_at = :now, "
            "expires_at = if_not_exists(expires_at, :expires) REMOVE task_token",
            {
                ":follow": follow,
                ":polls": polls,
                ":last": status,
                ":now": now.isoformat(),
                ":waiting": STATUS_WAITING,
                ":expires": epoch_seconds(max(deadline_at, now) + self._retention),
            },
            condition="follow = :follow AND #status = :waiting",
        )

    def resolve_by_poll(self, order_id: str, *, follow: int, status: str, polls: int, now: datetime) -> bool:
        """Marks the order RESOLVED by a poll. False when a webhook resolved it first (nothing to hand over).

        Repeatable by the poll itself (a retried task re-marks and re-publishes), never over a webhook's
        resolution.
        """
        return self._update(
            order_id,
            "SET #status = :resolved, resolved_by = :poll, resolved_status = :last, last_status = :last, "
            "polls = :polls, resolved_at = :now, expires_at = :expires REMOVE task_token",
            {
                ":follow": follow,
                ":resolved": STATUS_RESOLVED,
                ":poll": RESOLVED_BY_POLL,
                ":last": status,
                ":polls": polls,
                ":now": now.isoformat(),
                ":expires": epoch_seconds(now + self._retention),
            },
            condition="follow = :follow AND (#status <> :resolved OR resolved_by = :poll)",
        )

    def mark_stale(self, order_id: str, *, follow: int, status: str, polls: int, now: datetime) -> bool:
        """Marks the follow STALE (deadline passed, still pending). False when it was RESOLVED meanwhile."""
        return self._end(order_id, follow, STATUS_STALE, "stale_at", status=status, polls=polls, now=now)

    def mark_abandoned(self, order_id: str, *, follow: int, status: str, polls: int, now: datetime) -> bool:
        """Marks the follow ABANDONED (expired without a payment attempt). False when it was RESOLVED."""
        return self._end(
            order_id, follow, STATUS_ABANDONED, "abandoned_at", status=status, polls=polls, now=now
        )

    def _end(
        self, order_id: str, follow: int, final: str, stamp: str, *, status: str, polls: int, now: datetime
    ) -> bool:
        return self._update(
            order_id,
            f"SET #status = :final, last_status = :last, polls = :polls, {stamp} = :now, "
            "expires_at = :expires REMOVE task_token",
            {
                ":follow": follow,
                ":final": final,
                ":resolved": STATUS_RESOLVED,
                ":last": status,
                ":polls": polls,
                ":now": now.isoformat(),
                ":expires": epoch_seconds(now + self._retention),
            },
            condition="follow = :follow AND #status <> :resolved",
        )

    def mark_failed(self, order_id: str, *, follow: int, error: str, now: datetime) -> bool:
        """Records that following the order failed (``error`` is an error class name). False when the follow
        was RESOLVED meanwhile (the failure no longer matters for it) or replaced by a later follow."""
        return self._update(
            order_id,
            "SET #status = :failed, failure = :error, failed_at = :now, expires_at = :expires "
            "REMOVE task_token",
            {
                ":follow": follow,
                ":failed": STATUS_FAILED,
                ":resolved": STATUS_RESOLVED,
                ":error": error,
                ":now": now.isoformat(),
                ":expires": epoch_seconds(now + self._retention),
            },
            condition="follow = :follow AND #status <> :resolved",
        )

    def _update(self, order_id: str, expression: str, values: dict[str, Any], *, condition: str) -> bool:
        return update_if(
            self._client,
            table_name=self.table_name,
            key={"order_id": order_id},
            expression=expression,
            condition=condition,
            values=values,
            names={"#status": "status"},
        )
