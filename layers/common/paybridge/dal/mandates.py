"""The mandates table: the last known state of each mandate, kept current by mandate webhooks and calls."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from paybridge.dal.dynamo import from_item, to_item
from paybridge.models.mandate import MandateSummary

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient


class MandatesRepository:
    """Reads and writes the mandates table (pk ``mandate_id``)."""

    def __init__(self, client: DynamoDBClient, table_name: str) -> None:
        self._client = client
        self.table_name = table_name

    def save(self, mandate: MandateSummary, *, source: str, now: datetime) -> None:
        """Stores what Juspay just confirmed; ``source`` says what prompted it (event name or call)."""
        values: dict[str, Any] = {k: v for k, v in mandate.model_dump().items() if v is not None}
        values.update({"updated_at": now.isoformat(), "source": source})
        self._client.put_item(TableName=self.table_name, Item=to_item(values))

    def customer_of(self, mandate_id: str) -> str | None:
        """The customer a stored mandate belongs to (Juspay's routing id for its calls), or None."""
        record = self.get(mandate_id)
        customer = record.get("customer_id") if record else None
        return str(customer) if customer else None

    def get(self, mandate_id: str) -> dict[str, Any] | None:
        """The stored mandate record, or None."""
        item = self._client.get_item(
            TableName=self.table_name, Key=to_item({"mandate_id": mandate_id}), ConsistentRead=True
        ).get("Item")
        return from_item(item) if item else None
