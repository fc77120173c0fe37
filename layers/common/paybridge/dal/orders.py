"""The orders table: one settlement record per Juspay order (pk ``order_id``).

SETTLED, CANCELLED and REFUNDED are final: every write (the debit's own order update included) is
conditioned on the record not being in one of them, so a late or duplicate event can never reopen a settled
order, and a debit racing a REFUNDED record is decided by DynamoDB: whichever write lands first wins.
Other statuses (PENDING, FAILED, STALE, ...) may still change, because a failed or pending Juspay order can
still succeed on a later attempt.

The domain events of a status are derived from the record alone, and ``published_status`` says which
status's events are already on the bus: a status change and a claim to publish are written together, the
claimant publishes, then marks them published. A publisher that died is taken over once its claim is stale.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from paybridge.dal.dynamo import error_code, from_item, to_item, update_if
from paybridge.dal.touched import TOUCH_SET, touched_values

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

__all__ = ["FINAL_STATUSES", "OrderRecord", "OrderStatus", "OrdersRepository", "Transition"]


class OrderStatus(StrEnum):
    """Settlement status of an order."""

    RECEIVED = "RECEIVED"  # an event arrived; Juspay not asked yet (or the call failed)
    PENDING = "PENDING"
    SETTLED = "SETTLED"  # the wallet share is debited
    FAILED = "FAILED"
    CANCELLED = "CANCELLED"  # the wallet share could not be debited; the online part is to be refunded
    NO_WALLET = "NO_WALLET"
    MISMATCH = "MISMATCH"  # amounts or currencies do not add up: nothing debited, alarmed
    UNKNOWN = "UNKNOWN"  # a status the settlement table does not cover: nothing debited, counted
    STALE = "STALE"  # followed until the deadline while still pending: nothing debited, alarmed
    ABANDONED = "ABANDONED"  # no payment attempt before the order could no longer be paid: counted, no alarm
    REFUNDED = "REFUNDED"  # the online part was refunded in full before settlement: nothing debited
    REVIEW = "REVIEW"  # refunded in part before settlement: nothing debited, alarmed for a person


FINAL_STATUSES = frozenset({OrderStatus.SETTLED, OrderStatus.CANCELLED, OrderStatus.REFUNDED})

#: Record attributes a caller may set with a status (amounts in minor units).
_FIELDS = (
    "customer_id",
    "currency",
    "amount_minor",
    "online_minor",
    "wallet_minor",
    "wallet_txn_id",
    "online_txn_id",
    "cod",
    "juspay_status",
    "reason",
    "last_event_id",
    "refunded_minor",
)


@dataclass(frozen=True)
class OrderRecord:
    """An order's settlement record."""

    order_id: str
    status: OrderStatus
    created_at: str
    updated_at: str
    version: int
    customer_id: str | None = None
    currency: str | None = None
    amount_minor: int | None = None
    online_minor: int | None = None
    wallet_minor: int | None = None
    wallet_txn_id: str | None = None
    online_txn_id: str | None = None
    cod: bool = False
    juspay_status: str | None = None
    reason: str | None = None
    last_event_id: str | None = None
    #: What Juspay had refunded (SUCCESS) of the online transaction when REFUNDED or REVIEW was recorded.
    refunded_minor: int | None = None
    settled_at: str | None = None
    cancelled_at: str | None = None
    published_status: str | None = None
    publish_claimed_at: str | None = None
    #: What was signed for the SDK (``dal/signed_orders.py``), when the order was signed here.
    signed_customer_id: str | None = None
    signed_currency: str | None = None
    signed_amount_minor: int | None = None
    signed_wallet_offered_minor: int | None = None
    #: An amount sent to Juspay's Update Order whose outcome is not known yet (``logic/update_order.py``).
    signed_amount_pending_minor: int | None = None

    @property
    def routing_customer_id(self) -> str | None:
        """The order's customer as far as this system knows (Juspay's ``x-routing-id``); None: a guest."""
        return self.customer_id or self.signed_customer_id

    @property
    def is_final(self) -> bool:
        """True once SETTLED, CANCELLED or REFUNDED."""
        return self.status in FINAL_STATUSES

    @property
    def events_published(self) -> bool:
        """True when the current status's events are on the bus."""
        return self.published_status == self.status.value


@dataclass(frozen=True)
class Transition:
    """Result of a status write: ``changed`` is False when the record was final or had that status."""

    changed: bool
    record: OrderRecord | None


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
        return _record(from_item(item)) if item else None

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
        return Transition(True, _record(from_item(response["Attributes"])))

    def settled_update(self, order_id: str, *, now: datetime, fields: Mapping[str, Any]) -> dict[str, Any]:
        """The ``TransactItems`` entry that marks the order SETTLED inside the wallet debit's transaction."""
        update = self._status_update(order_id, OrderStatus.SETTLED, now=now, has_events=True, fields=fields)
        update["UpdateExpression"] += ", settled_at = :now"
        return {"Update": update}

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
        unknown = set(fields) - set(_FIELDS)
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


def _record(item: Mapping[str, Any]) -> OrderRecord:
    def text(name: str) -> str | None:
        value = item.get(name)
        return str(value) if value is not None else None

    def number(name: str) -> int | None:
        value = item.get(name)
        return int(value) if value is not None else None

    return OrderRecord(
        order_id=str(item["order_id"]),
        status=OrderStatus(str(item.get("status", OrderStatus.RECEIVED.value))),
        created_at=str(item.get("created_at", "")),
        updated_at=str(item.get("updated_at", "")),
        version=int(item.get("version", 0)),
        customer_id=text("customer_id"),
        currency=text("currency"),
        amount_minor=number("amount_minor"),
        online_minor=number("online_minor"),
        wallet_minor=number("wallet_minor"),
        wallet_txn_id=text("wallet_txn_id"),
        online_txn_id=text("online_txn_id"),
        cod=bool(item.get("cod", False)),
        juspay_status=text("juspay_status"),
        reason=text("reason"),
        last_event_id=text("last_event_id"),
        refunded_minor=number("refunded_minor"),
        settled_at=text("settled_at"),
        cancelled_at=text("cancelled_at"),
        published_status=text("published_status"),
        publish_claimed_at=text("publish_claimed_at"),
        signed_customer_id=text("signed_customer_id"),
        signed_currency=text("signed_currency"),
        signed_amount_minor=number("signed_amount_minor"),
        signed_wallet_offered_minor=number("signed_wallet_offered_minor"),
        signed_amount_pending_minor=number("signed_amount_pending_minor"),
    )
