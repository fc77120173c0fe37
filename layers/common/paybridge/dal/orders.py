"""The orders table: one settlement record per Juspay order (pk ``order_id``).

SETTLED, CANCELLED and REFUNDED are final: every write (the debit's own order update included) is
conditioned on the record not being in one of them, so a late or duplicate event can never reopen a settled
order, and a debit racing a REFUNDED record is decided by DynamoDB: whichever write lands first wins.
Other statuses (PENDING, FAILED, STALE, ...) may still change, because a failed or pending Juspay order can
still succeed on a later attempt.

The domain events of a status are derived from the record alone, and ``published_status`` says which
status's events are already on the bus: a status change and a claim to publish are written together, the
claimant publishes, then marks them published. A publisher that died is taken over once its claim is stale.
A settlement debit names its delivery instead (``settled_update(published_by=...)``): the transaction marks
the events published by that delivery, which publishes them at once; only a redelivery of the same event
publishes them again (``logic/settlement_events.py``), so no write follows the publish.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from paybridge.dal.dynamo import error_code, from_item, to_item, update_if
from paybridge.dal.order_record import (
    FINAL_STATUSES,
    ORDER_FIELDS,
    OrderRecord,
    OrderStatus,
    Transition,
    record_from_item,
)
from paybridge.dal.settlement_reads import SettlementRead, read_for_settlement
from paybridge.dal.touched import TOUCH_SET, touched_values

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

__all__ = ["FINAL_STATUSES", "OrderRecord", "OrderStatus", "OrdersRepository", "Transition"]


class OrdersRepository:
    """Reads and writes settlement records."""

    def __init__(self, client: DynamoDBClient, table_name: str) -> None:
        self._client = client
        self.table_name = table_name

    def get(self, order_id: str) -> OrderRecord | None:
        """The order's settlement record (strongly consistent), or None."""
        response = self._client.get_item(
            TableName=self.table_name, Key=to_item({"order_id": order_id}), ConsistentRead=True
        )
        item = response.get("Item")
        return record_from_item(from_item(item)) if item else None

    def read_for_settlement(
        self, order_id: str, *, customer_id: str, ledger_table: str, pending_table: str | None = None
    ) -> SettlementRead:
        """The order's record, ``customer_id``'s wallet and the pending-order item (with ``pending_table``)
        in one call (``dal/settlement_reads.py``)."""
        return read_for_settlement(
            self._client,
            orders_table=self.table_name,
            ledger_table=ledger_table,
            pending_table=pending_table,
            order_id=order_id,
            customer_id=customer_id,
        )

    def note_received(
        self, order_id: str, *, event_id: str | None, customer_id: str | None, now: datetime
    ) -> None:
        """Creates the record as RECEIVED on the first event (an existing status is kept)."""
        values: dict[str, Any] = {
            ":received": OrderStatus.RECEIVED.value,
            ":now": now.isoformat(),
            ":zero": 0,
            **touched_values(now),  # reconciliation finds the order even if Juspay was down (ByTouchedHour)
        }
        sets = [
            "#status = if_not_exists(#status, :received)",
            "created_at = if_not_exists(created_at, :now)",
            "updated_at = if_not_exists(updated_at, :now)",
            "version = if_not_exists(version, :zero)",
            "last_event_at = :now",
            TOUCH_SET,
        ]
        for name, value in (("last_event_id", event_id), ("customer_id", customer_id)):
            if value:
                values[f":{name}"] = value
                sets.append(
                    f"{name} = if_not_exists({name}, :{name})"
                    if name == "customer_id"
                    else f"{name} = :{name}"
                )
        self._client.update_item(
            TableName=self.table_name,
            Key=to_item({"order_id": order_id}),
            UpdateExpression="SET " + ", ".join(sets),
            ExpressionAttributeNames={"#status": "status"},
            ExpressionAttributeValues=to_item(values),
        )

    def record(
        self,
        order_id: str,
        status: OrderStatus,
        *,
        now: datetime,
        has_events: bool,
        fields: Mapping[str, Any] | None = None,
    ) -> Transition:
        """Moves the record to ``status`` unless it is final or already there.

        ``has_events``: the status has domain events to publish; the write then also claims publishing them
        (see ``claim_publication``); otherwise it is marked published at once.
        """
        update = self._status_update(order_id, status, now=now, has_events=has_events, fields=fields or {})
        try:
            response = self._client.update_item(**update, ReturnValues="ALL_NEW")
        except Exception as exc:
            if error_code(exc) != "ConditionalCheckFailedException":
                raise
            return Transition(False, self.get(order_id))
        return Transition(True, record_from_item(from_item(response["Attributes"])))

    def settled_update(
        self, order_id: str, *, now: datetime, fields: Mapping[str, Any], published_by: str | None = None
    ) -> dict[str, Any]:
        """The ``TransactItems`` entry that marks the order SETTLED inside the wallet debit's transaction.

        ``published_by``: the delivery (bus event) that settles and publishes at once; the events are marked
        published by it in the same write. Without it the write claims the publication (``record``).
        """
        update = self._status_update(
            order_id, OrderStatus.SETTLED, now=now, has_events=published_by is None, fields=fields
        )
        update["UpdateExpression"] += ", settled_at = :now"
        if published_by is not None:
            update["UpdateExpression"] += (
                # (``published_status = :status`` is set already: the write claims nothing.)
                ", published_by = :published_by REMOVE publish_claimed_at"
            )
            update["ExpressionAttributeValues"] |= to_item({":published_by": published_by})
        # The record comes back when the order closed meanwhile: no read to tell why.
        update["ReturnValuesOnConditionCheckFailure"] = "ALL_OLD"
        return {"Update": update}

    @staticmethod
    def settled_record(
        order_id: str, *, now: datetime, fields: Mapping[str, Any], published_by: str | None = None
    ) -> OrderRecord:
        """The record as ``settled_update`` leaves it, as far as that write sets it (attributes it does not
        touch, such as ``created_at``, ``version`` and the signed terms, are left empty): what the order's
        events are built from, without reading the record back."""
        values = {name: value for name, value in fields.items() if value is not None}
        return OrderRecord(
            order_id=order_id,
            status=OrderStatus.SETTLED,
            created_at="",
            updated_at=now.isoformat(),
            version=0,
            settled_at=now.isoformat(),
            published_status=OrderStatus.SETTLED.value if published_by is not None else None,
            publish_claimed_at=None if published_by is not None else now.isoformat(),
            published_by=published_by,
            **values,
        )

    def unmark_published(self, order_id: str, status: OrderStatus, *, published_by: str) -> None:
        """Takes back a mark ``settled_update(published_by=...)`` wrote when the publish failed: the next
        delivery, whichever it is, publishes under a claim (as ``record``'s statuses do), and the failed
        delivery's own retry is no longer the one that republishes."""
        self._conditional_update(
            order_id,
            "REMOVE published_status, published_by",
            "#status = :status AND published_by = :published_by AND published_status = :status",
            {":status": status.value, ":published_by": published_by},
        )

    def claim_publication(
        self, order_id: str, status: OrderStatus, *, now: datetime, stale_after: timedelta
    ) -> bool:
        """Claims publishing ``status``'s events: True if nobody published them and no live claim exists."""
        try:
            self._client.update_item(
                TableName=self.table_name,
                Key=to_item({"order_id": order_id}),
                UpdateExpression="SET publish_claimed_at = :now",
                ConditionExpression=(
                    "#status = :status"
                    " AND (attribute_not_exists(published_status) OR published_status <> :status)"
                    " AND (attribute_not_exists(publish_claimed_at) OR publish_claimed_at < :stale)"
                ),
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues=to_item(
                    {
                        ":status": status.value,
                        ":now": now.isoformat(),
                        ":stale": (now - stale_after).isoformat(),
                    }
                ),
            )
        except Exception as exc:
            if error_code(exc) != "ConditionalCheckFailedException":
                raise
            return False
        return True

    def mark_published(self, order_id: str, status: OrderStatus, *, now: datetime) -> None:
        """Notes that ``status``'s events are on the bus (no-op if the status moved on meanwhile)."""
        self._conditional_update(
            order_id,
            "SET published_status = :status, published_at = :now REMOVE publish_claimed_at",
            "#status = :status",
            {":status": status.value, ":now": now.isoformat()},
        )

    def release_claim(self, order_id: str, status: OrderStatus) -> None:
        """Gives a claim up after a failed publish, so the retry can publish at once."""
        self._conditional_update(
            order_id,
            "REMOVE publish_claimed_at",
            "#status = :status AND (attribute_not_exists(published_status) OR published_status <> :status)",
            {":status": status.value},
        )

    # --- plumbing ----------------------------------------------------------------------------------------
    def _conditional_update(
        self, order_id: str, expression: str, condition: str, values: dict[str, Any]
    ) -> None:
        update_if(
            self._client,
            table_name=self.table_name,
            key={"order_id": order_id},
            expression=expression,
            condition=condition,
            values=values,
            names={"#status": "status"},
        )

    def _status_update(
        self,
        order_id: str,
        status: OrderStatus,
        *,
        now: datetime,
        has_events: bool,
        fields: Mapping[str, Any],
    ) -> dict[str, Any]:
        unknown = set(fields) - set(ORDER_FIELDS)
        if unknown:
            raise ValueError(f"not order record fields: {sorted(unknown)}")
        values: dict[str, Any] = {
            ":status": status.value,
            ":now": now.isoformat(),
            ":zero": 0,
            ":one": 1,
            ":settled": OrderStatus.SETTLED.value,
            ":cancelled": OrderStatus.CANCELLED.value,
            ":refunded": OrderStatus.REFUNDED.value,
            **touched_values(now),
        }
        sets = [
            "#status = :status",
            "updated_at = :now",
            TOUCH_SET,
            "created_at = if_not_exists(created_at, :now)",
            "version = if_not_exists(version, :zero) + :one",
        ]
        # Events are claimed with the status change itself, so no second writer can think they are its own.
        sets.append("publish_claimed_at = :now" if has_events else "published_status = :status")
        if status is OrderStatus.CANCELLED:
            sets.append("cancelled_at = :now")
        for name, value in fields.items():
            if value is not None:
                values[f":{name}"] = value
                sets.append(f"{name} = :{name}")
        return {
            "TableName": self.table_name,
            "Key": to_item({"order_id": order_id}),
            "UpdateExpression": "SET " + ", ".join(sets),
            "ConditionExpression": (
                "attribute_not_exists(order_id)"
                " OR (NOT (#status IN (:settled, :cancelled, :refunded)) AND #status <> :status)"
            ),
            "ExpressionAttributeNames": {"#status": "status"},
            "ExpressionAttributeValues": to_item(values),
        }
