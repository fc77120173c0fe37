"""The orders table's ``ByTouchedHour`` index: every write to an order record also notes when it happened.

Reconciliation reads "every order touched in a time window" from this index instead of scanning the table:
``touched_hour`` (UTC ``YYYY-MM-DDTHH``) is the index's hash key and ``touched_at`` (UTC ISO 8601) its range
key, so a window is one query per hour it spans. Only the order's *last* write counts: an order touched
again later is found in the later window.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from paybridge.dal.dynamo import from_item, to_item

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

TOUCHED_INDEX = "ByTouchedHour"
#: The update expression part every order-record write adds (values from ``touched_values``).
TOUCH_SET = "touched_hour = :touched_hour, touched_at = :touched_at"


def touched_values(now: datetime) -> dict[str, str]:
    """``:touched_hour`` and ``:touched_at`` for ``TOUCH_SET`` (always UTC, so strings sort as times)."""
    moment = now.astimezone(UTC)
    return {":touched_hour": moment.strftime("%Y-%m-%dT%H"), ":touched_at": moment.isoformat()}


def touched_order_ids(
    client: DynamoDBClient, table_name: str, *, since: datetime, until: datetime
) -> Iterator[str]:
    """Ids of the orders whose last write is in ``[since, until]``, oldest hour first (paginated queries)."""
    start, end = since.astimezone(UTC), until.astimezone(UTC)
    hour = start.replace(minute=0, second=0, microsecond=0)
    while hour <= end:
        kwargs: dict[str, Any] = {
            "TableName": table_name,
            "IndexName": TOUCHED_INDEX,
            "KeyConditionExpression": "touched_hour = :hour AND touched_at BETWEEN :since AND :until",
            "ExpressionAttributeValues": to_item(
                {
                    ":hour": hour.strftime("%Y-%m-%dT%H"),
                    ":since": start.isoformat(),
                    ":until": end.isoformat(),
                }
            ),
        }
        while True:
            page = client.query(**kwargs)
            for item in page.get("Items", []):
                yield str(from_item(item)["order_id"])
            if "LastEvaluatedKey" not in page:
                break
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        hour += timedelta(hours=1)
