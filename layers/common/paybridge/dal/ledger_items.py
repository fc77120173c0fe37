"""The ledger table's item keys and shapes: wallet, entry and marker keys, and the wallet and ledger entry
models to and from their items (the layout is described in ``dal/wallets.py``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from paybridge.models.wallet import EntryType, LedgerEntry, Wallet, WalletStatus

__all__ = [
    "WALLET_SK",
    "debit_marker_key",
    "entry_from_item",
    "entry_item",
    "entry_sk",
    "reversal_marker_key",
    "wallet_from_item",
    "wallet_pk",
]

WALLET_SK = "WALLET"


def wallet_pk(customer_id: str) -> str:
    """Partition key of a customer's wallet, entries and credit markers."""
    return f"WALLET#{customer_id}"


def entry_sk(seq: int) -> str:
    """Sort key of ledger entry ``seq``: zero-padded so the string order is the time order."""
    return f"ENTRY#{seq:012d}"


def debit_marker_key(wallet_txn_id: str) -> dict[str, str]:
    """Key of the marker that makes a wallet transaction's debit happen once."""
    return {"pk": f"DEBIT#{wallet_txn_id}", "sk": "DEBIT"}


def reversal_marker_key(order_id: str, wallet_txn_id: str) -> dict[str, str]:
    """Key of the marker that makes a debit's reversal happen once."""
    return {"pk": f"REVERSAL#{order_id}#{wallet_txn_id}", "sk": "REVERSAL"}


def entry_item(entry: LedgerEntry) -> dict[str, Any]:
    """A ledger entry as its table item."""
    item: dict[str, Any] = {
        "pk": wallet_pk(entry.customer_id),
        "sk": entry_sk(entry.seq),
        "customer_id": entry.customer_id,
        "seq": entry.seq,
        "entry_type": entry.entry_type.value,
        "amount_minor": entry.amount_minor,
        "balance_after": entry.balance_after_minor,
        "currency": entry.currency,
        "reference": entry.reference,
        "created_at": entry.created_at,
    }
    if entry.order_id is not None:
        item["order_id"] = entry.order_id
    return item


def wallet_from_item(item: Mapping[str, Any]) -> Wallet:
    """A wallet item as its model."""
    return Wallet(
        customer_id=str(item["customer_id"]),
        currency=str(item["currency"]),
        balance_minor=int(item["balance"]),
        entry_count=int(item["entry_count"]),
        status=WalletStatus(str(item.get("status", WalletStatus.ACTIVE.value))),
        created_at=str(item.get("created_at", "")),
        updated_at=str(item.get("updated_at", "")),
    )


def entry_from_item(item: Mapping[str, Any]) -> LedgerEntry:
    """A ledger entry item as its model."""
    order_id = item.get("order_id")
    return LedgerEntry(
        customer_id=str(item["customer_id"]),
        seq=int(item["seq"]),
        entry_type=EntryType(str(item["entry_type"])),
        amount_minor=int(item["amount_minor"]),
        balance_after_minor=int(item["balance_after"]),
        currency=str(item["currency"]),
        reference=str(item["reference"]),
        order_id=str(order_id) if order_id is not None else None,
        created_at=str(item["created_at"]),
    )
