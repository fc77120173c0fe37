"""POST /sdk/initiate and POST /sdk/process (merchant API, IAM auth): signed SDK payloads.

Thin: wiring, then ``paybridge.logic.sign_sdk_payload``. The private key stays in KMS (or, for merchants who
must bring an existing key, in Secrets Manager); it never reaches the app.
"""

from __future__ import annotations

import functools
import uuid
from datetime import UTC, datetime
from typing import Annotated, Any, cast

import boto3
from aws_lambda_powertools.event_handler.openapi.params import Body
from aws_lambda_powertools.utilities.typing import LambdaContext

from paybridge.api import error_responses, new_resolver
from paybridge.config import FOLLOW_SCHEDULE_VARIABLES, Settings
from paybridge.dal.pending_orders import PendingOrdersRepository
from paybridge.dal.signed_orders import SignedOrdersRepository
from paybridge.dal.wallets import WalletRepository
from paybridge.logic.pending_order_schedule import schedule_from
from paybridge.logic.sign_sdk_payload import (
    Environment,
    SigningDependencies,
    sign_sdk_initiate,
    sign_sdk_process,
)
from paybridge.logic.start_pending_order import StartDependencies, start_pending_order
from paybridge.models.sdk import InitiateRequest, ProcessRequest
from paybridge.models.sdk_answers import InitiateAnswer, ProcessAnswer
from paybridge.models.signed_order import SignedOrder
from paybridge.observability import log_correlation_ids, logger, metrics, tracer
from paybridge.signer import KmsSigner, PemSigner, Signer

#: The variables this function reads: template.yaml gives it exactly these (tests/contract checks).
ENVIRONMENT = frozenset(
    {
        "JUSPAY_CLIENT_ID",
        "JUSPAY_MERCHANT_ID",
        "JUSPAY_MERCHANT_KEY_ID",
        "LEDGER_TABLE",
        "ORDER_EXPIRY_MINUTES",
        "ORDERS_TABLE",
        "PENDING_ORDER_STATE_MACHINE_ARN",
        "PENDING_ORDERS_TABLE",
        "SDK_ENVIRONMENT",
        "SDK_SIGNER",
        "SDK_SIGNING_KEY_ID",
        "SDK_SIGNING_SECRET_NAME",
        "WALLET_DISPLAY_NAME",
        "WALLET_PAYMENT_METHOD",
        *FOLLOW_SCHEDULE_VARIABLES,
    }
)

app = new_resolver()


def _signer(settings: Settings, session: boto3.session.Session) -> Signer:
    if settings.sdk_signer == "pem":
        return PemSigner.from_secrets_manager(
            session.client("secretsmanager"),
            settings.sdk_signing_secret_name,
            settings.juspay_merchant_key_id,
        )
    return KmsSigner(session.client("kms"), settings.sdk_signing_key_id, settings.juspay_merchant_key_id)


@functools.cache
def _deps() -> SigningDependencies:
    # Built on first use, once per container: no AWS client exists at import time.
    settings = Settings.from_env(variables=ENVIRONMENT)
    session = boto3.session.Session()
    dynamodb = session.client("dynamodb")
    return SigningDependencies(
        signer=_signer(settings, session),
        merchant_id=settings.juspay.merchant_id,
        client_id=settings.juspay_client_id,
        environment=cast(Environment, settings.sdk_environment),
        wallet_payment_method=settings.wallet_payment_method,
        wallet_display_name=settings.wallet_display_name,
        wallets=WalletRepository(dynamodb, settings.ledger_table),
        orders=SignedOrdersRepository(dynamodb, settings.orders_table),
        clock=lambda: datetime.now(UTC),
        request_id_factory=lambda: str(uuid.uuid4()),
        on_signed=functools.partial(
            _follow,
            StartDependencies(
                session.client("stepfunctions"),
                settings.pending_order_state_machine_arn,
                lambda: datetime.now(UTC),
                PendingOrdersRepository(dynamodb, settings.pending_orders_table),
                schedule_from(settings),
            ),
        ),
        default_expiry_minutes=settings.order_expiry_minutes,
        time_scale=settings.time_scale,
    )


def _follow(deps: StartDependencies, order: SignedOrder) -> None:
    # An order whose webhooks never come is still resolved: the pending-order state machine follows it.
    start_pending_order(order.order_id, order.customer_id, trigger="paybridge/SdkProcessSigned", deps=deps)


@app.post(
    "/sdk/initiate",
    summary="A signed SDK Initiate payload for the customer",
    responses=error_responses(400, 422, 503),
)
def initiate(request: Annotated[InitiateRequest, Body()]) -> InitiateAnswer:
    """The signed Initiate payload for the customer."""
    return InitiateAnswer.model_validate(sign_sdk_initiate(request, _deps()))


@app.post(
    "/sdk/process",
    summary="A signed SDK Process payload; records the order and starts following it",
    responses=error_responses(400, 409, 422, 503),
)
def process(request: Annotated[ProcessRequest, Body()]) -> ProcessAnswer:
    """The signed Process payload for the order (the order is recorded before it is returned)."""
    return ProcessAnswer.model_validate(sign_sdk_process(request, _deps()).payload)


@logger.inject_lambda_context(clear_state=True)
@log_correlation_ids
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """API Gateway (REST, proxy) entry point."""
    return app.resolve(event, context)
