"""Small helpers shared by the repositories: typed (de)serialisation with Decimal numbers."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer

_serializer = TypeSerializer()
_deserializer = TypeDeserializer()


def to_item(values: Mapping[str, Any]) -> dict[str, Any]:
    """Python values (str, int, Decimal, bool, None, dict, list) → DynamoDB attribute values."""
    return {key: _serializer.serialize(value) for key, value in values.items()}


def from_item(item: Mapping[str, Any]) -> dict[str, Any]:
    """DynamoDB attribute values → Python values (numbers come back as ``Decimal``)."""
    return {key: _deserializer.deserialize(value) for key, value in item.items()}


def epoch_seconds(moment: datetime) -> int:
    """A moment as whole epoch seconds: what a DynamoDB TTL attribute (``expires_at``) holds."""
    return int(moment.timestamp())


def error_code(exc: Exception) -> str:
    """The AWS error code of a botocore ``ClientError`` (empty for anything else)."""
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        return str(response.get("Error", {}).get("Code", ""))
    return ""


def update_if(
    client: Any,
    *,
    table_name: str,
    key: Mapping[str, Any],
    expression: str,
    condition: str,
    values: Mapping[str, Any],
    names: Mapping[str, str] | None = None,
) -> bool:
    """UpdateItem under a condition. False when the condition does not hold; any other error raises."""
    kwargs: dict[str, Any] = {
        "TableName": table_name,
        "Key": to_item(key),
        "UpdateExpression": expression,
        "ConditionExpression": condition,
        "ExpressionAttributeValues": to_item(values),
    }
    if names:
        kwargs["ExpressionAttributeNames"] = dict(names)
    try:
        client.update_item(**kwargs)
    except Exception as exc:
        if error_code(exc) == "ConditionalCheckFailedException":
            return False
        raise
    return True
