"""create_session's wiring: the ledger (the wallet offer), the orders table (the order's terms) and the
follower once per container; the Juspay client per request (its key may rotate)."""

from __future__ import annotations

from paybridge.composition.aws import Clients, now
from paybridge.composition.follow import follow_starter
from paybridge.dal.signed_orders import SignedOrdersRepository
from paybridge.dal.wallets import WalletRepository
from paybridge.juspay.factory import juspay_client
from paybridge.logic.create_session import SessionDependencies
from paybridge.logic.start_pending_order import start_pending_order
from paybridge.models.signed_order import SignedOrder
from paybridge.settings.orders import CreateSessionSettings


class SessionRuntime:
    """create_session's runtime: ``dependencies()`` per request."""

    def __init__(self, settings: CreateSessionSettings) -> None:
        self.settings = settings
        clients = Clients()
        self.wallets = WalletRepository(clients.dynamodb, settings.ledger_table)
        self.orders = SignedOrdersRepository(clients.dynamodb, settings.orders_table)
        self.follow = follow_starter(settings, clients)

    def _follow(self, order: SignedOrder) -> None:
        # As for a signed order: one whose webhooks never come is still resolved.
        start_pending_order(
            order.order_id, order.customer_id, trigger="paybridge/SessionCreated", deps=self.follow
        )

    def dependencies(self) -> SessionDependencies:
        """One request's dependencies."""
        return SessionDependencies(
            juspay=juspay_client(self.settings),
            wallets=self.wallets,
            orders=self.orders,
            client_id=self.settings.juspay_client_id,
            wallet_payment_method=self.settings.wallet_payment_method,
            wallet_display_name=self.settings.wallet_display_name,
            clock=now,
            on_created=self._follow,
        )


def for_create_session(settings: CreateSessionSettings) -> SessionRuntime:
    """create_session's runtime."""
    return SessionRuntime(settings)
