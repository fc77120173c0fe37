"""check_pending_order's wiring: the pending orders, the bus, the schedule and the orders table once per
container; the Juspay client per poll (its key may rotate)."""

from __future__ import annotations

from paybridge.composition.aws import Clients, now, publisher
from paybridge.composition.follow import follow_schedule, pending_orders
from paybridge.dal.orders import OrdersRepository
from paybridge.dal.signed_orders import SignedOrdersRepository
from paybridge.juspay.factory import juspay_client
from paybridge.logic.check_pending_order import CheckDependencies
from paybridge.settings.follower import CheckPendingOrderSettings


class CheckRuntime:
    """check_pending_order's runtime: ``dependencies()`` per poll."""

    def __init__(self, settings: CheckPendingOrderSettings) -> None:
        self.settings = settings
        clients = Clients()
        self.repository = pending_orders(settings, clients)
        self.publisher = publisher(settings, clients)
        self.schedule = follow_schedule(settings)
        self.expiries = SignedOrdersRepository(clients.dynamodb, settings.orders_table)
        self.orders = OrdersRepository(clients.dynamodb, settings.orders_table)

    def dependencies(self) -> CheckDependencies:
        """One poll's dependencies."""
        return CheckDependencies(
            repository=self.repository,
            juspay=juspay_client(self.settings),
            publisher=self.publisher,
            clock=now,
            schedule=self.schedule,
            expiries=self.expiries,
            orders=self.orders,
        )


def for_check_pending_order(settings: CheckPendingOrderSettings) -> CheckRuntime:
    """check_pending_order's runtime."""
    return CheckRuntime(settings)
