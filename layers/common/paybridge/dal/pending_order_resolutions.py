"""A webhook's side of the pending orders table: marking an order RESOLVED by a webhook, on its own
(``resolve_by_webhook``) or inside settlement's debit transaction (``resolution_update``).

``PendingOrdersRepository`` inherits these; the follow's own writes (open, wait, poll, end) stay there.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from paybridge.dal.dynamo import epoch_seconds, error_code, from_item, to_item
from paybridge.models.pending_order import RESOLVED_BY_WEBHOOK, STATUS_RESOLVED

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

__all__ = ["WebhookResolutions"]


class WebhookResolutions:
    """Webhook resolutions of the pending orders table; ``PendingOrdersRepository`` inherits them."""

    _client: DynamoDBClient
    table_name: str
    _retention: timedelta

    def resolve_by_webhook(
        self, order_id: str, status: str, *, now: datetime, retention: timedelta | None = None
    ) -> dict[str, Any] | None:
        """Marks the order RESOLVED by a webhook; returns the item as it was before (``{}`` if there was
        none, so no execution exists yet), or None if it was already RESOLVED."""
        expression, values = self._webhook_resolution(status, now, retention)
        try:
            response = self._client.update_item(
                TableName=self.table_name,
                Key=to_item({"order_id": order_id}),
                UpdateExpression=expression,
                ConditionExpression="attribute_not_exists(order_id) OR #status <> :resolved",
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues=to_item(values),
                ReturnValues="ALL_OLD",
            )
        except Exception as exc:
            if error_code(exc) == "ConditionalCheckFailedException":
                return None
            raise
        return from_item(response.get("Attributes", {}))

    def resolution_update(self, order_id: str, status: str, *, now: datetime) -> dict[str, Any]:
        """The ``TransactItems`` entry doing what ``resolve_by_webhook`` does for an order never followed
        (settlement's debit carries it): it fails when an item appeared since the caller read none."""
        expression, values = self._webhook_resolution(status, now, None)
        return {
            "Update": {
                "TableName": self.table_name,
                "Key": to_item({"order_id": order_id}),
                "UpdateExpression": expression,
                "ConditionExpression": "attribute_not_exists(order_id)",
                "ExpressionAttributeNames": {"#status": "status"},
                "ExpressionAttributeValues": to_item(values),
            }
        }

    def _webhook_resolution(
        self, status: str, now: datetime, retention: timedelta | None
    ) -> tuple[str, dict[str, Any]]:
        keep = retention if retention is not None else self._retention
        expression = (
            "SET #status = :resolved, resolved_by = :webhook, resolved_status = :status, "
            "resolved_at = :now, expires_at = :expires REMOVE task_token"
        )
        values = {
            ":resolved": STATUS_RESOLVED,
            ":webhook": RESOLVED_BY_WEBHOOK,
            ":status": status,
            ":now": now.isoformat(),
            ":expires": epoch_seconds(now + keep),
        }
        return expression, values
