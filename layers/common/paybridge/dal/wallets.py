"""The ledger table: wallets, their append-only entries and the idempotency markers that make every money
movement happen exactly once.

Single table, ``pk``/``sk`` (all strings):

==========================================  ===============  ==============================================
pk                                          sk               item
==========================================  ===============  ==============================================
``WALLET#{customer_id}``                    ``WALLET``       balance (minor units), currency, status,
                                                             entry_count (= seq of the newest entry)
``WALLET#{customer_id}``                    ``ENTRY#{seq:012d}``  one ledger entry (query newest first)
``WALLET#{customer_id}``                    ``CREDIT#{key}`` credit marker: the caller's idempotency key
``DEBIT#{wallet_txn_id}``                   ``DEBIT``        debit marker: one per Juspay wallet transaction
``REVERSAL#{order_id}#{wallet_txn_id}``     ``REVERSAL``     reversal marker: one credit-back per debit
``RETURN#{order_id}``                       ``RETURN#{key}`` explicit return marker (``dal/wallet_returns``)
==========================================  ===============  ==============================================

The debit marker's ``returned_minor`` is what went back so far (credit-back and explicit returns together);
each return moves it in the same transaction, conditioned on the value read, so the returns of one debit can
never add up to more than the debit.

Every movement is one ``TransactWriteItems``: the wallet update (balance, ``entry_count`` +1, conditioned on
the count read before, so two writers can never both append entry N), the entry put and the marker put
(both ``attribute_not_exists``), plus, for a settlement debit, the order record update. DynamoDB applies all
or nothing; the cancellation reasons tell "already done" from "no funds" from "lost a race, try again".
``ClientRequestToken`` is not relied on (moto ignores it; and it only lasts ten minutes on AWS anyway).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from paybridge.dal.dynamo import from_item, to_item
from paybridge.dal.ledger_items import WALLET_SK, entry_from_item, entry_item, reversal_marker_key, wallet_pk
from paybridge.dal.ledger_table import (
    CreditResult,
    CreditStatus,
    DebitResult,
    DebitStatus,
    ReversalResult,
    ReversalStatus,
    TransactionCancelledError,
)
from paybridge.dal.wallet_debits import WalletDebits
from paybridge.errors import ConflictError, UnprocessableError, WalletConflictError
from paybridge.models.wallet import EntryType, LedgerEntry, WalletStatus

__all__ = [
    "CreditResult",
    "CreditStatus",
    "DebitResult",
    "DebitStatus",
    "ReversalResult",
    "ReversalStatus",
    "WalletRepository",
]


class WalletRepository(WalletDebits):
    """Reads and moves money in the ledger table. Conflicts are retried ``max_attempts`` times."""

    # --- reads -------------------------------------------------------------------------------------------
    def list_entries(self, customer_id: str, *, limit: int = 100) -> list[LedgerEntry]:
        """The newest ``limit`` ledger entries, newest first."""
        response = self._client.query(
            TableName=self.table_name,
            KeyConditionExpression="pk = :pk AND begins_with(sk, :entry)",
            ExpressionAttributeValues=to_item({":pk": wallet_pk(customer_id), ":entry": "ENTRY#"}),
            ScanIndexForward=False,
            Limit=limit,
            ConsistentRead=True,
        )
        return [entry_from_item(from_item(item)) for item in response.get("Items", [])]

    def all_entries(self, customer_id: str) -> list[LedgerEntry]:
        """Every ledger entry, oldest first (for reconciliation: they sum to the balance)."""
        entries: list[LedgerEntry] = []
        kwargs: dict[str, Any] = {
            "TableName": self.table_name,
            "KeyConditionExpression": "pk = :pk AND begins_with(sk, :entry)",
            "ExpressionAttributeValues": to_item({":pk": wallet_pk(customer_id), ":entry": "ENTRY#"}),
            "ConsistentRead": True,
        }
        while True:
            response = self._client.query(**kwargs)
            entries.extend(entry_from_item(from_item(item)) for item in response.get("Items", []))
            if "LastEvaluatedKey" not in response:
                return entries
            kwargs["ExclusiveStartKey"] = response["LastEvaluatedKey"]

    # --- operator actions --------------------------------------------------------------------------------
    def set_status(self, customer_id: str, status: WalletStatus, *, now: datetime) -> None:
        """Freezes or unfreezes a wallet (operators; no money moves). Fails if the wallet is missing."""
        self._client.update_item(
            TableName=self.table_name,
            Key=to_item({"pk": wallet_pk(customer_id), "sk": WALLET_SK}),
            UpdateExpression="SET #status = :status, updated_at = :now",
            ConditionExpression="attribute_exists(pk)",
            ExpressionAttributeNames={"#status": "status"},
            ExpressionAttributeValues=to_item({":status": status.value, ":now": now.isoformat()}),
        )

    # --- money movements ---------------------------------------------------------------------------------
    def credit(
        self, *, customer_id: str, amount_minor: int, currency: str, idempotency_key: str, now: datetime
    ) -> CreditResult:
        """Tops a wallet up, creating it on the first credit (its currency is fixed by that credit).

        Idempotent on ``idempotency_key`` per customer: the same key with the same amount and currency
        answers the original entry; with anything else → ``ConflictError``. Another currency than the
        wallet's → ``UnprocessableError``; a frozen wallet → ``ConflictError``.
        """
        if amount_minor <= 0:
            raise ValueError("credit amount must be positive")
        marker_key = {"pk": wallet_pk(customer_id), "sk": f"CREDIT#{idempotency_key}"}
        for attempt in range(self.max_attempts):
            existing = self.get(marker_key)
            if existing is not None:
                return self._replayed_credit(existing, amount_minor, currency)
            wallet = self.get_wallet(customer_id)
            if wallet is not None and wallet.currency != currency:
                raise UnprocessableError(
                    f"this wallet holds {wallet.currency}; a credit must be in {wallet.currency}",
                    details={"field": "currency"},
                )
            if wallet is not None and wallet.status is not WalletStatus.ACTIVE:
                raise ConflictError("the wallet is frozen", details={"customer_id": customer_id})
            seq = (wallet.entry_count if wallet is not None else 0) + 1
            balance_after = (wallet.balance_minor if wallet is not None else 0) + amount_minor
            entry = LedgerEntry(
                customer_id,
                seq,
                EntryType.CREDIT,
                amount_minor,
                balance_after,
                currency,
                idempotency_key,
                None,
                now.isoformat(),
            )
            first = self.new_wallet(customer_id, currency, amount_minor, now) if wallet is None else None
            items = [
                first
                if first is not None
                else self.wallet_update(customer_id, amount_minor, seq - 1, now, require_active=True),
                self.put_new(entry_item(entry)),
                self.put_new({**marker_key, "amount_minor": amount_minor, "currency": currency, "seq": seq}),
            ]
            try:
                self.transact(items)
            except TransactionCancelledError:
                self.backoff(attempt)  # a concurrent credit or debit (or the same key): look again
                continue
            return CreditResult(CreditStatus.CREDITED, entry, self.get_wallet(customer_id))
        raise WalletConflictError("the wallet kept changing; retry", details={"customer_id": customer_id})

    def reverse_debit(
        self, *, customer_id: str, order_id: str, txn_id: str, amount_minor: int, currency: str, now: datetime
    ) -> ReversalResult:
        """Credits back the wallet share of a settled order exactly once (for refunds of split orders).

        What goes back is the part of the debit not returned yet (explicit returns come first), at most
        ``amount_minor``; NOTHING_LEFT when nothing remains. ``txn_id`` is the *wallet* (MERCHANT_CONTAINER)
        transaction's id, as ``OrdersRepository`` records it in ``wallet_txn_id``. Applies to frozen wallets
        too (money going back to the customer). Returns NOTHING_TO_REVERSE when that transaction was never
        debited; raises ``ConflictError`` when the debit belongs to another customer or order, and
        ``UnprocessableError`` for an amount above the debit or another currency.
        """
        if amount_minor <= 0:
            raise ValueError("reversal amount must be positive")
        marker_key = reversal_marker_key(order_id, txn_id)
        for attempt in range(self.max_attempts):
            done = self.get(marker_key)
            if done is not None:
                return ReversalResult(ReversalStatus.ALREADY_DONE, self.entry_at(done))
            debit = self.debit_marker(txn_id)
            if debit is None:
                return ReversalResult(ReversalStatus.NOTHING_TO_REVERSE)
            if debit.get("customer_id") != customer_id or debit.get("order_id") != order_id:
                raise ConflictError("that wallet transaction was debited for another customer or order")
            if int(debit["amount_minor"]) < amount_minor or debit.get("currency") != currency:
                raise UnprocessableError("a reversal cannot exceed the debit or change its currency")
            remaining = int(debit["amount_minor"]) - int(debit.get("returned_minor", 0))
            amount = min(amount_minor, remaining)
            if amount <= 0:
                return ReversalResult(ReversalStatus.NOTHING_LEFT)
            wallet = self.get_wallet(customer_id)
            if wallet is None:  # a debit marker without its wallet: the table was edited by hand
                raise ConflictError("the debited wallet no longer exists")
            seq = wallet.entry_count + 1
            entry = LedgerEntry(
                customer_id,
                seq,
                EntryType.REVERSAL,
                amount,
                wallet.balance_minor + amount,
                currency,
                txn_id,
                order_id,
                now.isoformat(),
            )
            reversal = {**marker_key, "customer_id": customer_id, "amount_minor": amount, "seq": seq}
            items = [
                self.wallet_update(customer_id, amount, wallet.entry_count, now, require_active=False),
                self.put_new(entry_item(entry)),
                self.put_new({**reversal, "created_at": now.isoformat()}),
                self.returned_update(txn_id, debit, amount),
            ]
            try:
                self.transact(items)
            except TransactionCancelledError:
                self.backoff(attempt)
                continue
            return ReversalResult(ReversalStatus.REVERSED, entry)
        raise WalletConflictError("the wallet kept changing; retry", details={"customer_id": customer_id})

    def _replayed_credit(self, marker: Mapping[str, Any], amount_minor: int, currency: str) -> CreditResult:
        if int(marker["amount_minor"]) != amount_minor or marker.get("currency") != currency:
            raise ConflictError(
                "idempotency_key was already used for a different credit",
                details={"field": "idempotency_key"},
            )
        entry = self.entry_at(marker)
        if entry is None:  # the marker and its entry are written together; one without the other is corrupt
            raise ConflictError("credit marker without its ledger entry")
        customer_id = str(marker["pk"]).removeprefix("WALLET#")
        return CreditResult(CreditStatus.ALREADY_DONE, entry, self.get_wallet(customer_id))
