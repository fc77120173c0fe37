"""Wiring of the recurring-debit functions: their dependencies built from the settings, once per container.

The three handlers (notify, execute, track) need the same things; building them here keeps each handler
thin and the wiring in one place. Nothing here runs at import time.
"""

from __future__ import annotations

from datetime import UTC, datetime

import boto3

from paybridge.bus import EventPublisher
from paybridge.config import Settings
from paybridge.dal.mandate_debits import MandateDebitsRepository
from paybridge.dal.mandates import MandatesRepository
from paybridge.dal.pending_orders import PendingOrdersRepository
from paybridge.juspay.factory import juspay_client
from paybridge.juspay.mandate_debits import MandateDebitCalls
from paybridge.logic.mandate_debit_outcome import DebitDependencies, notification_window
from paybridge.logic.pending_order_schedule import schedule_from
from paybridge.logic.start_pending_order import StartDependencies, start_pending_order
from paybridge.models.juspay import Order


def _now() -> datetime:
    return datetime.now(UTC)


def debit_dependencies(
    settings: Settings,
    session: boto3.session.Session,
    *,
    max_retries: int | None = None,
    follow: bool = False,
) -> DebitDependencies:
    """The dependencies of the recurring-debit logic; ``follow`` adds starting the pending-order follower
    (the execute route, as signing does). The Juspay client is built per call (its key may rotate)."""
    dynamodb = session.client("dynamodb")
    start = StartDependencies(
        session.client("stepfunctions"),
        settings.pending_order_state_machine_arn,
        _now,
        PendingOrdersRepository(dynamodb, settings.pending_orders_table),
        schedule_from(settings),
    )

    def follow_order(order_id: str, customer_id: str | None) -> object:
        return start_pending_order(
            order_id, customer_id, trigger="paybridge/MandateDebitExecuted", deps=start
        )

    def order_status(order_id: str, customer_id: str | None) -> Order:
        return juspay_client(settings, max_retries=max_retries).get_order_status(
            order_id, customer_id=customer_id
        )

    return DebitDependencies(
        calls=MandateDebitCalls(lambda: juspay_client(settings, max_retries=max_retries)),
        order_status=order_status,
        debits=MandateDebitsRepository(dynamodb, settings.mandate_debits_table),
        mandates=MandatesRepository(dynamodb, settings.mandates_table),
        publisher=EventPublisher(session.client("events"), settings.event_bus_name),
        clock=_now,
        window=notification_window(settings.mandate_notification_window_s, settings.time_scale),
        follow=follow_order if follow else None,
    )
