"""Functions that read orders at Juspay: settlement, the follower's poll, the order routes and sessions.
Repositories and clients are built once per container; the Juspay client per invocation (its key may rotate:
``paybridge.juspay.factory``)."""

from __future__ import annotations

from dataclasses import dataclass

from paybridge.composition.aws import Clients, follow_schedule, follow_starter, now, pending_orders, publisher
from paybridge.dal.orders import OrdersRepository
from paybridge.dal.signed_orders import SignedOrdersRepository
from paybridge.dal.wallets import WalletRepository
from paybridge.juspay.client import JuspayClient
from paybridge.juspay.factory import juspay_client
from paybridge.logic.check_pending_order import CheckDependencies
from paybridge.logic.create_session import SessionDependencies
from paybridge.logic.pending_orders import release_pending_order
from paybridge.logic.settle_order import SettleDependencies
from paybridge.logic.start_pending_order import start_pending_order
from paybridge.models.signed_order import SignedOrder
from paybridge.settings import groups
from paybridge.settings.follower import CheckPendingOrderSettings
from paybridge.settings.orders import CreateSessionSettings, GetOrderSettings, UpdateOrderSettings
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
        self.pending_orders = pending_orders(settings, clients)

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


@dataclass(frozen=True)
class OrderRuntime:
    """get_order and update_order: the orders table (records and signed terms) and Juspay."""

    settings: groups.Juspay
    orders: OrdersRepository
    terms: SignedOrdersRepository

    def juspay(self) -> JuspayClient:
        """This invocation's Juspay client."""
        return juspay_client(self.settings)


def for_order_routes(settings: GetOrderSettings | UpdateOrderSettings) -> OrderRuntime:
    """get_order's and update_order's runtime."""
    dynamodb = Clients().dynamodb
    return OrderRuntime(
        settings,
        OrdersRepository(dynamodb, settings.orders_table),
        SignedOrdersRepository(dynamodb, settings.orders_table),
    )


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
