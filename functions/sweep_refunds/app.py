"""Scheduled (rate 5 minutes): open refunds checked with Order Status on a growing schedule, so they reach a
final state without webhooks. Thin: wiring, then ``paybridge.logic.sweep_refunds``.
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
from paybridge.logic.refund_engine import RefundDependencies
from paybridge.logic.sweep_refunds import SweepDependencies, sweep_refunds
from paybridge.logic.track_refund import TrackDependencies
from paybridge.models.refund_schedule import RefundCheckSchedule
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
    """Scheduled-event entry point; answers what the run did (ids, statuses and counts only)."""
    runtime = _runtime()
    settings = runtime.settings
    refunds = RefundDependencies(
        repository=runtime.refunds,
        juspay=juspay_client(settings),
        publisher=runtime.publisher,
        clock=lambda: datetime.now(UTC),
        max_attempts=settings.refund_max_attempts,
    )
    deps = SweepDependencies(
        track=TrackDependencies(refunds=refunds, orders=runtime.orders, wallets=runtime.wallets),
        schedule=RefundCheckSchedule(
            first_s=settings.refund_check_first_s,
            # A cap below the first gap (a deploy-time slip CloudFormation cannot refuse) means "no doubling".
            max_s=max(settings.refund_check_max_s, settings.refund_check_first_s),
            time_scale=settings.time_scale,
        ),
        time_left=lambda: context.get_remaining_time_in_millis() / 1000,
    )
    result = sweep_refunds(deps, now=datetime.now(UTC), limit=settings.refund_sweep_limit)
    return asdict(result)
