"""settle_order's wiring: the ledger, the orders, the bus and the pending-order follower's release, once per
container; the Juspay client per event (its key may rotate: ``paybridge.juspay.factory``)."""

from __future__ import annotations

from paybridge.composition.aws import Clients, now, publisher
from paybridge.dal.orders import OrdersRepository
from paybridge.dal.pending_orders import PendingOrdersRepository
from paybridge.dal.wallets import WalletRepository
from paybridge.juspay.factory import juspay_client
from paybridge.logic.pending_orders import release_pending_order
from paybridge.logic.settle_order import SettleDependencies
from paybridge.settings.settlement import SettleOrderSettings


class SettleRuntime:
    """settle_order's runtime: tables, bus and Step Functions once; ``dependencies()`` per event."""

    def __init__(self, settings: SettleOrderSettings) -> None:
        self.settings = settings
        clients = Clients()
        self._sfn = clients.stepfunctions
        self.wallets = WalletRepository(clients.dynamodb, settings.ledger_table)
        self.orders = OrdersRepository(clients.dynamodb, settings.orders_table)
        self.publisher = publisher(settings, clients)
        self.pending_orders = PendingOrdersRepository(clients.dynamodb, settings.pending_orders_table)

    def _release(self, order_id: str, status: str) -> object:
        return release_pending_order(
            order_id, {"status": status}, repository=self.pending_orders, sfn_client=self._sfn, now=now()
        )

    def dependencies(self) -> SettleDependencies:
        """One event's dependencies. Asynchronous invocation: Lambda retries the whole event, so the Juspay
        client's own retries stay short."""
        return SettleDependencies(
            juspay=juspay_client(self.settings, max_retries=1),
            wallets=self.wallets,
            orders=self.orders,
            publisher=self.publisher,
            clock=now,
            release_pending=self._release,
            pending_orders=self.pending_orders,
        )


def for_settle_order(settings: SettleOrderSettings) -> SettleRuntime:
    """settle_order's runtime."""
    return SettleRuntime(settings)
