"""The pending-order state machine's poll task: Get Order Status, then resolve, wait again or mark STALE.
Thin: wiring, then ``paybridge.logic.check_pending_order``.

Juspay errors are raised as they are: their class names are what the state machine retries and catches.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import boto3
from aws_lambda_powertools.utilities.typing import LambdaContext

from paybridge.bus import EventPublisher
from paybridge.config import Settings
from paybridge.dal.orders import OrdersRepository
from paybridge.dal.pending_orders import PendingOrdersRepository
from paybridge.dal.signed_orders import SignedOrdersRepository
from paybridge.juspay.factory import juspay_client
from paybridge.logic.check_pending_order import CheckDependencies, check_pending_order
from paybridge.logic.pending_order_schedule import FollowSchedule, schedule_from
from paybridge.observability import log_correlation_ids, logger, metrics, tracer


@dataclass(frozen=True)
class _Runtime:
    settings: Settings
    repository: PendingOrdersRepository
    publisher: EventPublisher
    schedule: FollowSchedule
    signed_orders: SignedOrdersRepository
    orders: OrdersRepository


@functools.cache
def _runtime() -> _Runtime:
    # Built on first use, once per container: no AWS client exists at import time.
    settings = Settings.from_env()
    session = boto3.session.Session()
    dynamodb = session.client("dynamodb")
    return _Runtime(
        settings=settings,
        repository=PendingOrdersRepository(dynamodb, settings.pending_orders_table),
        publisher=EventPublisher(session.client("events"), settings.event_bus_name),
        schedule=schedule_from(settings),
        signed_orders=SignedOrdersRepository(dynamodb, settings.orders_table),
        orders=OrdersRepository(dynamodb, settings.orders_table),
    )


@logger.inject_lambda_context(clear_state=True)
@log_correlation_ids
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Step Functions task entry point; answers the execution's next state document."""
    runtime = _runtime()
    deps = CheckDependencies(
        repository=runtime.repository,
        juspay=juspay_client(runtime.settings),
        publisher=runtime.publisher,
        clock=lambda: datetime.now(UTC),
        schedule=runtime.schedule,
        expiries=runtime.signed_orders,
        orders=runtime.orders,
    )
    return check_pending_order(event, deps)
