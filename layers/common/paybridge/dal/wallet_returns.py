"""Explicit returns of a settled order's wallet share (the merchant API), in the ledger table.

A return is one ``TransactWriteItems``: the wallet update (balance up, ``entry_count`` as read), a REVERSAL
ledger entry, the return marker (``RETURN#{order_id}`` / ``RETURN#{idempotency_key}``, new) and the debit
marker's ``returned_minor`` (as read, see ``LedgerTable.returned_update``). So a key is applied once, and
explicit returns and the automatic credit-back together never exceed the debit. A companion of
``dal/wallets.py``: it builds its transaction with the same ``LedgerTable`` parts, so both stay in step.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from paybridge.dal.ledger_items import entry_item, reversal_marker_key
from paybridge.dal.ledger_table import TransactionCancelledError
from paybridge.dal.wallets import WalletRepository
from paybridge.errors import ConflictError, WalletConflictError
from paybridge.models.wallet import EntryType, LedgerEntry

__all__ = ["ReturnResult", "ReturnStatus", "return_marker_key", "return_wallet_share"]


class ReturnStatus(StrEnum):
    """Outcome of an explicit return."""

    RETURNED = "RETURNED"
    ALREADY_DONE = "ALREADY_DONE"  # the same key with the same terms: the original entry


@dataclass(frozen=True)
class ReturnResult:
    """The return's ledger entry, and the debit's totals after it (minor units)."""

    status: ReturnStatus
    entry: LedgerEntry
    debited_minor: int
    returned_minor: int


def return_marker_key(order_id: str, idempotency_key: str) -> dict[str, str]:
    """Key of the marker that applies one explicit return (per order and idempotency key) once."""
    return {"pk": f"RETURN#{order_id}", "sk": f"RETURN#{idempotency_key}"}


def return_wallet_share(
    wallets: WalletRepository,
    *,
    customer_id: str,
    order_id: str,
    wallet_txn_id: str,
    amount_minor: int,
    currency: str,
    idempotency_key: str,
    reason: str | None,
    now: datetime,
) -> ReturnResult:
    """Returns ``amount_minor`` of the debit of ``wallet_txn_id`` to the customer's wallet.

    The same key with the same amount answers the original entry (ALREADY_DONE); another amount, more than
    what was debited and not yet returned, or a debit of another order → ``ConflictError``.
    """
    if amount_minor <= 0:
        raise ValueError("return amount must be positive")
    marker_key = return_marker_key(order_id, idempotency_key)
    for attempt in range(wallets.max_attempts):
        existing = wallets.get(marker_key)
        debit = wallets.debit_marker(wallet_txn_id)
        if debit is None or debit.get("customer_id") != customer_id or debit.get("order_id") != order_id:
            raise ConflictError("no wallet debit of this order to return", details={"order_id": order_id})
        debited = int(debit["amount_minor"])
        if existing is not None:
            return _replayed(wallets, existing, amount_minor, debited, int(debit.get("returned_minor", 0)))
        returned = int(debit.get("returned_minor", 0))
        if "returned_minor" not in debit and wallets.get(reversal_marker_key(order_id, wallet_txn_id)):
            returned = debited  # credited back in full before returns were counted on the debit marker
        if amount_minor > debited - returned:
            raise ConflictError(
                "more than the wallet share debited and not yet returned",
                details={"field": "amount", "returnable_minor": debited - returned},
            )
        wallet = wallets.get_wallet(customer_id)
        if wallet is None:  # a debit marker without its wallet: the table was edited by hand
            raise ConflictError("the debited wallet no longer exists")
        seq = wallet.entry_count + 1
        entry = LedgerEntry(
            customer_id,
            seq,
            EntryType.REVERSAL,
            amount_minor,
            wallet.balance_minor + amount_minor,
            currency,
            f"return:{idempotency_key}",
            order_id,
            now.isoformat(),
        )
        marker: dict[str, Any] = {**marker_key, "customer_id": customer_id, "amount_minor": amount_minor}
        marker |= {"currency": currency, "seq": seq, "created_at": now.isoformat()}
        if reason:
            marker["reason"] = reason
        items = [
            wallets.wallet_update(customer_id, amount_minor, wallet.entry_count, now, require_active=False),
            wallets.put_new(entry_item(entry)),
            wallets.put_new(marker),
            wallets.returned_update(wallet_txn_id, debit, amount_minor),
        ]
        try:
            wallets.transact(items)
        except TransactionCancelledError:
            wallets.backoff(attempt)  # a concurrent movement or the same key: look again
            continue
        return ReturnResult(ReturnStatus.RETURNED, entry, debited, returned + amount_minor)
    raise WalletConflictError("the wallet kept changing; retry", details={"customer_id": customer_id})


def _replayed(
    wallets: WalletRepository, marker: dict[str, Any], amount_minor: int, debited: int, returned: int
) -> ReturnResult:
    if int(marker["amount_minor"]) != amount_minor:
        raise ConflictError(
            "idempotency_key was already used for a different return", details={"field": "idempotency_key"}
        )
    entry = wallets.entry_at(marker)
    if entry is None:  # the marker and its entry are written together; one without the other is corrupt
        raise ConflictError("return marker without its ledger entry")
    return ReturnResult(ReturnStatus.ALREADY_DONE, entry, debited, returned)
