"""Mandate functions: the mandate routes and tracker (the mandates table and Juspay), and the recurring-debit
functions (notify, execute, track), which need the same things. The Juspay client is built per call (its key
may rotate)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime

from paybridge.composition.aws import Clients, follow_starter, now, publisher
from paybridge.dal.mandate_debits import MandateDebitsRepository
from paybridge.dal.mandates import MandatesRepository
from paybridge.juspay.client import JuspayClient
from paybridge.juspay.factory import juspay_client
from paybridge.juspay.mandate_debits import MandateDebitCalls
from paybridge.logic.mandate_debit_outcome import DebitDependencies, notification_window
from paybridge.logic.start_pending_order import start_pending_order
from paybridge.models.juspay import Order
from paybridge.settings import groups
from paybridge.settings.mandates import (
    ExecuteMandateDebitSettings,
    NotifyMandateDebitSettings,
    TrackMandateDebitSettings,
)


@dataclass(frozen=True)
class MandateRuntime:
    """get/list/revoke/pause/resume/track mandate: the mandates table and Juspay."""

    settings: groups.MandateCommands
    mandates: MandatesRepository
    #: The tracker runs asynchronously (Lambda retries the event): its client's own retries stay short.
    max_retries: int | None = None
    clock: Callable[[], datetime] = now

    def juspay(self) -> JuspayClient:
        """This invocation's Juspay client."""
        return juspay_client(self.settings, max_retries=self.max_retries)


def for_mandate_commands(
    settings: groups.MandateCommands, *, max_retries: int | None = None
) -> MandateRuntime:
    """The runtime of a mandate route or of track_mandate (``max_retries=1``)."""
    return MandateRuntime(
        settings, MandatesRepository(Clients().dynamodb, settings.mandates_table), max_retries
    )


def _debit_dependencies(
    settings: groups.MandateDebitFlow, clients: Clients, *, max_retries: int | None = None
) -> DebitDependencies:
    def order_status(order_id: str, customer_id: str | None) -> Order:
        return juspay_client(settings, max_retries=max_retries).get_order_status(
            order_id, customer_id=customer_id
        )

    return DebitDependencies(
        calls=MandateDebitCalls(lambda: juspay_client(settings, max_retries=max_retries)),
        order_status=order_status,
        debits=MandateDebitsRepository(clients.dynamodb, settings.mandate_debits_table),
        mandates=MandatesRepository(clients.dynamodb, settings.mandates_table),
        publisher=publisher(settings, clients),
        clock=now,
        window=notification_window(settings.mandate_notification_window_s, settings.time_scale),
    )


def for_notify_mandate_debit(settings: NotifyMandateDebitSettings) -> DebitDependencies:
    """notify_mandate_debit's dependencies."""
    return _debit_dependencies(settings, Clients())


def for_execute_mandate_debit(settings: ExecuteMandateDebitSettings) -> DebitDependencies:
    """execute_mandate_debit's dependencies: an executed debit's order is followed, as a signed one is."""
    clients = Clients()
    start = follow_starter(settings, clients)

    def follow_order(order_id: str, customer_id: str | None) -> object:
        return start_pending_order(
            order_id, customer_id, trigger="paybridge/MandateDebitExecuted", deps=start
        )

    return replace(_debit_dependencies(settings, clients), follow=follow_order)


def for_track_mandate_debit(settings: TrackMandateDebitSettings) -> DebitDependencies:
    """track_mandate_debit's dependencies. Asynchronous invocation: Lambda retries the whole event, so the
    Juspay client's own retries stay short."""
    return _debit_dependencies(settings, Clients(), max_retries=1)
