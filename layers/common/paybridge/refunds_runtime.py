"""Wiring of the functions that issue and follow refunds (issue_refund, refund_order, track_refund,
sweep_refunds): the repositories and publisher built once per container from the function's settings, the
refund dependencies per invocation (the Juspay client is fetched per call: its key may rotate).

Nothing here runs at import time; a repository is built only when a function uses it, so each function
needs only the table variables it reads.
"""

from __future__ import annotations

import functools
from collections.abc import Collection
from datetime import UTC, datetime

import boto3

from paybridge.bus import EventPublisher
from paybridge.config import Settings
from paybridge.dal.orders import OrdersRepository
from paybridge.dal.refunds import RefundsRepository
from paybridge.dal.wallets import WalletRepository
from paybridge.juspay.factory import juspay_client
from paybridge.logic.refund_engine import RefundDependencies
from paybridge.logic.track_refund import TrackDependencies


def _now() -> datetime:
    return datetime.now(UTC)


class RefundWiring:
    """One function's refund wiring. Each handler caches its own (one per container): a cache here would
    outlive a handler module reloaded for another stack in the same process (the test stacks)."""

    def __init__(self, variables: Collection[str]) -> None:
        self.settings = Settings.from_env(variables=variables)
        session = boto3.session.Session()
        self._dynamodb = session.client("dynamodb")
        self.publisher = EventPublisher(session.client("events"), self.settings.event_bus_name)
        self.refunds = RefundsRepository(self._dynamodb, self.settings.refunds_table)

    @functools.cached_property
    def orders(self) -> OrdersRepository:
        """The orders table (functions that read orders have ``ORDERS_TABLE``)."""
        return OrdersRepository(self._dynamodb, self.settings.orders_table)

    @functools.cached_property
    def wallets(self) -> WalletRepository:
        """The ledger (functions that credit wallet shares back have ``LEDGER_TABLE``)."""
        return WalletRepository(self._dynamodb, self.settings.ledger_table)

    def refund_dependencies(self) -> RefundDependencies:
        """What the refund logic needs for one invocation."""
        return RefundDependencies(
            repository=self.refunds,
            juspay=juspay_client(self.settings),
            publisher=self.publisher,
            clock=_now,
            max_attempts=self.settings.refund_max_attempts,
        )

    def track_dependencies(self) -> TrackDependencies:
        """What following a refund (and crediting its wallet share back) needs for one invocation."""
        return TrackDependencies(refunds=self.refund_dependencies(), orders=self.orders, wallets=self.wallets)
