"""The ledger table's pieces every money movement is built from: the conditional ``TransactWriteItems``
parts, the cancelled transaction's reasons and the outcomes of each movement (the layout is described in
``dal/wallets.py``; item keys and shapes are in ``dal/ledger_items.py``).

``LedgerTable`` holds them for ``WalletRepository`` (``dal/wallets.py``) and the explicit returns
(``dal/wallet_returns.py``), so both build their transactions the same way.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from paybridge.dal.dynamo import error_code, from_item, to_item
from paybridge.dal.ledger_items import WALLET_SK, debit_marker_key, entry_from_item, entry_sk, wallet_pk
from paybridge.models.wallet import LedgerEntry, Wallet, WalletStatus

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient


class DebitStatus(StrEnum):
    """Outcome of a settlement debit."""

    DEBITED = "DEBITED"
    ALREADY_DONE = "ALREADY_DONE"  # this wallet transaction was debited before, or the order is closed
    INSUFFICIENT_FUNDS = "INSUFFICIENT_FUNDS"
    WALLET_FROZEN = "WALLET_FROZEN"
    WALLET_MISSING = "WALLET_MISSING"
    CURRENCY_MISMATCH = "CURRENCY_MISMATCH"


class CreditStatus(StrEnum):
    """Outcome of a top-up."""

    CREDITED = "CREDITED"
    ALREADY_DONE = "ALREADY_DONE"


class ReversalStatus(StrEnum):
    """Outcome of crediting a settled order's wallet share back."""

    REVERSED = "REVERSED"
    ALREADY_DONE = "ALREADY_DONE"
    NOTHING_TO_REVERSE = "NOTHING_TO_REVERSE"  # no debit was ever made for that wallet transaction
    NOTHING_LEFT = "NOTHING_LEFT"  # explicit returns already gave the whole debit back


@dataclass(frozen=True)
class DebitResult:
    """``entry`` is the debit's ledger entry (the original one when ALREADY_DONE and known); ``wallet`` the
    wallet after a debit (computed, not read again) or as found when refused; ``order_item`` the order
    record (table item) whose condition cancelled the transaction, when that was the reason."""

    status: DebitStatus
    wallet: Wallet | None = None
    entry: LedgerEntry | None = None
    order_item: dict[str, Any] | None = None
    #: The debit's ``extra_items`` committed with it.
    extras_committed: bool = False


@dataclass(frozen=True)
class WalletRead:
    """A customer's wallet as just read (``wallet`` None: there is none), handed to a debit so it need not
    read it again."""

    customer_id: str
    wallet: Wallet | None


@dataclass(frozen=True)
class CreditResult:
    """The credit's ledger entry, the same one on a replay of the same idempotency key."""

    status: CreditStatus
    entry: LedgerEntry
    wallet: Wallet | None = None


@dataclass(frozen=True)
class ReversalResult:
    """``entry`` is the reversal's ledger entry when REVERSED or ALREADY_DONE."""

    status: ReversalStatus
    entry: LedgerEntry | None = None


class TransactionCancelledError(Exception):
    """A transaction DynamoDB cancelled, with its reasons decoded (one per item, in order)."""

    def __init__(self, reasons: list[dict[str, Any]]) -> None:
        super().__init__("transaction cancelled")
        self.reasons = reasons

    def code(self, index: int) -> str:
        return str(self.reasons[index].get("Code", "None")) if index < len(self.reasons) else "None"

    def failed(self, index: int) -> bool:
        return self.code(index) == "ConditionalCheckFailed"

    def item(self, index: int) -> dict[str, Any] | None:
        raw = self.reasons[index].get("Item") if index < len(self.reasons) else None
        return from_item(raw) if raw else None


