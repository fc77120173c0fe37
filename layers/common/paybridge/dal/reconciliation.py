"""Reconciliation's own bookkeeping on the order record: which mismatches were already reported.

``reconciliation_mismatches`` is a string set of mismatch kinds. Adding a kind is conditional on it not being
there, so of two runs (or two overlapping windows) exactly one publishes a given (order, kind). The write
leaves ``touched_*`` alone: reporting a mismatch is not a change of the order.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from paybridge.dal.dynamo import update_if

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

MISMATCHES_ATTRIBUTE = "reconciliation_mismatches"


class MismatchMarks:
    """Claims and releases the report of one mismatch kind of one order."""

    def __init__(self, client: DynamoDBClient, table_name: str) -> None:
        self._client = client
        self.table_name = table_name

    def claim(self, order_id: str, kind: str) -> bool:
        """True if this caller is the first to report ``kind`` for the order (it must publish it now)."""
        return update_if(
            self._client,
            table_name=self.table_name,
            key={"order_id": order_id},
            expression=f"ADD {MISMATCHES_ATTRIBUTE} :kinds",
            condition=(
                f"attribute_exists(order_id) AND (attribute_not_exists({MISMATCHES_ATTRIBUTE})"
                f" OR NOT contains({MISMATCHES_ATTRIBUTE}, :kind))"
            ),
            values={":kinds": {kind}, ":kind": kind},
        )

    def release(self, order_id: str, kind: str) -> None:
        """Gives a claim back after a failed publish, so the next run reports the mismatch again."""
        self._client.update_item(
            TableName=self.table_name,
            Key={"order_id": {"S": order_id}},
            UpdateExpression=f"DELETE {MISMATCHES_ATTRIBUTE} :kinds",
            ExpressionAttributeValues={":kinds": {"SS": [kind]}},
        )
