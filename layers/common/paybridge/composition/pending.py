"""The pending-order state machine's tasks that do not call Juspay: await_order_webhook (stores the wait's
task token) and record_pending_order_failure (records and announces a failed follow)."""

from __future__ import annotations

from paybridge.composition.aws import Clients, now, publisher
from paybridge.dal.pending_orders import PendingOrdersRepository
from paybridge.logic.await_order_webhook import AwaitDependencies
from paybridge.logic.record_pending_order_failure import FailureDependencies
from paybridge.settings.follower import AwaitOrderWebhookSettings, RecordPendingOrderFailureSettings


def for_await_order_webhook(settings: AwaitOrderWebhookSettings) -> AwaitDependencies:
    """await_order_webhook's dependencies."""
    clients = Clients()
    return AwaitDependencies(
        repository=PendingOrdersRepository(clients.dynamodb, settings.pending_orders_table),
        sfn_client=clients.stepfunctions,
        clock=now,
    )


def for_record_pending_order_failure(settings: RecordPendingOrderFailureSettings) -> FailureDependencies:
    """record_pending_order_failure's dependencies."""
    clients = Clients()
    return FailureDependencies(
        repository=PendingOrdersRepository(clients.dynamodb, settings.pending_orders_table),
        publisher=publisher(settings, clients),
        clock=now,
    )
