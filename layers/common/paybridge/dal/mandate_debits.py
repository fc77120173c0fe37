"""The mandate debits table: one item per mandate and billing cycle (the idempotency key of a recurring
debit), and pointer items from the execution's order id and the notification id back to it.

Items (``pk``, ``sk``):

* ``MANDATE#<mandate_id>`` / ``CYCLE#<cycle>``: the debit (``paybridge.models.mandate_debit.MandateDebit``);
* ``ORDER#<order_id>`` / ``DEBIT`` and ``NOTIFICATION#<id>`` / ``DEBIT``: ``mandate_id`` and ``cycle``, so a
  webhook or the pending-order follower, which name only the order or the notification, find the debit with
  a strongly consistent read.

Every state change is a conditional write on the debit's current ``status``: two racing requests for the
same cycle agree on one winner, and the loser reads the winner's result.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from paybridge.dal.dynamo import error_code, from_item, to_item
from paybridge.models.mandate_debit import EXECUTING, NOTIFIED, NOTIFYING, MandateDebit

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

_POINTER = "DEBIT"


def debit_key(mandate_id: str, cycle: str) -> dict[str, str]:
    """The debit item's key."""
    return {"pk": f"MANDATE#{mandate_id}", "sk": f"CYCLE#{cycle}"}


class MandateDebitsRepository:
    """Reads and writes ``MandateDebitsTable``."""

    def __init__(self, client: DynamoDBClient, table_name: str) -> None:
        self._client = client
        self.table_name = table_name

    # --- reads ----------------------------------------------------------------------------------------------
    def get(self, mandate_id: str, cycle: str) -> MandateDebit | None:
        """The cycle's debit, or None."""
        item = self._read(debit_key(mandate_id, cycle))
        return MandateDebit.model_validate(item) if item else None

    def find_by_order(self, order_id: str) -> MandateDebit | None:
        """The debit whose execution is Juspay order ``order_id``, or None (not a mandate execution)."""
        return self._follow(f"ORDER#{order_id}")

    def find_by_notification(self, notification_id: str) -> MandateDebit | None:
        """The debit announced by notification ``notification_id``, or None."""
        return self._follow(f"NOTIFICATION#{notification_id}")

    def _follow(self, pointer_pk: str) -> MandateDebit | None:
        pointer = self._read({"pk": pointer_pk, "sk": _POINTER})
        if not pointer:
            return None
        return self.get(str(pointer["mandate_id"]), str(pointer["cycle"]))

    def _read(self, key: Mapping[str, str]) -> dict[str, Any] | None:
        item = self._client.get_item(TableName=self.table_name, Key=to_item(key), ConsistentRead=True).get(
            "Item"
        )
        return from_item(item) if item else None

    # --- writes ---------------------------------------------------------------------------------------------
    def begin_notify(self, debit: MandateDebit) -> bool:
        """Creates the cycle's debit (status NOTIFYING); False when the cycle already has one."""
        values = {k: v for k, v in debit.model_dump().items() if v is not None}
        try:
            self._client.put_item(
                TableName=self.table_name,
                Item=to_item({**values, **debit_key(debit.mandate_id, debit.cycle)}),
                ConditionExpression="attribute_not_exists(pk)",
            )
        except Exception as exc:
            if error_code(exc) == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def forget_notify(self, mandate_id: str, cycle: str) -> None:
        """Deletes a debit whose notification Juspay refused (still NOTIFYING): the cycle may be retried."""
        try:
            self._client.delete_item(
                TableName=self.table_name,
                Key=to_item(debit_key(mandate_id, cycle)),
                ConditionExpression="#s = :s",
                ExpressionAttributeNames={"#s": "status"},
                ExpressionAttributeValues=to_item({":s": NOTIFYING}),
            )
        except Exception as exc:
            if error_code(exc) != "ConditionalCheckFailedException":
                raise

    def record_notified(self, debit: MandateDebit, changes: Mapping[str, Any]) -> bool:
        """NOTIFYING → NOTIFIED with the notification's id, status and window, and its pointer item."""
        notification_id = str(changes["notification_id"])
        return self._transact(
            debit,
            {**changes, "status": NOTIFIED},
            from_states=[NOTIFYING],
            pointer=f"NOTIFICATION#{notification_id}",
        )

    def begin_execution(self, debit: MandateDebit, changes: Mapping[str, Any]) -> bool:
        """NOTIFIED → EXECUTING (before the one execution call), with the execution order's pointer item."""
        return self._transact(
            debit, {**changes, "status": EXECUTING}, from_states=[NOTIFIED], pointer=f"ORDER#{debit.order_id}"
        )

    def update(self, debit: MandateDebit, changes: Mapping[str, Any], *, from_states: Iterable[str]) -> bool:
        """Applies ``changes`` if the debit is still in one of ``from_states``; False otherwise."""
        try:
            self._client.update_item(**self._update_args(debit, changes, from_states))
        except Exception as exc:
            if error_code(exc) == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def set_fields(self, debit: MandateDebit, changes: Mapping[str, Any]) -> None:
        """Applies ``changes`` whatever the state (facts that do not decide anything, e.g. ``published``)."""
        self.update(debit, changes, from_states=[])

    def _transact(
        self, debit: MandateDebit, changes: Mapping[str, Any], *, from_states: list[str], pointer: str
    ) -> bool:
        update: Any = self._update_args(debit, changes, from_states)
        try:
            self._client.transact_write_items(
                TransactItems=[
                    {"Update": update},
                    {
                        "Put": {
                            "TableName": self.table_name,
                            "Item": to_item(
                                {
                                    "pk": pointer,
                                    "sk": _POINTER,
                                    "mandate_id": debit.mandate_id,
                                    "cycle": debit.cycle,
                                }
                            ),
                        }
                    },
                ]
            )
        except Exception as exc:
            if error_code(exc) == "TransactionCanceledException":
                return False
            raise
        return True

    def _update_args(
        self, debit: MandateDebit, changes: Mapping[str, Any], from_states: Iterable[str]
    ) -> dict[str, Any]:
        names = {f"#f{i}": name for i, name in enumerate(changes)}
        values: dict[str, Any] = {f":v{i}": value for i, value in enumerate(changes.values())}
        states = list(from_states)
        condition = "attribute_exists(pk)"
        if states:
            names["#status"] = "status"
            values.update({f":s{i}": state for i, state in enumerate(states)})
            condition += " AND #status IN (" + ", ".join(f":s{i}" for i in range(len(states))) + ")"
        sets = ", ".join(f"#f{i} = :v{i}" for i in range(len(changes)))
        return {
            "TableName": self.table_name,
            "Key": to_item(debit_key(debit.mandate_id, debit.cycle)),
            "UpdateExpression": f"SET {sets}",
            "ConditionExpression": condition,
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": to_item(values),
        }
