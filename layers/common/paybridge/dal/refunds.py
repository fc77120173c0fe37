"""The refunds table: one partition per order.

Items (``order_id`` hash key, ``sk`` range key):

* ``REFUND#{seq:03d}``: one refund (``RefundRecord``), with its current attempt's ``unique_request_id``
  (indexed by the ``ByUniqueRequestId`` GSI so any refund can be found from Juspay's id alone);
* ``KEY#{request_key}``: a pointer from the request's idempotency key to its ``seq``, so a repeated request
  (a redelivered ``RefundRequested``, a retried API call) finds its refund instead of making another.

Both are written in one transaction, each conditional on not existing: the refund and its id are stored
before Juspay is ever called, and a race between two deliveries of one request leaves exactly one refund.
Every later change is a conditional update on the status and id the writer last read.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from paybridge.dal.dynamo import error_code, from_item, to_item, update_if
from paybridge.dal.refund_checks import RefundChecks
from paybridge.dal.refund_items import (
    REFUND_PREFIX,
    record_from_item,
    record_to_item,
    refund_sk,
    state_update,
)
from paybridge.errors import ConflictError, UnprocessableError
from paybridge.models.refund import (
    MAX_SEQ,
    REQUESTED,
    RefundRecord,
    Transition,
    applied,
    epoch_seconds,
    unique_request_id,
)

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

KEY_PREFIX = "KEY#"
UNIQUE_REQUEST_ID_INDEX = "ByUniqueRequestId"
#: Seq allocation retries when concurrent requests for one order race for the same number.
_ALLOCATION_TRIES = 5


@dataclass(frozen=True)
class NewRefund:
    """What a caller asks for; the repository adds seq, ids and timestamps."""

    order_id: str
    request_key: str
    kind: str
    amount_minor: int
    currency: str
    reason: str
    source: str
    max_attempts: int
    txn_id: str | None = None
    customer_id: str | None = None
    requested_at: str | None = None


class RefundsRepository(RefundChecks):
    """Reads and writes the refunds table (the sweep's schedule methods come from ``RefundChecks``)."""

    def __init__(self, client: DynamoDBClient, table_name: str) -> None:
        self._client = client
        self.table_name = table_name

    # ---- reads ---------------------------------------------------------------------------------------
    def get(self, order_id: str, seq: int) -> RefundRecord | None:
        """One refund, read consistently, or None."""
        response = self._client.get_item(
            TableName=self.table_name,
            Key=to_item({"order_id": order_id, "sk": refund_sk(seq)}),
            ConsistentRead=True,
        )
        item = response.get("Item")
        return record_from_item(from_item(item)) if item else None

    def find_by_request_key(self, order_id: str, request_key: str) -> RefundRecord | None:
        """The refund a request key already created, or None."""
        response = self._client.get_item(
            TableName=self.table_name,
            Key=to_item({"order_id": order_id, "sk": KEY_PREFIX + request_key}),
            ConsistentRead=True,
        )
        item = response.get("Item")
        if not item:
            return None
        return self.get(order_id, int(from_item(item)["seq"]))

    def list_for_order(self, order_id: str) -> list[RefundRecord]:
        """Every refund of an order, oldest first."""
        records: list[RefundRecord] = []
        kwargs: dict[str, Any] = {
            "TableName": self.table_name,
            "KeyConditionExpression": "order_id = :o AND begins_with(sk, :p)",
            "ExpressionAttributeValues": to_item({":o": order_id, ":p": REFUND_PREFIX}),
            "ConsistentRead": True,
        }
        while True:
            response = self._client.query(**kwargs)
            records.extend(record_from_item(from_item(item)) for item in response.get("Items", []))
            if "LastEvaluatedKey" not in response:
                return records
            kwargs["ExclusiveStartKey"] = response["LastEvaluatedKey"]

    def find_by_unique_request_id(self, unique_request_id: str) -> RefundRecord | None:
        """The refund whose current attempt has this id (GSI, eventually consistent), or None."""
        response = self._client.query(
            TableName=self.table_name,
            IndexName=UNIQUE_REQUEST_ID_INDEX,
            KeyConditionExpression="unique_request_id = :u",
            ExpressionAttributeValues=to_item({":u": unique_request_id}),
            Limit=1,
        )
        items = response.get("Items", [])
        return record_from_item(from_item(items[0])) if items else None

    # ---- writes --------------------------------------------------------------------------------------
    def create(self, new: NewRefund, *, now: str) -> tuple[RefundRecord, bool]:
        """Stores a REQUESTED refund with its first ``unique_request_id``, unless the request key has one.

        Returns the refund and whether this call created it. Raises ``UnprocessableError`` when the order
        has no sequence numbers left, ``ConflictError`` if allocation keeps losing races.
        """
        for _ in range(_ALLOCATION_TRIES):
            seq = self._last_seq(new.order_id) + 1
            if seq > MAX_SEQ:
                raise UnprocessableError(f"order already has {MAX_SEQ} refunds")
            first_id = unique_request_id(new.order_id, seq, 1)
            record = RefundRecord(
                order_id=new.order_id,
                seq=seq,
                request_key=new.request_key,
                kind=new.kind,
                amount_minor=new.amount_minor,
                currency=new.currency,
                reason=new.reason,
                source=new.source,
                status=REQUESTED,
                attempt=1,
                unique_request_id=first_id,
                max_attempts=new.max_attempts,
                created_at=now,
                updated_at=now,
                txn_id=new.txn_id,
                customer_id=new.customer_id,
                requested_at=new.requested_at,
                attempt_ids=(first_id,),
                # Due at once: the sweep's next run checks it (and resolves a call whose outcome is lost).
                next_check_at=epoch_seconds(now),
            )
            pointer = {"order_id": new.order_id, "sk": KEY_PREFIX + new.request_key, "seq": seq}
            try:
                self._client.transact_write_items(
                    TransactItems=[
                        {
                            "Put": {
                                "TableName": self.table_name,
                                "Item": to_item(pointer),
                                "ConditionExpression": "attribute_not_exists(sk)",
                            }
                        },
                        {
                            "Put": {
                                "TableName": self.table_name,
                                "Item": to_item(record_to_item(record)),
                                "ConditionExpression": "attribute_not_exists(sk)",
                            }
                        },
                    ]
                )
                return record, True
            except ClientError as exc:
                if error_code(exc) != "TransactionCanceledException":
                    raise
                reasons = exc.response.get("CancellationReasons", [])
                if reasons and reasons[0].get("Code") == "ConditionalCheckFailed":
                    # Another delivery of the same request won: its refund is the one.
                    existing = self.find_by_request_key(new.order_id, new.request_key)
                    if existing is not None:
                        return existing, False
                # Another request of the same order took this seq: take the next one.
        raise ConflictError("could not allocate a refund number for the order; try again")

    def apply(self, record: RefundRecord, transition: Transition, *, now: str) -> RefundRecord | None:
        """Writes ``transition`` if the refund is still where ``record`` saw it; None if it moved on."""
        after = applied(record, transition, now=now)
        expression, values = state_update(after, now=now)
        values.update({":seen_status": record.status, ":seen_uid": record.unique_request_id})
        condition = "#status = :seen_status AND unique_request_id = :seen_uid"
        moved = self._update(record, expression, values, condition)
        return after if moved else None

    def mark_announced(self, record: RefundRecord, *, now: str) -> None:
        """Notes that the event for the refund's current status is on the bus."""
        self._client.update_item(
            TableName=self.table_name,
            Key=to_item(_key(record)),
            UpdateExpression="SET announced = :status, announced_at = :now",
            ExpressionAttributeValues=to_item({":status": record.status, ":now": now}),
        )

    def mark_sent(
        self, record: RefundRecord, *, now: str, amount_minor: int | None = None
    ) -> RefundRecord | None:
        """Notes, just before the call, that the current attempt is being sent to Juspay, with the amount
        it is sent for (``amount_minor``, when it differs from the stored one: the remainder of a
        cancellation refund; the first requested amount is kept in ``requested_minor``).

        From then on a REQUESTED refund with this id has an unknown outcome until Juspay's answer moves it.
        None if the refund moved on meanwhile (the caller re-reads it).
        """
        values: dict[str, Any] = {":uid": record.unique_request_id, ":now": now, ":requested": REQUESTED}
        expression = "SET sent_uid = :uid, sent_at = :now"
        after = replace(record, sent_uid=record.unique_request_id)
        if amount_minor is not None and amount_minor != record.amount_minor:
            expression += ", amount_minor = :amount, requested_minor = if_not_exists(requested_minor, :first)"
            values.update({":amount": amount_minor, ":first": record.amount_minor})
            first = record.requested_minor if record.requested_minor is not None else record.amount_minor
            after = replace(after, amount_minor=amount_minor, requested_minor=first)
        sent = self._update(record, expression, values, "#status = :requested AND unique_request_id = :uid")
        return after if sent else None

    def note_error(self, record: RefundRecord, *, code: str, now: str) -> None:
        """Records the last error of a call whose outcome is unknown (for the person reading the table)."""
        self._client.update_item(
            TableName=self.table_name,
            Key=to_item(_key(record)),
            UpdateExpression="SET last_error = :code, last_error_at = :now ADD unknown_outcomes :one",
            ExpressionAttributeValues=to_item({":code": code, ":now": now, ":one": 1}),
        )

    def _update(self, record: RefundRecord, expression: str, values: dict[str, Any], condition: str) -> bool:
        """UpdateItem on the refund under ``condition``; False when it does not hold (the refund moved on)."""
        return update_if(
            self._client,
            table_name=self.table_name,
            key=_key(record),
            expression=expression,
            condition=condition,
            values=values,
            names={"#status": "status"},
        )

    def _last_seq(self, order_id: str) -> int:
        response = self._client.query(
            TableName=self.table_name,
            KeyConditionExpression="order_id = :o AND begins_with(sk, :p)",
            ExpressionAttributeValues=to_item({":o": order_id, ":p": REFUND_PREFIX}),
            ProjectionExpression="seq",
            ScanIndexForward=False,
            Limit=1,
            ConsistentRead=True,
        )
        items = response.get("Items", [])
        return int(from_item(items[0])["seq"]) if items else 0


def _key(record: RefundRecord) -> dict[str, str]:
    return {"order_id": record.order_id, "sk": refund_sk(record.seq)}
