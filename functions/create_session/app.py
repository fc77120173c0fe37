"""POST /sessions (merchant API, IAM auth): Juspay's Session API, the alternative to signing. Thin: wiring,
then ``paybridge.logic.create_session``."""

from __future__ import annotations

import functools
from datetime import UTC, datetime
from typing import Annotated, Any

import boto3
from aws_lambda_powertools.event_handler.openapi.params import Body
from aws_lambda_powertools.utilities.typing import LambdaContext

from paybridge.api import error_responses, new_resolver
from paybridge.config import FOLLOW_SCHEDULE_VARIABLES, JUSPAY_VARIABLES, Settings
from paybridge.dal.pending_orders import PendingOrdersRepository
from paybridge.dal.signed_orders import SignedOrdersRepository
from paybridge.dal.wallets import WalletRepository
from paybridge.juspay.factory import juspay_client
from paybridge.logic.create_session import SessionDependencies, create_session
from paybridge.logic.pending_order_schedule import schedule_from
from paybridge.logic.start_pending_order import StartDependencies, start_pending_order
from paybridge.models.sdk import ProcessRequest
from paybridge.models.sdk_answers import SessionAnswer
from paybridge.models.signed_order import SignedOrder
from paybridge.observability import log_correlation_ids, logger, metrics, tracer

#: The variables this function reads: template.yaml gives it exactly these (tests/contract checks).
ENVIRONMENT = frozenset(
    {
        "JUSPAY_CLIENT_ID",
        "LEDGER_TABLE",
        "ORDERS_TABLE",
        "PENDING_ORDER_STATE_MACHINE_ARN",
        "PENDING_ORDERS_TABLE",
        "WALLET_DISPLAY_NAME",
        "WALLET_PAYMENT_METHOD",
        *JUSPAY_VARIABLES,
        *FOLLOW_SCHEDULE_VARIABLES,
    }
)

app = new_resolver()


@functools.cache
def _runtime() -> tuple[Settings, WalletRepository, SignedOrdersRepository, StartDependencies]:
    # Built on first use, once per container: no AWS client exists at import time.
    settings = Settings.from_env(variables=ENVIRONMENT)
    session = boto3.session.Session()
    dynamodb = session.client("dynamodb")
    follow = StartDependencies(
        session.client("stepfunctions"),
        settings.pending_order_state_machine_arn,
        lambda: datetime.now(UTC),
        PendingOrdersRepository(dynamodb, settings.pending_orders_table),
        schedule_from(settings),
    )
    return (
        settings,
        WalletRepository(dynamodb, settings.ledger_table),
        SignedOrdersRepository(dynamodb, settings.orders_table),
        follow,
    )


def _follow(deps: StartDependencies, order: SignedOrder) -> None:
    # As for a signed order: one whose webhooks never come is still resolved.
    start_pending_order(order.order_id, order.customer_id, trigger="paybridge/SessionCreated", deps=deps)


@app.post(
    "/sessions",
    summary="Create the order at Juspay (Session API) with the wallet offer; answers Juspay's sdk_payload",
    responses=error_responses(400, 409, 422, 502, 503),
)
def new_session(request: Annotated[ProcessRequest, Body()]) -> SessionAnswer:
    """The alternative to signing: Juspay creates the order, the app gets Juspay's ``sdk_payload``."""
    settings, wallets, orders, follow = _runtime()
    deps = SessionDependencies(
        juspay=juspay_client(settings),
        wallets=wallets,
        orders=orders,
        client_id=settings.juspay_client_id,
        wallet_payment_method=settings.wallet_payment_method,
        wallet_display_name=settings.wallet_display_name,
        clock=lambda: datetime.now(UTC),
        on_created=functools.partial(_follow, follow),
    )
    return SessionAnswer.model_validate(create_session(request, deps))


@logger.inject_lambda_context(clear_state=True)
@log_correlation_ids
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """API Gateway (REST, proxy) entry point."""
    return app.resolve(event, context)
