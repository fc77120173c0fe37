"""moto's ``TransactWriteItems`` without copying whole tables (pinned to the moto version below).

moto 5.2.5 backs up every table a transaction touches with ``copy.deepcopy`` before applying it, so that a
cancelled transaction can put the copy back. A wallet movement touches the ledger table, so each one cost
time and memory in proportion to the whole ledger: the local stack slowed down and grew with every order.
This replacement keeps an undo log instead: before each write it copies only the item that write will
replace (or notes that there was none), and a cancelled transaction puts exactly those items back, newest
first. Everything else is moto's own code path, in the same order: the same checks (at most 100 actions,
one action per item, one operation per entry), the same conditions, the same ``put_item``/``update_item``/
``delete_item`` calls, the same ``TransactionCanceledException`` with one ``CancellationReasons`` entry per
action, and the same re-raise of validation errors after the rollback. Stream records a cancelled
transaction appended are dropped, as restoring moto's table copy dropped them.

It is offered upstream (docs/decisions.md); when moto ships it, this module goes.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

import moto
from moto.dynamodb.comparisons import get_filter_expression
from moto.dynamodb.exceptions import (
    ConditionalCheckFailed,
    MockValidationException,
    MultipleTransactionsException,
    TooManyTransactionsException,
    TransactionCanceledException,
    TransactWriteSingleOpException,
)
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.dynamo_type import DynamoType, Item
from moto.dynamodb.models.table import Table

#: The moto release whose ``transact_write_items`` this replaces line for line (but for the backup).
MOTO_VERSION = "5.2.5"

_original: list[Any] = []


@dataclass
class _Undo:
    """What one transaction has to put back if it is cancelled."""

    items: list[tuple[Table, DynamoType, DynamoType | None, Item | None]]
    streams: dict[str, tuple[Table, int]]

    def remember(self, table: Table, hash_key: DynamoType, range_key: DynamoType | None) -> None:
        """Keeps a copy of the item at this key (or None), before a write replaces it."""
        current = table.get_item(hash_key, range_key)
        self.items.append((table, hash_key, range_key, copy.deepcopy(current)))
        if table.stream_shard is not None and table.name not in self.streams:
            self.streams[table.name] = (table, len(table.stream_shard.items))

    def rollback(self) -> None:
        """Puts every remembered item back, newest first, and drops the stream records written since."""
        for table, hash_key, range_key, item in reversed(self.items):
            if table.has_range_key:
                if item is None:
                    table.items[hash_key].pop(range_key, None)
                else:
                    table.items[hash_key][range_key] = item
            elif item is None:
                table.items.pop(hash_key, None)
            else:
                table.items[hash_key] = item  # type: ignore[assignment]
        for table, length in self.streams.values():
            if table.stream_shard is not None:
                del table.stream_shard.items[length:]


def transact_write_items(self: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> None:
    """moto's ``transact_write_items`` with an item-level undo log instead of whole-table copies."""
    if len(transact_items) > 100:
        raise TooManyTransactionsException()
    undo = _Undo(items=[], streams={})
    target_items: set[tuple[str, str]] = set()

    def check_unicity(table_name: str, key: dict[str, Any]) -> None:
        item = (str(table_name), str(dict(sorted(key.items()))))
        if item in target_items:
            raise MultipleTransactionsException()
        target_items.add(item)

    errors: list[tuple[str, str, dict[str, Any]] | tuple[None, None, None]] = []
    for item in transact_items:
        original_item: dict[str, Any] | None = None
        if len(list(item.keys())) > 1:
            raise TransactWriteSingleOpException
        try:
            op_type, op = next(iter(item.items()))
            if op_type not in {"ConditionCheck", "Put", "Delete", "Update"}:
                raise ValueError("Unsupported transaction operation")
            table_name = op["TableName"]
            condition_expression = op.get("ConditionExpression")
            names = op.get("ExpressionAttributeNames")
            values = op.get("ExpressionAttributeValues")
            if op_type == "Put":
                attrs = op["Item"]
                table = self.get_table(table_name)
                key = {table.hash_key_attr: attrs[table.hash_key_attr]}
                if table.range_key_attr is not None:
                    key[table.range_key_attr] = attrs[table.range_key_attr]
            else:
                key = op["Key"]
            check_unicity(table_name, key)
            current = self.get_item(table_name, key)
            if condition_expression is not None:
                condition_op = get_filter_expression(condition_expression, names, values)
                if not condition_op.expr(current):
                    if op.get("ReturnValuesOnConditionCheckFailure") == "ALL_OLD" and current:
                        original_item = current.to_json()["Attributes"]
                    raise ConditionalCheckFailed(item=original_item)
            if op_type != "ConditionCheck":
                table = self.get_table(table_name)
                undo.remember(table, *self.get_keys_value(table, key))
            if op_type == "Put":
                self.put_item(
                    table_name,
                    op["Item"],
                    condition_expression=condition_expression,
                    expression_attribute_names=names,
                    expression_attribute_values=values,
                )
            elif op_type == "Delete":
                self.delete_item(
                    table_name,
                    key,
                    condition_expression=condition_expression,
                    expression_attribute_names=names,
                    expression_attribute_values=values,
                )
            elif op_type == "Update":
                self.update_item(
                    table_name,
                    key,
                    update_expression=op["UpdateExpression"],
                    condition_expression=condition_expression,
                    expression_attribute_names=names,
                    expression_attribute_values=values,
                )
            errors.append((None, None, None))
        except (MultipleTransactionsException, MockValidationException):
            undo.rollback()
            raise
        except ConditionalCheckFailed as e:
            errors.append(("ConditionalCheckFailed", str(e.message), original_item))  # type: ignore[arg-type]
        except Exception as e:  # moto reports any failure as that action's reason
            errors.append((type(e).__name__, str(e), original_item))  # type: ignore[arg-type]
    if any(code is not None for code, _, _ in errors):
        undo.rollback()
        raise TransactionCanceledException(errors)


def install() -> None:
    """Replaces moto's method (idempotent). Refuses another moto version: re-check the copy first."""
    if moto.__version__ != MOTO_VERSION:
        raise RuntimeError(
            f"paybridge_local.moto_transactions replaces moto {MOTO_VERSION}'s transact_write_items; "
            f"moto is {moto.__version__}: compare the new method and update the copy and MOTO_VERSION"
        )
    if not _original:
        _original.append(DynamoDBBackend.transact_write_items)
        DynamoDBBackend.transact_write_items = transact_write_items  # type: ignore[method-assign]


def uninstall() -> None:
    """Restores moto's own method."""
    if _original:
        DynamoDBBackend.transact_write_items = _original.pop()  # type: ignore[method-assign]
