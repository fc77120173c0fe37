"""EventBridge Juspay refund events (ORDER_REFUNDED, ORDER_REFUND_FAILED, REFUND_INITIATED,
REFUND_MANUAL_REVIEW_NEEDED, AUTO_REFUND_*) → refunds followed to their final state, wallet share credited
back. Thin: wiring, then ``paybridge.logic.track_refund``. Raising makes Lambda retry the event.
"""

from __future__ import annotations

import functools
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

import boto3
from aws_lambda_powertools.utilities.typing import LambdaContext

from paybridge.bus import EventPublisher
from paybridge.config import Settings
from paybridge.dal.orders import OrdersRepository
from paybridge.dal.refunds import RefundsRepository
from paybridge.dal.wallets import WalletRepository
from paybridge.juspay.factory import juspay_client
from paybridge.logic.issue_refund import RefundDependencies
from paybridge.logic.track_refund import TrackDependencies, track_refund
from paybridge.observability import log_correlation_ids, logger, metrics, tracer


@dataclass(frozen=True)
class _Runtime:
    settings: Settings
    refunds: RefundsRepository
    orders: OrdersRepository
    wallets: WalletRepository
    publisher: EventPublisher


@functools.cache
def _runtime() -> _Runtime:
    # Built on first use, once per container: no AWS client exists at import time.
    settings = Settings.from_env()
    session = boto3.session.Session()
    dynamodb = session.client("dynamodb")
    return _Runtime(
        settings=settings,
        refunds=RefundsRepository(dynamodb, settings.refunds_table),
        orders=OrdersRepository(dynamodb, settings.orders_table),
        wallets=WalletRepository(dynamodb, settings.ledger_table),
        publisher=EventPublisher(session.client("events"), settings.event_bus_name),
    )


@logger.inject_lambda_context(clear_state=True)
@log_correlation_ids
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """EventBridge target entry point; answers what changed (ids and statuses only)."""
    runtime = _runtime()
    logger.append_keys(bus_event_id=event.get("id"))
    refunds = RefundDependencies(
        repository=runtime.refunds,
        juspay=juspay_client(runtime.settings),
        publisher=runtime.publisher,
        clock=lambda: datetime.now(UTC),
        max_attempts=runtime.settings.refund_max_attempts,
    )
    deps = TrackDependencies(refunds=refunds, orders=runtime.orders, wallets=runtime.wallets)
    result = track_refund(str(event.get("detail-type", "")), event.get("detail") or {}, deps)
    return asdict(result)
