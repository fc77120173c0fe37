"""get_wallet and credit_wallet: the ledger table."""

from __future__ import annotations

from paybridge.composition.aws import Clients
from paybridge.dal.wallets import WalletRepository
from paybridge.settings import groups


def wallets(settings: groups.Ledger, clients: Clients | None = None) -> WalletRepository:
    """The ledger (wallets, their entries and idempotency markers)."""
    return WalletRepository((clients or Clients()).dynamodb, settings.ledger_table)
