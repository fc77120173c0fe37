"""EventBridge → settlement of a split order against the in-house wallet. Thin: wiring, then
``paybridge.logic.settle_order``. Errors propagate: Lambda retries the event, then the rule's DLQ gets it."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import boto3
from aws_lambda_powertools.utilities import parameters
from aws_lambda_powertools.utilities.typing import LambdaContext

from paybridge.bus import EventPublisher
from paybridge.config import Settings
from paybridge.dal.orders import OrdersRepository
from paybridge.dal.wallets import WalletRepository
from paybridge.juspay.client import JuspayClient, parse_api_key_secret
from paybridge.logic.settle_order import SettleDependencies, settle_order
from paybridge.observability import logger, metrics, tracer


@dataclass(frozen=True)
class _Runtime:
    settings: Settings
    wallets: WalletRepository
    orders: OrdersRepository
    publisher: EventPublisher


@functools.cache
def _runtime() -> _Runtime:
    # Built on first use, once per container: no AWS client exists at import time.
    settings = Settings.from_env()
    session = boto3.session.Session()
    dynamodb = session.client("dynamodb")
    return _Runtime(
        settings=settings,
        wallets=WalletRepository(dynamodb, settings.ledger_table),
        orders=OrdersRepository(dynamodb, settings.orders_table),
        publisher=EventPublisher(session.client("events"), settings.event_bus_name),
    )


@functools.lru_cache(maxsize=2)
def _juspay_client(api_key: str) -> JuspayClient:
    settings = _runtime().settings
    # Asynchronous invocation: Lambda retries the whole event and the rule keeps it for hours, so the
    # client's own retries stay short instead of holding the function through long backoffs.
    config = settings.juspay.model_copy(update={"max_retries": 1})
    return JuspayClient(config, parse_api_key_secret(api_key), backoff_factor=0.2, backoff_max=1.0)


def _juspay(settings: Settings) -> JuspayClient:
    # The key is read through Powertools' cache, so a key set or rotated after deploy is picked up.
    secret = parameters.get_secret(settings.juspay.api_key_secret_name, max_age=settings.secret_max_age_s)
    return _juspay_client(str(secret))


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """EventBridge target: ``detail`` names the order (Juspay order webhooks, ``PendingOrderResolved``)."""
    runtime = _runtime()
    logger.append_keys(
        source=event.get("source"), detail_type=event.get("detail-type"), bus_event_id=event.get("id")
    )
    deps = SettleDependencies(
        juspay=_juspay(runtime.settings),
        wallets=runtime.wallets,
        orders=runtime.orders,
        publisher=runtime.publisher,
        clock=lambda: datetime.now(UTC),
    )
    detail = event.get("detail")
    result = settle_order(detail if isinstance(detail, dict) else {}, deps)
    return {
        "order_id": result.order_id,
        "status": result.status,
        "action": result.action,
        "reason": result.reason,
    }
