"""EventBridge → settlement of a split order against the in-house wallet. Thin: wiring, then
``paybridge.logic.settle_order``. Errors propagate: Lambda retries the event, then the rule's DLQ gets it."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import boto3
from aws_lambda_powertools.utilities.typing import LambdaContext

from paybridge.bus import EventPublisher
from paybridge.config import JUSPAY_VARIABLES, Settings
from paybridge.dal.orders import OrdersRepository
from paybridge.dal.pending_orders import PendingOrdersRepository
from paybridge.dal.wallets import WalletRepository
from paybridge.juspay.factory import juspay_client
from paybridge.logic.pending_orders import release_pending_order
from paybridge.logic.settle_order import SettleDependencies, settle_order
from paybridge.observability import log_correlation_ids, logger, metrics, tracer

if TYPE_CHECKING:
    from mypy_boto3_stepfunctions import SFNClient


#: The variables this function reads: template.yaml gives it exactly these (tests/contract checks).
ENVIRONMENT = frozenset(
    {"EVENT_BUS_NAME", "LEDGER_TABLE", "ORDERS_TABLE", "PENDING_ORDERS_TABLE", *JUSPAY_VARIABLES}
)


@dataclass(frozen=True)
class _Runtime:
    settings: Settings
    wallets: WalletRepository
    orders: OrdersRepository
    publisher: EventPublisher
    pending_orders: PendingOrdersRepository
    sfn: SFNClient


@functools.cache
def _runtime() -> _Runtime:
    # Built on first use, once per container: no AWS client exists at import time.
    settings = Settings.from_env(variables=ENVIRONMENT)
    session = boto3.session.Session()
    dynamodb = session.client("dynamodb")
    return _Runtime(
        settings=settings,
        wallets=WalletRepository(dynamodb, settings.ledger_table),
        orders=OrdersRepository(dynamodb, settings.orders_table),
        publisher=EventPublisher(session.client("events"), settings.event_bus_name),
        pending_orders=PendingOrdersRepository(dynamodb, settings.pending_orders_table),
        sfn=session.client("stepfunctions"),
    )


@logger.inject_lambda_context(clear_state=True)
@log_correlation_ids
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """EventBridge target: ``detail`` names the order (Juspay order webhooks, ``PendingOrderResolved``)."""
    runtime = _runtime()
    logger.append_keys(
        source=event.get("source"), detail_type=event.get("detail-type"), bus_event_id=event.get("id")
    )
    deps = SettleDependencies(
        # Asynchronous invocation: Lambda retries the whole event, so the client's own retries stay short.
        juspay=juspay_client(runtime.settings, max_retries=1),
        wallets=runtime.wallets,
        orders=runtime.orders,
        publisher=runtime.publisher,
        clock=lambda: datetime.now(UTC),
        release_pending=lambda order_id, status: release_pending_order(
            order_id,
            {"status": status},
            repository=runtime.pending_orders,
            sfn_client=runtime.sfn,
            now=datetime.now(UTC),
        ),
        pending_orders=runtime.pending_orders,
    )
    detail = event.get("detail")
    result = settle_order(detail if isinstance(detail, dict) else {}, deps, bus_event_id=_delivery_id(event))
    return {
        "order_id": result.order_id,
        "status": result.status,
        "action": result.action,
        "reason": result.reason,
    }


def _delivery_id(event: dict[str, Any]) -> str | None:
    """The bus event's id: the same on Lambda's retries, EventBridge's redeliveries and a dead-letter
    redrive of one event. An archive replay is another delivery (its replay's name is part of the id)."""
    event_id = event.get("id")
    if not isinstance(event_id, str) or not event_id:
        return None
    replay = event.get("replay-name")
    return f"{event_id}@{replay}" if isinstance(replay, str) and replay else event_id
