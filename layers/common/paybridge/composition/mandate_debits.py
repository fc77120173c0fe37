"""The recurring-debit functions (notify, execute, track), which need the same things: the debits and
mandates tables, the bus and Juspay (the client per call: its key may rotate); execute also starts the
follower of the debit's order."""

from __future__ import annotations

from dataclasses import replace

from paybridge.composition.aws import Clients, now, publisher
from paybridge.composition.follow import follow_starter
from paybridge.dal.mandate_debits import MandateDebitsRepository
from paybridge.dal.mandates import MandatesRepository
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
