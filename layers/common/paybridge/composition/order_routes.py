"""get_order and update_order: the orders table (settlement records and signed terms) and Juspay (the client
per request: its key may rotate)."""

from __future__ import annotations

from dataclasses import dataclass

from paybridge.composition.aws import Clients
from paybridge.dal.orders import OrdersRepository
from paybridge.dal.signed_orders import SignedOrdersRepository
from paybridge.juspay.client import JuspayClient
from paybridge.juspay.factory import juspay_client
from paybridge.settings import groups
from paybridge.settings.orders import GetOrderSettings, UpdateOrderSettings


@dataclass(frozen=True)
class OrderRuntime:
    """What the order routes keep for the container's life."""

    settings: groups.Juspay
    orders: OrdersRepository
    terms: SignedOrdersRepository

    def juspay(self) -> JuspayClient:
        """This request's Juspay client."""
        return juspay_client(self.settings)


def for_order_routes(settings: GetOrderSettings | UpdateOrderSettings) -> OrderRuntime:
    """get_order's and update_order's runtime."""
    dynamodb = Clients().dynamodb
    return OrderRuntime(
        settings,
        OrdersRepository(dynamodb, settings.orders_table),
        SignedOrdersRepository(dynamodb, settings.orders_table),
    )
