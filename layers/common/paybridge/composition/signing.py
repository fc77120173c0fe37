"""sign_sdk_payload's wiring: the signer (KMS, or a PEM from Secrets Manager), the tables it records signed
orders in, and starting the follower of each signed order. Only this function imports cryptography."""

from __future__ import annotations

import uuid

from paybridge.composition.aws import Clients, now
from paybridge.composition.follow import follow_starter
from paybridge.dal.signed_orders import SignedOrdersRepository
from paybridge.dal.wallets import WalletRepository
from paybridge.logic.sign_sdk_payload import SigningDependencies
from paybridge.logic.start_pending_order import StartDependencies, start_pending_order
from paybridge.models.signed_order import SignedOrder
from paybridge.settings import groups
from paybridge.settings.orders import SignSdkPayloadSettings
from paybridge.signer import KmsSigner, PemSigner, Signer


def signer(settings: groups.Signing, clients: Clients) -> Signer:
    """The configured signer: the key stays in KMS, or (a merchant's existing key) in Secrets Manager."""
    if settings.sdk_signer == "pem":
        return PemSigner.from_secrets_manager(
            clients.secretsmanager, settings.sdk_signing_secret_name, settings.juspay_merchant_key_id
        )
    return KmsSigner(clients.kms, settings.sdk_signing_key_id, settings.juspay_merchant_key_id)


def _request_id() -> str:
    return str(uuid.uuid4())


class _Follow:
    """Starts following a signed order: one whose webhooks never come is still resolved."""

    def __init__(self, deps: StartDependencies) -> None:
        self._deps = deps

    def __call__(self, order: SignedOrder) -> None:
        start_pending_order(
            order.order_id, order.customer_id, trigger="paybridge/SdkProcessSigned", deps=self._deps
        )


def for_sign_sdk_payload(settings: SignSdkPayloadSettings) -> SigningDependencies:
    """sign_sdk_payload's dependencies."""
    clients = Clients()
    return SigningDependencies(
        signer=signer(settings, clients),
        merchant_id=settings.juspay_merchant_id,
        client_id=settings.juspay_client_id,
        environment=settings.sdk_environment,
        wallet_payment_method=settings.wallet_payment_method,
        wallet_display_name=settings.wallet_display_name,
        wallets=WalletRepository(clients.dynamodb, settings.ledger_table),
        orders=SignedOrdersRepository(clients.dynamodb, settings.orders_table),
        clock=now,
        request_id_factory=_request_id,
        on_signed=_Follow(follow_starter(settings, clients)),
        default_expiry_minutes=settings.order_expiry_minutes,
        time_scale=settings.time_scale,
    )
