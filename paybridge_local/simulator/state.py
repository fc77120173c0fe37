"""The simulator's memory, split by resource (``orders``, ``refunds``, ``mandates``, ``webhooks``, the request
``journal`` and ``faults``), all guarded by one lock. ``SimulatorState`` composes them and keeps the flat
method names tests and tools call (``sim.state.get_order(...)``).

Everything is plain dicts in Juspay's own JSON shapes (numbers as ``int``/``Decimal``). Operations raise
``SimError`` with the HTTP status and body Juspay would answer.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any

from paybridge_local.simulator.errors import JsonDict, SimError
from paybridge_local.simulator.journal import LOG_LIMIT, Faults, Journal
from paybridge_local.simulator.mandates import MandateBook
from paybridge_local.simulator.orders import OrderBook
from paybridge_local.simulator.refunds import RefundBook
from paybridge_local.simulator.routing import expected_routing
from paybridge_local.simulator.sessions import create_session
from paybridge_local.simulator.webhooks import WebhookBook
from paybridge_local.simulator.wire import camel_key

__all__ = ["JsonDict", "SimError", "SimulatorState", "camel_key"]


class SimulatorState:
    """All the simulator remembers; every public method is safe to call from any thread."""

    def __init__(self, merchant_id: str, log_limit: int = LOG_LIMIT) -> None:
        self.merchant_id = merchant_id
        self.lock = threading.RLock()
        self.order_book = OrderBook(self.lock, merchant_id)
        self.refund_book = RefundBook(self.lock, self.order_book.orders)
        self.mandate_book = MandateBook(self.lock, self.order_book.orders)
        self.order_book.refunds = self.refund_book
        self.order_book.mandates = self.mandate_book
        self.webhook_book = WebhookBook(self.lock, self.order_book.orders, self.mandate_book, log_limit)
        self.journal = Journal(self.lock, log_limit)
        self.fault_board = Faults(self.lock)

    @property
    def orders(self) -> dict[str, JsonDict]:
        """The stored orders by id (live: tests may edit one to imitate a change at Juspay)."""
        return self.order_book.orders

    @property
    def mandates(self) -> dict[str, JsonDict]:
        """The stored mandates by id (live)."""
        return self.mandate_book.mandates

    def reset(self) -> None:
        """Forgets everything."""
        with self.lock:
            for part in (
                self.order_book,
                self.refund_book,
                self.mandate_book,
                self.webhook_book,
                self.journal,
            ):
                part.reset()
            self.fault_board.clear()

    # --- Request log, violations and faults -----------------------------------------------------------
    def record_request(self, entry: JsonDict) -> None:
        """Appends one Juspay API request to the log with the routing id expected for it (``routing.py``)."""
        self.journal.record(entry, lambda e: expected_routing(e, self.orders, self.mandates))

    def request_log(self) -> list[JsonDict]:
        """Every Juspay API request so far, oldest first."""
        return self.journal.log()

    def clear_requests(self) -> None:
        """Empties the request log."""
        self.journal.clear_log()

    def routing_violation_log(self) -> list[JsonDict]:
        """Every call so far whose ``x-routing-id`` was missing or not the customer's, oldest first."""
        return self.journal.routing()

    def clear_routing_violations(self) -> None:
        """Forgets the routing violations seen so far."""
        self.journal.clear_routing()

    def version_violation_log(self) -> list[JsonDict]:
        """Every call so far sent without Juspay's ``version`` header, oldest first."""
        return self.journal.versions()

    def clear_version_violations(self) -> None:
        """Forgets the version violations seen so far."""
        self.journal.clear_versions()

    def add_fault(self, spec: Any) -> JsonDict:
        """Arms a fault (see ``journal.Faults.add``)."""
        return self.fault_board.add(spec)

    def list_faults(self) -> list[JsonDict]:
        """Faults still armed."""
        return self.fault_board.list()

    def clear_faults(self) -> None:
        """Disarms every fault."""
        self.fault_board.clear()

    def take_fault(self, method: str, path: str) -> JsonDict | None:
        """The first armed fault that fires for this call, or None."""
        return self.fault_board.take(method, path)

    # --- Orders, refunds, mandates, sessions ----------------------------------------------------------
    def put_order(self, order_id: str, body: Any) -> JsonDict:
        """Stores or replaces an order in Order Status shape (``orders.OrderBook.put``)."""
        return self.order_book.put(order_id, body)

    def get_order(self, order_id: str) -> JsonDict:
        """The stored order, or Juspay's 404."""
        return self.order_book.get(order_id)

    def update_order(self, order_id: str, form: Mapping[str, str]) -> JsonDict:
        """Update Order (amount, udf and address fields)."""
        return self.order_book.update(order_id, form)

    def refund_order(self, order_id: str, form: Mapping[str, str]) -> JsonDict:
        """Order refund; answers the order."""
        return self.refund_book.refund_order(order_id, form)

    def refund_txn(self, form: Mapping[str, str]) -> JsonDict:
        """Txn-ID refund; answers the refund object."""
        return self.refund_book.refund_txn(form)

    def add_refund(self, order_id: str, body: Any) -> JsonDict:
        """A refund made outside the API (``refunds.RefundBook.add_outside_api``)."""
        return self.refund_book.add_outside_api(order_id, body)

    def settle_refund(self, uid: str, body: Any) -> JsonDict:
        """Moves a refund to SUCCESS, FAILURE or MANUAL_REVIEW."""
        return self.refund_book.settle(uid, body)

    def get_refund(self, uid: str) -> JsonDict:
        """The refund as a Txn-ID refund object."""
        return self.refund_book.get(uid)

    def list_refunds(self, status: str | None = None) -> list[JsonDict]:
        """Every refund (optionally in one status), oldest first."""
        return self.refund_book.list(status)

    def put_mandate(self, mandate_id: str, body: Any) -> JsonDict:
        """Stores a mandate directly."""
        return self.mandate_book.put(mandate_id, body)

    def mandate_command(self, mandate_id: str, form: Mapping[str, str]) -> JsonDict:
        """``POST /mandates/{id}``."""
        return self.mandate_book.command(mandate_id, form)

    def list_mandates(self, customer_id: str) -> JsonDict:
        """``GET /customers/{id}/mandates``."""
        return self.mandate_book.list(customer_id)

    def create_session(self, body: Any, base_url: str) -> JsonDict:
        """``POST /session``."""
        return create_session(self.order_book, body, base_url)

    # --- Webhooks -------------------------------------------------------------------------------------
    def webhook_event(self, order_id: str, body: Any) -> JsonDict:
        """An event about the stored order, in its family's shape, remembered for redelivery."""
        return self.webhook_book.order_event(order_id, body)

    def mandate_webhook_event(self, mandate_id: str, body: Any) -> JsonDict:
        """A ``MANDATE_*`` event about the stored mandate, remembered for redelivery."""
        return self.webhook_book.mandate_event(mandate_id, body)

    def stored_event(self, event_id: str) -> JsonDict:
        """A webhook event built earlier, unchanged."""
        return self.webhook_book.stored(event_id)

    def record_webhook(self, delivery: JsonDict) -> None:
        """Remembers a delivery."""
        self.webhook_book.record(delivery)

    def webhook_log(self) -> list[JsonDict]:
        """Every webhook delivery so far."""
        return self.webhook_book.log()
