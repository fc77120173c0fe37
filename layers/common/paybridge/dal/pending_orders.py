"""The pending orders table: one item per order followed by the pending-order state machine (pk order_id).

It holds the task token of the wait in progress, so settlement can end that wait, and the order's
pending-tracking state: WAITING → RESOLVED (by poll or webhook) | STALE (deadline passed) | FAILED.
Every transition is a conditional write, so a webhook resolution and a poll racing each other agree on one
outcome, and RESOLVED is final. Items expire (DynamoDB TTL ``expires_at``) a retention period after the
deadline or the resolution.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from paybridge.dal.dynamo import error_code, from_item, to_item, update_if

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

STATUS_WAITING = "WAITING"
STATUS_RESOLVED = "RESOLVED"
STATUS_STALE = "STALE"
STATUS_FAILED = "FAILED"

RESOLVED_BY_POLL = "poll"
RESOLVED_BY_WEBHOOK = "webhook"

_CONDITION_FAILED = "ConditionalCheckFailedException"


def _epoch(moment: datetime) -> int:
    return int(moment.timestamp())


class PendingOrdersRepository:
    """Reads and writes the pending orders table."""

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

    def record_wait(
        self,
        order_id: str,
        *,
        task_token: str,
        execution_arn: str,
        customer_id: str | None,
        started_at: datetime,
        deadline_at: datetime,
        wait_seconds: int,
        polls: int,
        now: datetime,
    ) -> bool:
        """Stores the token of the wait starting now. False when the order is no longer WAITING (a webhook
        resolved it before this wait began): the caller ends the wait itself."""
        values: dict[str, Any] = {
            ":token": task_token,
            ":execution": execution_arn,
            ":started": started_at.isoformat(),
            ":deadline": deadline_at.isoformat(),
            ":wait": wait_seconds,
            ":polls": polls,
            ":now": now.isoformat(),
            ":waiting": STATUS_WAITING,
            ":expires": _epoch(max(deadline_at, now) + self._retention),
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
            condition="attribute_not_exists(order_id) OR #status = :waiting",
        )

    def record_poll(
        self, order_id: str, *, polls: int, status: str, deadline_at: datetime, now: datetime
    ) -> bool:
        """Notes a poll that found the order still pending. False when it is no longer WAITING.

        The poll may be the first write for the order: a wait can time out before its task stored anything
        (its Lambda invocation was late), so the item is created WAITING, with its expiry, for the next
        wait to take over.
        """
        return self._update(
            order_id,
            "SET #status = :waiting, polls = :polls, last_status = :last, last_polled_at = :now, "
            "expires_at = if_not_exists(expires_at, :expires) REMOVE task_token",
            {
                ":polls": polls,
                ":last": status,
                ":now": now.isoformat(),
                ":waiting": STATUS_WAITING,
                ":expires": _epoch(max(deadline_at, now) + self._retention),
            },
            condition="attribute_not_exists(order_id) OR #status = :waiting",
        )

    def resolve_by_poll(self, order_id: str, *, status: str, polls: int, now: datetime) -> bool:
        """Marks the order RESOLVED by a poll. False when a webhook resolved it first (nothing to hand over).

        Repeatable by the poll itself (a retried task re-marks and re-publishes), never over a webhook's
        resolution.
        """
        return self._update(
            order_id,
            "SET #status = :resolved, resolved_by = :poll, resolved_status = :last, last_status = :last, "
            "polls = :polls, resolved_at = :now, expires_at = :expires REMOVE task_token",
            {
                ":resolved": STATUS_RESOLVED,
                ":poll": RESOLVED_BY_POLL,
                ":last": status,
                ":polls": polls,
                ":now": now.isoformat(),
                ":expires": _epoch(now + self._retention),
            },
            condition="attribute_not_exists(order_id) OR #status <> :resolved OR resolved_by = :poll",
        )

    def resolve_by_webhook(
        self, order_id: str, status: str, *, now: datetime, retention: timedelta | None = None
    ) -> dict[str, Any] | None:
        """Marks the order RESOLVED by a webhook; returns the item as it was before (``{}`` if there was
        none, so no execution exists yet), or None if it was already RESOLVED."""
        keep = retention if retention is not None else self._retention
        try:
            response = self._client.update_item(
                TableName=self.table_name,
                Key=to_item({"order_id": order_id}),
                UpdateExpression=(
                    "SET #status = :resolved, resolved_by = :webhook, resolved_status = :status, "
                    "resolved_at = :now, expires_at = :expires REMOVE task_token"
                ),
                ConditionExpression="attribute_not_exists(order_id) OR #status <> :resolved",
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues=to_item(
                    {
                        ":resolved": STATUS_RESOLVED,
                        ":webhook": RESOLVED_BY_WEBHOOK,
                        ":status": status,
                        ":now": now.isoformat(),
                        ":expires": _epoch(now + keep),
                    }
                ),
                ReturnValues="ALL_OLD",
            )
        except Exception as exc:
            if error_code(exc) == _CONDITION_FAILED:
                return None
            raise
        return from_item(response.get("Attributes", {}))

    def mark_stale(self, order_id: str, *, status: str, polls: int, now: datetime) -> bool:
        """Marks the order STALE (deadline passed, still pending). False when it was RESOLVED meanwhile."""
        return self._update(
            order_id,
            "SET #status = :stale, last_status = :last, polls = :polls, stale_at = :now, "
            "expires_at = :expires REMOVE task_token",
            {
                ":stale": STATUS_STALE,
                ":resolved": STATUS_RESOLVED,
                ":last": status,
                ":polls": polls,
                ":now": now.isoformat(),
                ":expires": _epoch(now + self._retention),
            },
            condition="attribute_not_exists(order_id) OR #status <> :resolved",
        )

    def mark_failed(self, order_id: str, *, error: str, now: datetime) -> bool:
        """Records that following the order failed (``error`` is an error class name). False when the order
        was RESOLVED meanwhile (the failure no longer matters for it)."""
        return self._update(
            order_id,
            "SET #status = :failed, failure = :error, failed_at = :now, expires_at = :expires "
            "REMOVE task_token",
            {
                ":failed": STATUS_FAILED,
                ":resolved": STATUS_RESOLVED,
                ":error": error,
                ":now": now.isoformat(),
                ":expires": _epoch(now + self._retention),
            },
            condition="attribute_not_exists(order_id) OR #status <> :resolved",
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
