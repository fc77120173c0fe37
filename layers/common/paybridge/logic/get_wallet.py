"""GET /wallets/{customer_id}: a wallet's balance and its ledger, newest entry first."""

from __future__ import annotations

from typing import Any

from paybridge.dal.wallets import WalletRepository
from paybridge.errors import NotFoundError
from paybridge.models.money import format_major
from paybridge.models.wallet import check_customer_id

#: Entries returned per call (newest first); the ledger itself keeps every entry.
DEFAULT_ENTRY_LIMIT = 100


def get_wallet(
    customer_id: str | None, wallets: WalletRepository, *, limit: int = DEFAULT_ENTRY_LIMIT
) -> dict[str, Any]:
    """The API view of a wallet: ``{customer_id, currency, status, balance, entries}``, amounts as
    major-unit strings. Raises ``NotFoundError`` when the customer has no wallet."""
    customer_id = check_customer_id(customer_id)
    wallet = wallets.get_wallet(customer_id)
    if wallet is None:
        raise NotFoundError("no wallet for this customer", details={"customer_id": customer_id})
    # The wallet and its entries are two reads: a movement landing between them would show an entry the
    # balance does not include yet. Entries up to the wallet's own counter are exactly the ones it sums.
    entries = [e for e in wallets.list_entries(customer_id, limit=limit) if e.seq <= wallet.entry_count]
    return {
        "customer_id": wallet.customer_id,
        "currency": wallet.currency,
        "status": wallet.status.value,
        "balance": format_major(wallet.balance_minor, wallet.currency),
        "entries": [entry.to_api() for entry in entries],
    }
