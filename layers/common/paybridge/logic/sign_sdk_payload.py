"""The use case behind ``POST /sdk/initiate`` and ``POST /sdk/process``: offers the customer's wallet, signs
the payload (``paybridge.logic.sdk_payloads`` builds it), records what was signed and starts following the
order. Dependencies come in as narrow Protocols; nothing here reads the environment or calls AWS.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any, Protocol

from paybridge.logic.sdk_payloads import (
    Clock,
    Environment,
    RequestIdFactory,
    SignedProcessPayload,
    build_initiate_payload,
    build_process_payload,
    offer_wallet,
)
from paybridge.models.sdk import InitiateRequest, ProcessRequest
from paybridge.models.signed_order import SignedOrder
from paybridge.models.wallet import Wallet, WalletStatus

if TYPE_CHECKING:
    from paybridge.signer import Signer

__all__ = [
    "Environment",
    "SignedOrderRecorder",
    "SigningDependencies",
    "WalletReader",
    "sign_sdk_initiate",
    "sign_sdk_process",
]


class WalletReader(Protocol):
    """Reads a customer's wallet (``WalletRepository`` satisfies it)."""

    def get_wallet(self, customer_id: str) -> Wallet | None: ...


class SignedOrderRecorder(Protocol):
    """Stores what was signed (``SignedOrdersRepository`` satisfies it)."""

    def record(self, order: SignedOrder) -> None: ...


@dataclass
class SigningDependencies:
    """Configuration and collaborators of the signing routes, passed in by the handler."""

    signer: Signer
    merchant_id: str
    client_id: str
    environment: Environment
    wallet_payment_method: str
    wallet_display_name: str
    wallets: WalletReader
    orders: SignedOrderRecorder
    clock: Clock
    request_id_factory: RequestIdFactory
    #: Called once the order is recorded (the pending-order state machine is started from here).
    on_signed: Callable[[SignedOrder], None] = lambda _order: None
    #: Minutes an order can be paid when the request names none (the ``OrderExpiryMinutes`` parameter).
    default_expiry_minutes: int = 15
    #: Divides the expiry (``TIME_SCALE``: 1 on AWS, larger on a local stack whose day runs in minutes).
    time_scale: int = 1


def sign_sdk_initiate(request: InitiateRequest, deps: SigningDependencies) -> dict[str, Any]:
    """The signed Initiate payload for a validated Initiate request."""
    return build_initiate_payload(
        request,
        signer=deps.signer,
        merchant_id=deps.merchant_id,
        client_id=deps.client_id,
        environment=deps.environment,
        clock=deps.clock,
        request_id_factory=deps.request_id_factory,
    )


def sign_sdk_process(request: ProcessRequest, deps: SigningDependencies) -> SignedProcessPayload:
    """For a validated Process request: offers the customer's wallet, signs, records the order, then hands the
    order to ``on_signed``. The order is recorded before the payload leaves, so settlement can always check
    what Juspay reports against what was signed."""
    wallet = deps.wallets.get_wallet(request.customer_id)
    offer = None
    if wallet is not None and wallet.status == WalletStatus.ACTIVE and wallet.currency == request.currency:
        offer = offer_wallet(
            payment_method=deps.wallet_payment_method,
            display_name=deps.wallet_display_name,
            balance_minor=wallet.balance_minor,
            order_amount_minor=request.amount_minor,
            currency=request.currency,
        )
    signed = build_process_payload(
        request,
        signer=deps.signer,
        merchant_id=deps.merchant_id,
        client_id=deps.client_id,
        clock=deps.clock,
        request_id_factory=deps.request_id_factory,
        wallet_offer=offer,
        expires_after=timedelta(minutes=request.expiry_minutes or deps.default_expiry_minutes)
        / deps.time_scale,
    )
    deps.orders.record(signed.order)
    deps.on_signed(signed.order)
    return signed
