"""Juspay's server-to-server API as the simulator serves it: one line per route in ``API``.

A route is a handler function and one ``route(...)`` line; the recurring debits' handlers live in
``mandate_debits.py`` (their mandate commands in ``MandateBook.commands``), the encrypted v4 API in
``jwe.py``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from paybridge_local.simulator.dispatch import Answer, SimRequest, route, routes
from paybridge_local.simulator.errors import SimError
from paybridge_local.simulator.mandate_debits import execute_mandate, get_notification

if TYPE_CHECKING:
    from paybridge_local.simulator.server import JuspaySimulator

__all__ = ["API"]


def get_order(sim: JuspaySimulator, request: SimRequest, order_id: str) -> Answer:
    """``GET /orders/{id}``: Order Status."""
    return 200, sim.state.get_order(order_id)


def create_order(sim: JuspaySimulator, request: SimRequest) -> Answer:
    """``POST /orders`` (form or JSON): server-side order creation."""
    return 200, sim.state.order_book.create(request.fields(), sim.url)


def update_order(sim: JuspaySimulator, request: SimRequest, order_id: str) -> Answer:
    """``POST /orders/{id}``: Update Order."""
    return 200, sim.state.update_order(order_id, request.form())


def fulfil_order(sim: JuspaySimulator, request: SimRequest, order_id: str) -> Answer:
    """``POST /orders/{id}/fulfillment``."""
    return 200, sim.state.order_book.fulfil(order_id, request.form())


def refund_order(sim: JuspaySimulator, request: SimRequest, order_id: str) -> Answer:
    """``POST /orders/{id}/refunds``: order refund."""
    return 200, sim.state.refund_order(order_id, request.form())


def refund_txn(sim: JuspaySimulator, request: SimRequest) -> Answer:
    """``POST /refunds``: Txn-ID refund."""
    return 200, sim.state.refund_txn(request.form())


def mandate_command(sim: JuspaySimulator, request: SimRequest, mandate_id: str) -> Answer:
    """``POST /mandates/{id}`` with a ``command``."""
    return 200, sim.state.mandate_command(mandate_id, request.form())


def list_mandates(sim: JuspaySimulator, request: SimRequest, customer_id: str) -> Answer:
    """``GET /customers/{id}/mandates``."""
    return 200, sim.state.list_mandates(customer_id)


def create_session(sim: JuspaySimulator, request: SimRequest) -> Answer:
    """``POST /session`` (JSON)."""
    try:
        body = request.json()
    except SimError:
        body = None
    return 200, sim.state.create_session(body, sim.url)


def encrypted(sim: JuspaySimulator, request: SimRequest, **params: str) -> Answer:
    """Juspay's encrypted v4 API (``jwe.py``): authenticated by the body's signature, not Basic auth."""
    return sim.jwe.handle(request.method, request.path, request.headers, request.body, sim.plain)


API = routes(
    [
        route("GET", "/orders/<order_id>", get_order),
        route("POST", "/orders", create_order),
        route("POST", "/orders/<order_id>", update_order),
        route("POST", "/orders/<order_id>/fulfillment", fulfil_order),
        route("POST", "/orders/<order_id>/refunds", refund_order),
        route("POST", "/refunds", refund_txn),
        route("POST", "/mandates/<mandate_id>", mandate_command),
        route("GET", "/customers/<customer_id>/mandates", list_mandates),
        route("POST", "/session", create_session),
        route("GET", "/notifications/<notification_id>", get_notification),
        route("POST", "/txns", execute_mandate),
        route("POST", "/v4/order-status", encrypted, auth=False),
        route("GET", "/v4/order-status", encrypted, auth=False),  # with a body, as the HDFC sample sends it
        route("POST", "/v4/orders/<order_id>/refunds", encrypted, auth=False),
    ]
)
