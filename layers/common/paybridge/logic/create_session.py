"""POST /sessions: Juspay's Session API as the alternative to signing. The server creates the order at
Juspay (``POST /session``) with the wallet offer and hands the app Juspay's ``sdk_payload``.

The order's terms are recorded exactly as for a signed order (before Juspay is called), so settlement checks
what Juspay later reports against them; then the order is followed like a signed one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final, Protocol

from paybridge.logic.sdk_payloads import MERCHANT_CONTAINER_LIST_KEY, offer_wallet
from paybridge.logic.sign_sdk_payload import SignedOrderRecorder, WalletReader
from paybridge.models.juspay import Session
from paybridge.models.money import format_major
from paybridge.models.sdk import ProcessRequest, WalletOffer, merchant_container_list_json
from paybridge.models.signed_order import SignedOrder
from paybridge.models.wallet import WalletStatus
from paybridge.observability import MetricUnit, logger, metrics

#: ``merchant_key_id`` of an order created through the Session API: Juspay authenticated it, not our key.
SESSION_KEY_ID: Final = "juspay-session"


class SessionCreator(Protocol):
    """Juspay's Session API (``JuspayClient`` satisfies it)."""

    def create_session(self, payload: dict[str, Any]) -> Session: ...


@dataclass
class SessionDependencies:
    """Collaborators of the Session API route, passed in by the handler."""

    juspay: SessionCreator
    wallets: WalletReader
    orders: SignedOrderRecorder
    client_id: str
    wallet_payment_method: str
    wallet_display_name: str
    clock: Callable[[], datetime]
    #: Called once Juspay created the order (the pending-order state machine is started from here).
    on_created: Callable[[SignedOrder], None] = lambda _order: None


def session_payload(request: ProcessRequest, *, client_id: str, offer: WalletOffer | None) -> dict[str, Any]:
    """The ``POST /session`` body, shaped like Juspay's sample (amount from integer minor units)."""
    payload: dict[str, Any] = {
        "order_id": request.order_id,
        "amount": format_major(request.amount_minor, request.currency),
        "currency": request.currency,
        "customer_id": request.customer_id,
        "payment_page_client_id": client_id,
        "action": "paymentPage",
    }
    payload.update(request.optional_order_fields())
    if offer is not None:
        payload[MERCHANT_CONTAINER_LIST_KEY] = merchant_container_list_json([offer])
    return payload


def create_session(request: ProcessRequest, deps: SessionDependencies) -> dict[str, Any]:
    """Offers the customer's wallet, records the order's terms, creates the order at Juspay and answers
    ``{order_id, status, sdk_payload, payment_links, order_expiry}``. Juspay's errors pass on as they are
    (a 400 names Juspay's code); an order id recorded with other terms is a 409 before Juspay is called."""
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
    order = SignedOrder(
        order_id=request.order_id,
        customer_id=request.customer_id,
        amount_minor=request.amount_minor,
        currency=request.currency,
        wallet_offered_minor=0 if offer is None else offer.eligible_minor,
        wallet_payment_method=None if offer is None else offer.payment_method,
        merchant_key_id=SESSION_KEY_ID,
        signed_at=deps.clock().astimezone(UTC),
    )
    deps.orders.record(order)
    session = deps.juspay.create_session(session_payload(request, client_id=deps.client_id, offer=offer))
    deps.on_created(order)
    metrics.add_metric(name="SessionCreated", unit=MetricUnit.Count, value=1)
    logger.info("session created", extra={"order_id": request.order_id, "wallet_offered": offer is not None})
    return {
        "order_id": session.order_id,
        "status": session.status,
        "sdk_payload": session.sdk_payload or {},
        "payment_links": session.payment_links,
        "order_expiry": session.order_expiry,
    }
