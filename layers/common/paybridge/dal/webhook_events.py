"""The webhook events table: every delivery body Juspay sent, keyed by Juspay's event id and body hash.

The first body of an event id is the event; a different body under the same id (which Juspay should never
send) is kept beside it under its own hash, so nothing received is lost.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from paybridge.dal.dynamo import from_item, to_item

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

STATUS_RECEIVED = "RECEIVED"
STATUS_PUBLISHED = "PUBLISHED"
STATUS_CONFLICT = "CONFLICT"
#: Valid JSON that EventBridge refuses (and always will): kept for a person, never resent by Juspay.
STATUS_UNPUBLISHABLE = "UNPUBLISHABLE"


@dataclass(frozen=True)
class ReceivedWebhook:
    """What is recorded about one delivery body."""

    event_id: str
    body_sha256: str
    event_name: str
    body: str
    order_id: str | None = None
    customer_id: str | None = None


class WebhookEventsRepository:
    """Reads and writes the webhook events table."""

    def __init__(self, client: DynamoDBClient, table_name: str, *, retention: timedelta) -> None:
        self._client = client
        self.table_name = table_name
        self._retention = retention

    def record(self, webhook: ReceivedWebhook, *, status: str, now: datetime) -> int:
        """Stores the body (first receipt time kept) and counts the delivery. Returns the delivery count.

        One UpdateItem, so a resend of a half-done delivery simply updates the same item.
        """
        expires_at = int((now + self._retention).timestamp())
        values: dict[str, Any] = {
            ":name": webhook.event_name,
            ":body": webhook.body,
            ":now": now.isoformat(),
            ":exp": expires_at,
            ":status": status,
            ":one": 1,
        }
        sets = [
            "event_name = :name",
            "body = :body",
            "received_at = if_not_exists(received_at, :now)",
            "last_received_at = :now",
            "expires_at = :exp",
            "#status = if_not_exists(#status, :status)",
        ]
        for attribute in ("order_id", "customer_id"):
            value = getattr(webhook, attribute)
            if value is not None:
                values[f":{attribute}"] = value
                sets.append(f"{attribute} = :{attribute}")
        response = self._client.update_item(
            TableName=self.table_name,
            Key=to_item({"event_id": webhook.event_id, "body_sha256": webhook.body_sha256}),
            UpdateExpression="SET " + ", ".join(sets) + " ADD deliveries :one",
            ExpressionAttributeNames={"#status": "status"},
            ExpressionAttributeValues=to_item(values),
            ReturnValues="UPDATED_NEW",
        )
        return int(from_item(response.get("Attributes", {})).get("deliveries", 1))

    def mark_published(self, event_id: str, body_sha256: str, *, bus_event_id: str, now: datetime) -> None:
        """Notes that the event is on the bus (informational: the idempotency record is the guard)."""
        self._client.update_item(
            TableName=self.table_name,
            Key=to_item({"event_id": event_id, "body_sha256": body_sha256}),
            UpdateExpression="SET #status = :published, published_at = :now, bus_event_id = :bus",
            ExpressionAttributeNames={"#status": "status"},
            ExpressionAttributeValues=to_item(
                {":published": STATUS_PUBLISHED, ":now": now.isoformat(), ":bus": bus_event_id}
            ),
        )

    def get(self, event_id: str, body_sha256: str) -> dict[str, Any] | None:
        """One stored delivery body with its bookkeeping, or None."""
        response = self._client.get_item(
            TableName=self.table_name,
            Key=to_item({"event_id": event_id, "body_sha256": body_sha256}),
            ConsistentRead=True,
        )
        item = response.get("Item")
        return from_item(item) if item else None

    def versions(self, event_id: str) -> list[dict[str, Any]]:
        """Every body stored under one event id (normally one)."""
        response = self._client.query(
            TableName=self.table_name,
            KeyConditionExpression="event_id = :id",
            ExpressionAttributeValues=to_item({":id": event_id}),
            ConsistentRead=True,
        )
        return [from_item(item) for item in response.get("Items", [])]

    def for_order(self, order_id: str) -> list[dict[str, Any]]:
        """Every stored delivery about ``order_id`` (bodies left out), oldest first.

        A filtered Scan: the table has no index by order, so this reads the whole table (one read unit per
        4 KB). For an operator looking at one order (``paybridge_ops order show``), never for a hot path.
        """
        found: list[dict[str, Any]] = []
        kwargs: dict[str, Any] = {
            "TableName": self.table_name,
            "FilterExpression": "order_id = :order",
            "ExpressionAttributeValues": to_item({":order": order_id}),
            "ProjectionExpression": "event_id, event_name, #s, received_at, last_received_at, deliveries, "
            "published_at, bus_event_id, order_id",
            "ExpressionAttributeNames": {"#s": "status"},
        }
        while True:
            page = self._client.scan(**kwargs)
            found.extend(from_item(item) for item in page.get("Items", []))
            if "LastEvaluatedKey" not in page:
                break
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        return sorted(found, key=lambda item: str(item.get("received_at", "")))
