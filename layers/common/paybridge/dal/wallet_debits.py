"""Settlement debits of the ledger table (the layout is described in ``dal/wallets.py``): one conditional
``TransactWriteItems`` per wallet transaction, exactly once.

A debit needs the wallet as it is (its ``entry_count`` numbers the new ledger entry, and the entry carries
the balance after it), so it reads the wallet once, or takes a read the caller made just before
(``WalletRead``: settlement reads the wallet together with the order record, ``dal/settlement_reads.py``).
Everything else is decided by the transaction's conditions; the rare cancelled transaction is the only place
that reads again (the debit marker: a replay is never reported as "no funds").
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from paybridge.dal.ledger_items import WALLET_SK, debit_marker_key, entry_item, wallet_from_item, wallet_pk
from paybridge.dal.ledger_table import (
    DebitResult,
    DebitStatus,
    LedgerTable,
    TransactionCancelledError,
    WalletRead,
)
from paybridge.errors import WalletConflictError
from paybridge.models.wallet import EntryType, LedgerEntry, Wallet, WalletStatus

__all__ = ["WalletDebits"]

#: The position of the order record's update in a settlement debit's transaction.
_ORDER_ITEM = 3


class WalletDebits(LedgerTable):
    """Wallet reads and the settlement debit (``WalletRepository`` adds credits, reversals and listings)."""

    def get_wallet(self, customer_id: str) -> Wallet | None:
        """The wallet (strongly consistent read), or None."""
        item = self.get({"pk": wallet_pk(customer_id), "sk": WALLET_SK})
        return wallet_from_item(item) if item else None

    def debit_marker(self, wallet_txn_id: str) -> dict[str, Any] | None:
        """The record of a wallet transaction's debit (customer_id, order_id, amount_minor, seq), or None."""
        return self.get(debit_marker_key(wallet_txn_id))

    def debit(
        self,
        *,
        customer_id: str,
        order_id: str,
        txn_id: str,
        amount_minor: int,
        currency: str,
        now: datetime,
        order_update: Mapping[str, Any] | None = None,
        read: WalletRead | None = None,
        extra_items: Sequence[Mapping[str, Any]] = (),
    ) -> DebitResult:
        """Debits a settled order's wallet share exactly once per wallet transaction ``txn_id``.

        ``order_update`` (a ``TransactItems`` entry, see ``OrdersRepository.settled_update``) commits in the
        same transaction, so the order is SETTLED if and only if the money moved. ``read``: the wallet as
        the caller has just read it (used for the first attempt only; a stale read costs one cancelled
        attempt, never a wrong debit). ``extra_items``: writes that ride along if their conditions hold
        (``DebitResult.extras_committed``); when one fails, the debit is tried again without them. Never
        drives the balance below zero. Raises ``WalletConflictError`` when concurrent writers win every
        attempt.
        """
        if amount_minor <= 0:
            raise ValueError("debit amount must be positive")
        extras = [dict(item) for item in extra_items]
        for attempt in range(self.max_attempts):
            usable = read is not None and attempt == 0 and read.customer_id == customer_id
            wallet = read.wallet if usable and read is not None else self.get_wallet(customer_id)
            if wallet is not None and wallet.currency != currency:
                marker = self.debit_marker(txn_id)
                if marker is not None:
                    return DebitResult(DebitStatus.ALREADY_DONE, wallet, self.entry_at(marker))
                return DebitResult(DebitStatus.CURRENCY_MISMATCH, wallet)
            expected = wallet.entry_count if wallet is not None else 0
            seq = expected + 1
            entry = LedgerEntry(
                customer_id,
                seq,
                EntryType.DEBIT,
                amount_minor,
                (wallet.balance_minor if wallet is not None else 0) - amount_minor,
                currency,
                txn_id,
                order_id,
                now.isoformat(),
            )
            marker = {**debit_marker_key(txn_id), "customer_id": customer_id, "order_id": order_id}
            marker |= {
                "amount_minor": amount_minor,
                "currency": currency,
                "seq": seq,
                "created_at": now.isoformat(),
            }
            items = [
                self.wallet_update(customer_id, -amount_minor, expected, now, require_active=True),
                self.put_new(entry_item(entry)),
                self.put_new(marker),
            ]
            if order_update is not None:
                items.append(dict(order_update))
            first_extra = len(items)
            items.extend(extras)
            try:
                self.transact(items)
            except TransactionCancelledError as cancelled:
                closed = order_update is not None
                decided = self._cancelled(cancelled, txn_id, amount_minor, wallet, closed=closed)
                if decided is not None:
                    return decided
                if any(cancelled.failed(i) for i in range(first_extra, len(items))):
                    extras = []  # a ride-along's condition no longer holds: the money does not wait for it
                    continue
                self.backoff(attempt)  # lost a race on entry_count (or a TransactionConflict): re-read
                continue
            # The transaction's conditions held on the wallet as read: what it holds now is known without
            # reading it again.
            after = None
            if wallet is not None:
                after = replace(
                    wallet,
                    balance_minor=wallet.balance_minor - amount_minor,
                    entry_count=seq,
                    updated_at=now.isoformat(),
                )
            return DebitResult(DebitStatus.DEBITED, after, entry, extras_committed=bool(extras))
        raise WalletConflictError("the wallet kept changing; retry", details={"customer_id": customer_id})

    def _cancelled(
        self,
        cancelled: TransactionCancelledError,
        txn_id: str,
        amount_minor: int,
        wallet: Wallet | None,
        *,
        closed: bool,
    ) -> DebitResult | None:
        """Why a debit's transaction was cancelled; None when it lost a race and is to be tried again."""
        # The marker is read again rather than trusted from the reasons alone: a replay must never be
        # reported as "no funds" because its own earlier debit lowered the balance.
        existing = self.debit_marker(txn_id)
        if existing is not None or (closed and cancelled.failed(_ORDER_ITEM)):
            # A replay or a concurrent duplicate won, or the order was closed meanwhile.
            entry = self.entry_at(existing) if existing else None
            order_item = cancelled.item(_ORDER_ITEM) if closed else None
            return DebitResult(DebitStatus.ALREADY_DONE, wallet, entry, order_item)
        if cancelled.failed(0):
            current = cancelled.item(0)
            if current is None:
                return DebitResult(DebitStatus.WALLET_MISSING)
            found = wallet_from_item(current)
            if found.status is not WalletStatus.ACTIVE:
                return DebitResult(DebitStatus.WALLET_FROZEN, found)
            if found.balance_minor < amount_minor:
                return DebitResult(DebitStatus.INSUFFICIENT_FUNDS, found)
        return None
