"""Scheduled (and on-demand: ``python -m paybridge_ops reconcile``) reconciliation of the orders touched in a
window with Juspay. Thin: wiring of the normal paths it repairs through, then
``paybridge.logic.reconcile_orders``. Answers the report (ids, statuses, counts)."""

from __future__ import annotations

import functools
import os
from collections.abc import Sequence
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import ValidationError

from paybridge.bus import EventPublisher
from paybridge.config import Settings
from paybridge.dal.orders import OrderRecord, OrdersRepository
from paybridge.dal.pending_orders import PendingOrdersRepository
from paybridge.dal.reconciliation import MismatchMarks
from paybridge.dal.refunds import RefundsRepository
from paybridge.dal.touched import touched_order_ids
from paybridge.dal.wallets import WalletRepository
from paybridge.juspay.factory import juspay_client
from paybridge.logic.issue_refund import RefundDependencies
from paybridge.logic.pending_order_schedule import schedule_from
from paybridge.logic.pending_orders import release_pending_order
from paybridge.logic.reconcile_orders import ReconcileDependencies, Repaired, reconcile_orders
from paybridge.logic.settle_order import SettleDependencies, settle_order
from paybridge.logic.start_pending_order import StartDependencies, start_pending_order
from paybridge.logic.track_refund import TrackDependencies, follow_order_refunds
from paybridge.logic.wallet_share import credit_back_wallet_share
from paybridge.models.juspay import Order
from paybridge.models.reconciliation import ReconcileRequest, ReconcileSettings
from paybridge.models.refund import RefundRecord
from paybridge.models.validation import request_error
from paybridge.observability import log_correlation_ids, logger, metrics, tracer


def _now() -> datetime:
    return datetime.now(UTC)


def _settled(action: str) -> Repaired:
    return Repaired(action not in ("already_done", "ignored"), action)


def _started(action: str) -> Repaired:
    return Repaired(action == "started", action)


@functools.cache
def _settings() -> tuple[Settings, ReconcileSettings]:
    window = os.environ.get("RECONCILE_WINDOW_HOURS", "").strip()
    return Settings.from_env(), ReconcileSettings(window_hours=int(window) if window else 3)


def _deps(settings: Settings, context: LambdaContext) -> ReconcileDependencies:
    session = boto3.session.Session()
    dynamodb, sfn = session.client("dynamodb"), session.client("stepfunctions")
    orders = OrdersRepository(dynamodb, settings.orders_table)
    wallets = WalletRepository(dynamodb, settings.ledger_table)
    refunds = RefundsRepository(dynamodb, settings.refunds_table)
    pending = PendingOrdersRepository(dynamodb, settings.pending_orders_table)
    publisher = EventPublisher(session.client("events"), settings.event_bus_name)
    # One client retry per call: a Juspay that stays down stops the run, and the next run starts over.
    juspay = juspay_client(settings, max_retries=1)
    settle = SettleDependencies(
        juspay=juspay,
        wallets=wallets,
        orders=orders,
        publisher=publisher,
        clock=_now,
        release_pending=lambda order_id, status: release_pending_order(
            order_id, {"status": status}, repository=pending, sfn_client=sfn, now=_now()
        ),
    )
    start = StartDependencies(
        sfn_client=sfn,
        state_machine_arn=settings.pending_order_state_machine_arn,
        clock=_now,
        repository=pending,
        schedule=schedule_from(settings),
    )
    track = TrackDependencies(
        refunds=RefundDependencies(
            repository=refunds,
            juspay=juspay,
            publisher=publisher,
            clock=_now,
            max_attempts=settings.refund_max_attempts,
        ),
        orders=orders,
        wallets=wallets,
    )

    def follow_refunds(order: Order, records: Sequence[RefundRecord]) -> Repaired:
        after = follow_order_refunds(order, records, track.refunds)
        changed = any(after[r.seq].status != r.status for r in records)
        return Repaired(changed, ",".join(f"{seq}:{r.status}" for seq, r in sorted(after.items())))

    def credit_back(record: OrderRecord, order: Order) -> Repaired:
        result = credit_back_wallet_share(record, order, settle)
        return Repaired(result.status == "REVERSED", result.status)

    return ReconcileDependencies(
        touched=lambda since, until: touched_order_ids(dynamodb, orders.table_name, since=since, until=until),
        orders=orders,
        refunds=refunds,
        followers=pending,
        juspay=juspay,
        marks=MismatchMarks(dynamodb, orders.table_name),
        publisher=publisher,
        settle=lambda order_id, customer: _settled(
            settle_order({"order_id": order_id, "customer_id": customer}, settle).action
        ),
        start_follower=lambda order_id, customer: _started(
            start_pending_order(order_id, customer, trigger="reconciliation", deps=start).action
        ),
        follow_refunds=follow_refunds,
        credit_back=credit_back,
        clock=_now,
        time_left_ms=context.get_remaining_time_in_millis,
    )


@logger.inject_lambda_context(clear_state=True)
@log_correlation_ids
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """Schedule event or ``{"since", "until"}`` / ``{"hours"}`` / ``{}`` → the run's report."""
    settings, own = _settings()
    try:
        request = ReconcileRequest.model_validate(event if isinstance(event, dict) else {})
    except ValidationError as exc:
        raise request_error(exc) from None
    # A scheduled run's window shrinks with the schedule's period under a local TIME_SCALE (1 on AWS).
    default = timedelta(hours=own.window_hours) / settings.time_scale
    since, until = request.window(now=_now(), default=default)
    report = reconcile_orders(since, until, _deps(settings, context))
    return {**asdict(report), "counts": report.counts()}