class LedgerTable:
    """The ledger table through one client: reads, conditional transaction parts and the retry pacing."""

    def __init__(
        self,
        client: DynamoDBClient,
        table_name: str,
        *,
        max_attempts: int = 8,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._client = client
        self.table_name = table_name
        self.max_attempts = max_attempts
        self._sleep = sleep

    def get(self, key: Mapping[str, str]) -> dict[str, Any] | None:
        """One item, strongly consistent, or None."""
        response = self._client.get_item(TableName=self.table_name, Key=to_item(key), ConsistentRead=True)
        item = response.get("Item")
        return from_item(item) if item else None

    def entry_at(self, marker: Mapping[str, Any]) -> LedgerEntry | None:
        """The ledger entry a marker points at (its customer and ``seq``)."""
        customer_id = marker.get("customer_id") or str(marker["pk"]).removeprefix("WALLET#")
        item = self.get({"pk": wallet_pk(str(customer_id)), "sk": entry_sk(int(marker["seq"]))})
        return entry_from_item(item) if item else None

    def transact(self, items: Sequence[Mapping[str, Any]]) -> None:
        """All of ``items`` or none; ``TransactionCancelledError`` carries DynamoDB's reasons."""
        try:
            self._client.transact_write_items(TransactItems=list(items))  # type: ignore[arg-type]
        except Exception as exc:
            if error_code(exc) != "TransactionCanceledException":
                raise
            response = getattr(exc, "response", {}) or {}
            raise TransactionCancelledError(list(response.get("CancellationReasons") or [])) from exc

    def backoff(self, attempt: int) -> None:
        """Waits before attempt ``attempt + 1`` after a lost race."""
        # Full jitter: concurrent writers to one wallet spread out instead of colliding again in step.
        self._sleep(random.uniform(0, 0.01 * 2 ** min(attempt, 6)))  # noqa: S311 - jitter, not security

    def put_new(self, item: Mapping[str, Any]) -> dict[str, Any]:
        """A ``Put`` that fails when the item exists (markers, entries, new wallets)."""
        return {
            "Put": {
                "TableName": self.table_name,
                "Item": to_item(item),
                "ConditionExpression": "attribute_not_exists(pk)",
            }
        }

    def new_wallet(self, customer_id: str, currency: str, balance: int, now: datetime) -> dict[str, Any]:
        """The ``Put`` creating a wallet with its first entry counted."""
        item = {
            "pk": wallet_pk(customer_id),
            "sk": WALLET_SK,
            "customer_id": customer_id,
            "currency": currency,
            "balance": balance,
            "entry_count": 1,
            "status": WalletStatus.ACTIVE.value,
            "created_at": now.isoformat(),
            "updated_at": now.isoformat(),
        }
        return self.put_new(item)

    def returned_update(self, txn_id: str, debit: Mapping[str, Any], amount_minor: int) -> dict[str, Any]:
        """The ``TransactItems`` entry adding ``amount_minor`` to the debit's ``returned_minor``, conditioned
        on the value ``debit`` (the marker as read) holds, so concurrent returns are serialised."""
        returned = debit.get("returned_minor")
        condition = "attribute_not_exists(returned_minor)"
        values: dict[str, Any] = {":new": int(returned or 0) + amount_minor}
        if returned is not None:
            condition = "returned_minor = :expected"
            values[":expected"] = int(returned)
        return {
            "Update": {
                "TableName": self.table_name,
                "Key": to_item(debit_marker_key(txn_id)),
                "UpdateExpression": "SET returned_minor = :new",
                "ConditionExpression": f"attribute_exists(pk) AND {condition}",
                "ExpressionAttributeValues": to_item(values),
            }
        }

    def wallet_update(
        self, customer_id: str, delta: int, expected_count: int, now: datetime, *, require_active: bool
    ) -> dict[str, Any]:
        """The ``Update`` moving the balance by ``delta`` and appending one entry, conditioned on the entry
        count read (so two writers never both append entry N), on the wallet being active when required and
        on the balance staying at or above zero."""
        conditions = ["attribute_exists(pk)", "entry_count = :expected"]
        values: dict[str, Any] = {
            ":delta": delta,
            ":one": 1,
            ":expected": expected_count,
            ":now": now.isoformat(),
        }
        names: dict[str, str] = {}
        if require_active:
            conditions.append("#status = :active")
            names["#status"] = "status"
            values[":active"] = WalletStatus.ACTIVE.value
        if delta < 0:
            # The balance never goes below zero: checked by DynamoDB itself, not only by this code.
            conditions.append("balance >= :needed")
            values[":needed"] = -delta
        update: dict[str, Any] = {
            "TableName": self.table_name,
            "Key": to_item({"pk": wallet_pk(customer_id), "sk": WALLET_SK}),
            "UpdateExpression": (
                "SET balance = balance + :delta, entry_count = entry_count + :one, updated_at = :now"
            ),
            "ConditionExpression": " AND ".join(conditions),
            "ExpressionAttributeValues": to_item(values),
            # The current wallet comes back on failure: it tells missing / frozen / no funds / raced apart.
            "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
        }
        if names:
            update["ExpressionAttributeNames"] = names
        return {"Update": update}
