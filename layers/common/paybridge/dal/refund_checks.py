"""The refund sweep's side of the refunds table: which open refunds are due a check, and when next.

``OpenByNextCheck`` is a sparse GSI (hash ``sweep_key`` = ``OPEN``, range ``next_check_at`` in epoch
seconds, keys only): only open refunds carry those attributes, so "due now" is one Query, never a scan.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from paybridge.dal.dynamo import error_code, from_item, to_item
from paybridge.dal.refund_items import REFUND_PREFIX, SWEEP_OPEN, refund_sk
from paybridge.models.refund import RefundRecord

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

OPEN_BY_NEXT_CHECK_INDEX = "OpenByNextCheck"

__all__ = ["OPEN_BY_NEXT_CHECK_INDEX", "RefundChecks"]


class RefundChecks:
    """Schedule reads and writes; ``RefundsRepository`` inherits them."""

    _client: DynamoDBClient
    table_name: str

    def due_for_check(self, now_epoch: int, *, limit: int) -> list[tuple[str, int]]:
        """(order id, seq) of up to ``limit`` open refunds whose next check is at or before ``now_epoch``,
        the longest overdue first (GSI, eventually consistent: callers re-read each refund)."""
        found: list[tuple[str, int]] = []
        kwargs: dict[str, Any] = {
            "TableName": self.table_name,
            "IndexName": OPEN_BY_NEXT_CHECK_INDEX,
            "KeyConditionExpression": "sweep_key = :open AND next_check_at <= :now",
            "ExpressionAttributeValues": to_item({":open": SWEEP_OPEN, ":now": now_epoch}),
        }
        while len(found) < limit:
            kwargs["Limit"] = limit - len(found)
            response = self._client.query(**kwargs)
            for item in response.get("Items", []):
                values = from_item(item)
                found.append((values["order_id"], int(values["sk"].removeprefix(REFUND_PREFIX))))
            if "LastEvaluatedKey" not in response:
                break
            kwargs["ExclusiveStartKey"] = response["LastEvaluatedKey"]
        return found

    def reschedule(self, record: RefundRecord, *, checks: int, next_check_at: int, now: str) -> bool:
        """Sets the refund's next check, if it is still where ``record`` saw it (False otherwise)."""
        try:
            self._client.update_item(
                TableName=self.table_name,
                Key=to_item({"order_id": record.order_id, "sk": refund_sk(record.seq)}),
                UpdateExpression=(
                    "SET sweep_key = :open, next_check_at = :next, checks = :checks, last_check_at = :now"
                ),
                ConditionExpression="#status = :seen_status AND unique_request_id = :seen_uid",
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues=to_item(
                    {
                        ":open": SWEEP_OPEN,
                        ":next": next_check_at,
                        ":checks": checks,
                        ":now": now,
                        ":seen_status": record.status,
                        ":seen_uid": record.unique_request_id,
                    }
                ),
            )
        except ClientError as exc:
            if error_code(exc) == "ConditionalCheckFailedException":
                return False
            raise
        return True
