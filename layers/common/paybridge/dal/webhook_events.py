"""The webhook events table: what Juspay sent, keyed by Juspay's event id, and the de-duplication of it.

Each event id has one *event item* (sort key ``EVENT_KEY``): the first body received under that id, its hash,
its status and, while a delivery publishes it, that delivery's lease. Writing it (one conditional PutItem) is
the de-duplication: only the delivery that creates it (or takes over a lease its holder gave up or outlived)
publishes. A different body under the same id (which Juspay should never send) is kept beside it under its
own hash as sort key, so nothing received is lost.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from paybridge.dal.dynamo import error_code, from_item, to_item, update_if

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

#: Sort key of an event id's event item (never a hash: those are 64 hex digits).
EVENT_KEY = "event"

#: Recorded; being published by the lease holder, or given up (lease over): a resend takes it over.
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


@dataclass(frozen=True)
class StoredEvent:
    """The event item as a later delivery of the same id finds it."""

    body_sha256: str
    status: str
    #: Until when (epoch milliseconds) the delivery that holds the lease may still publish; 0 when none.
    lease_until_ms: int
    bus_event_id: str | None


class WebhookEventsRepository:
    """Reads and writes the webhook events table."""

    def __init__(
        self, client: DynamoDBClient, table_name: str, *, retention: timedelta, dedup: timedelta
    ) -> None:
        self._client = client
        self.table_name = table_name
        # The event item is the de-duplication record too, so it lives as long as the longer of the two.
        self._keep = max(retention, dedup)
        self._dedup = dedup

    def claim(
        self, webhook: ReceivedWebhook, *, status: str, now: datetime, lease: timedelta, token: str
    ) -> StoredEvent | None:
        """The de-duplication write: stores the event item unless one is there that still counts.

        One conditional PutItem. It succeeds (None: this delivery now holds the event under ``token`` for
        ``lease``) when the id is new, when the item is older than the de-duplication window, or when the
        same body's earlier delivery gave up or outlived its lease without publishing. Otherwise the item
        found is returned (read by the same call), and nothing is written.
        """
        now_ms = _ms(now)
        item: dict[str, Any] = {
            "event_id": {"S": webhook.event_id},
            "body_sha256": {"S": EVENT_KEY},
            "sha256": {"S": webhook.body_sha256},
            "event_name": {"S": webhook.event_name},
            "body": {"S": webhook.body},
            "status": {"S": status},
            "received_at": {"S": now.isoformat()},
            "deliveries": {"N": "1"},
            "lease_until": {"N": str(now_ms + int(lease.total_seconds() * 1000))},
            "lease_token": {"S": token},
            "dedup_until": {"N": str(now_ms + int(self._dedup.total_seconds() * 1000))},
            "expires_at": {"N": str(int((now + self._keep).timestamp()))},
        }
        if webhook.order_id is not None:
            item["order_id"] = {"S": webhook.order_id}
        if webhook.customer_id is not None:
            item["customer_id"] = {"S": webhook.customer_id}
        try:
            self._client.put_item(
                TableName=self.table_name,
                Item=item,
                ConditionExpression="attribute_not_exists(event_id) OR dedup_until < :now "
                "OR (#status = :received AND sha256 = :sha AND lease_until < :now)",
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues={
                    ":now": {"N": str(now_ms)},
                    ":received": {"S": STATUS_RECEIVED},
                    ":sha": {"S": webhook.body_sha256},
                },
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except Exception as exc:
            if error_code(exc) != "ConditionalCheckFailedException":
                raise
            found = from_item(getattr(exc, "response", {}).get("Item") or {})
            return StoredEvent(
                body_sha256=str(found.get("sha256", "")),
                status=str(found.get("status", "")),
                lease_until_ms=int(found.get("lease_until", 0)),
                bus_event_id=found.get("bus_event_id"),
            )
        return None

    def mark_published(self, event_id: str, token: str, *, bus_event_id: str, now: datetime) -> bool:
        """Notes that the event is on the bus, so later deliveries are duplicates. False when ``token`` no
        longer holds the event (its lease was taken over)."""
        return update_if(
            self._client,
            table_name=self.table_name,
            key={"event_id": event_id, "body_sha256": EVENT_KEY},
            expression="SET #status = :published, published_at = :now, bus_event_id = :bus "
            "REMOVE lease_until, lease_token",
            condition="lease_token = :token",
            values={
                ":published": STATUS_PUBLISHED,
                ":now": now.isoformat(),
                ":bus": bus_event_id,
                ":token": token,
            },
            names={"#status": "status"},
        )

    def release(self, event_id: str, token: str) -> bool:
        """Gives the lease up after a failed publish, so the resend takes the event over at once."""
        return update_if(
            self._client,
            table_name=self.table_name,
            key={"event_id": event_id, "body_sha256": EVENT_KEY},
            expression="SET lease_until = :zero",
            condition="lease_token = :token AND #status = :received",
            values={":zero": 0, ":token": token, ":received": STATUS_RECEIVED},
            names={"#status": "status"},
        )

    def mark_unpublishable(self, event_id: str, token: str) -> bool:
        """Notes that the bus refuses the event as it stands: later deliveries are answered so, not resent."""
        return update_if(
            self._client,
            table_name=self.table_name,
            key={"event_id": event_id, "body_sha256": EVENT_KEY},
            expression="SET #status = :unpublishable REMOVE lease_until, lease_token",
            condition="lease_token = :token",
            values={":unpublishable": STATUS_UNPUBLISHABLE, ":token": token},
            names={"#status": "status"},
        )

    def record_conflict(self, webhook: ReceivedWebhook, *, now: datetime) -> int:
        """Keeps a body that differs from the event's under its own hash, counting its deliveries.

        One UpdateItem, so a resend of the same conflicting body updates the same item. Returns the count.
        """
        values: dict[str, Any] = {
            ":name": webhook.event_name,
            ":body": webhook.body,
            ":sha": webhook.body_sha256,
            ":now": now.isoformat(),
            ":exp": int((now + self._keep).timestamp()),
            ":status": STATUS_CONFLICT,
            ":one": 1,
        }
        sets = [
            "event_name = :name",
            "body = :body",
            "sha256 = :sha",
            "received_at = if_not_exists(received_at, :now)",
            "last_received_at = :now",
            "expires_at = :exp",
            "#status = :status",
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

    def get(self, event_id: str, body_sha256: str = EVENT_KEY) -> dict[str, Any] | None:
        """One stored item (the event item by default) with its bookkeeping, or None."""
        response = self._client.get_item(
            TableName=self.table_name,
            Key=to_item({"event_id": event_id, "body_sha256": body_sha256}),
            ConsistentRead=True,
        )
        item = response.get("Item")
        return from_item(item) if item else None

    def versions(self, event_id: str) -> list[dict[str, Any]]:
        """Every item stored under one event id: the event item and any conflicting bodies."""
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


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)
