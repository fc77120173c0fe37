"""return_wallet_share: the orders, the ledger and the bus."""

from __future__ import annotations

from paybridge.composition.aws import Clients, now, publisher
from paybridge.dal.orders import OrdersRepository
from paybridge.dal.wallets import WalletRepository
from paybridge.logic.return_wallet_share import ReturnDependencies
from paybridge.settings.settlement import ReturnWalletShareSettings


def for_return_wallet_share(settings: ReturnWalletShareSettings) -> ReturnDependencies:
    """return_wallet_share's dependencies."""
    clients = Clients()
    return ReturnDependencies(
        orders=OrdersRepository(clients.dynamodb, settings.orders_table),
        wallets=WalletRepository(clients.dynamodb, settings.ledger_table),
        publisher=publisher(settings, clients),
        clock=now,
    )
