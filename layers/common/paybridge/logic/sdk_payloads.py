"""Builds the signed Initiate and Process payloads the Juspay SDK (HyperCheckout) takes from the app.

The payloads only: the use case around them (wallet offer, recording the order) is
``paybridge.logic.sign_sdk_payload``. Pure functions: the signer, clock and request-id source are passed in,
nothing is read from the environment and nothing is stored. The caller stores the returned ``SignedOrder``
(``paybridge.models.signed_order``) so settlement can later check that what Juspay reports matches what was
signed.

The signed strings (``orderDetails``, ``signaturePayload``) are serialised exactly once; the very same ``str``
goes into the payload and its UTF-8 bytes are what the signer signs, so Juspay verifies the bytes it receives.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Final, Literal, get_args

from paybridge.models.money import format_major
from paybridge.models.sdk import (
    InitiateRequest,
    ProcessRequest,
    WalletOffer,
    merchant_container_list_json,
)
from paybridge.models.signed_order import SignedOrder

if TYPE_CHECKING:
    # Annotations only: the Session API function shares this module's order terms and never signs, so it
    # does not import cryptography at cold start (the signing function imports the signer itself).
    from paybridge.signer import Signer

#: The SDK service the payloads address (Payment Page / HyperCheckout).
SERVICE: Final = "in.juspay.hyperpay"
#: Key of the wallet offer inside orderDetails: a flat key, as in Juspay's merchant-container sample.
MERCHANT_CONTAINER_LIST_KEY: Final = "metadata.merchant_container_list"

Clock = Callable[[], datetime]
RequestIdFactory = Callable[[], str]
Environment = Literal["sandbox", "production"]

_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)
_ONE_MS: Final = timedelta(milliseconds=1)


@dataclass(frozen=True, slots=True)
class SignedProcessPayload:
    """The Process payload for the app (``payload``) and the order record to store (``order``).

    ``order_details`` is the exact string that was signed (also at ``payload["payload"]["orderDetails"]``).
    """

    payload: dict[str, Any]
    order: SignedOrder
    order_details: str


def epoch_millis(moment: datetime) -> int:
    """Milliseconds since the Unix epoch, computed exactly (no float). ``moment`` must be timezone-aware."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("the clock must return a timezone-aware datetime")
    return (moment - _EPOCH) // _ONE_MS


def offer_wallet(
    *,
    payment_method: str,
    display_name: str,
    balance_minor: int,
    order_amount_minor: int,
    currency: str = "INR",
    icon_url: str | None = None,
    pre_selected: bool | None = None,
) -> WalletOffer | None:
    """The wallet offer for one order, or ``None`` when there is nothing to offer.

    Rule: the wallet may pay ``min(balance, order amount)``; the customer pays the rest online. A wallet with
    no (or a negative) balance is not offered at all, since Juspay would show an option worth nothing.
    """
    if balance_minor <= 0 or order_amount_minor <= 0:
        return None
    return WalletOffer(
        payment_method=payment_method,
        display_name=display_name,
        balance_minor=balance_minor,
        eligible_minor=min(balance_minor, order_amount_minor),
        currency=currency,
        icon_url=icon_url,
        pre_selected=pre_selected,
    )


def _require(name: str, value: str) -> str:
    if not value:
        raise ValueError(f"{name} must be configured")
    return value


def _now_utc(clock: Clock) -> tuple[datetime, str]:
    """The signing time in UTC and its ``timestamp`` (epoch milliseconds as a string), read once; a naive
    datetime is refused before anything is signed."""
    moment = clock()
    return moment.astimezone(UTC), str(epoch_millis(moment))


#: Compact and UTF-8 as is: the one serialisation whose bytes are both signed and sent (one encoder, built
#: once: ``json.dumps`` with options builds a new one per call).
_serialise = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode


def _sign(signer: Signer, text: str) -> str:
    return base64.b64encode(signer.sign(text.encode("utf-8"))).decode("ascii")


def build_initiate_payload(
    request: InitiateRequest,
    *,
    signer: Signer,
    merchant_id: str,
    client_id: str,
    environment: Environment,
    clock: Clock,
    request_id_factory: RequestIdFactory,
) -> dict[str, Any]:
    """The signed Initiate payload: ``{requestId, service, payload: {action: "initiate", ...}}``.

    ``signaturePayload`` is a JSON string of merchant_id, customer_id, the contact fields given, and
    timestamp (epoch milliseconds as a string); ``signature`` is over its exact UTF-8 bytes.
    """
    if environment not in get_args(Environment):
        raise ValueError(f"environment must be one of {get_args(Environment)}")
    merchant_id = _require("merchant_id", merchant_id)
    client_id = _require("client_id", client_id)
    _, timestamp = _now_utc(clock)

    document: dict[str, str] = {"merchant_id": merchant_id, "customer_id": request.customer_id}
    optional = {
        "mobile_number": request.mobile_number,
        "email_address": request.email_address,
        "first_name": request.first_name,
        "last_name": request.last_name,
    }
    document.update({key: value for key, value in optional.items() if value is not None})
    document["timestamp"] = timestamp
    signature_payload = _serialise(document)

    return {
        "requestId": request_id_factory(),
        "service": SERVICE,
        "payload": {
            "action": "initiate",
            "merchantId": merchant_id,
            "clientId": client_id,
            "customerId": request.customer_id,
            "environment": environment,
            "signaturePayload": signature_payload,
            "signature": _sign(signer, signature_payload),
            "merchantKeyId": signer.key_id,
        },
    }


def _check_offer(offer: WalletOffer, request: ProcessRequest) -> None:
    # An offer built for another order or currency is a bug in the caller, not bad client input.
    if offer.currency != request.currency:
        raise ValueError("wallet_offer currency differs from the order currency")
    if offer.eligible_minor > request.amount_minor:
        raise ValueError("wallet_offer eligible amount exceeds the order amount")


def build_process_payload(
    request: ProcessRequest,
    *,
    signer: Signer,
    merchant_id: str,
    client_id: str,
    clock: Clock,
    request_id_factory: RequestIdFactory,
    wallet_offer: WalletOffer | None,
    expires_after: timedelta | None = None,
) -> SignedProcessPayload:
    """The signed Process (``paymentPage``) payload, shaped like Juspay's sample, plus its order record.

    ``orderDetails`` holds order_id, merchant_id, amount (major units as a string), timestamp (epoch ms as a
    string), customer_id, currency, then whatever optional fields were given, the ``metadata.<key>`` entries
    and, with a wallet offer, ``metadata.merchant_container_list``. Build the offer with :func:`offer_wallet`.
    ``expires_after`` sets the order record's expiry (from the signing time).
    """
    merchant_id = _require("merchant_id", merchant_id)
    client_id = _require("client_id", client_id)
    if wallet_offer is not None:
        _check_offer(wallet_offer, request)
    signed_at, timestamp = _now_utc(clock)
    amount_minor = request.amount_minor
    amount = format_major(amount_minor, request.currency)

    details: dict[str, str] = {
        "order_id": request.order_id,
        "merchant_id": merchant_id,
        "amount": amount,
        "timestamp": timestamp,
        "customer_id": request.customer_id,
        "currency": request.currency,
    }
    details.update(request.optional_order_fields())
    if wallet_offer is not None:
        details[MERCHANT_CONTAINER_LIST_KEY] = merchant_container_list_json([wallet_offer])
    order_details = _serialise(details)

    inner: dict[str, Any] = {
        "action": "paymentPage",
        "merchantId": merchant_id,
        "clientId": client_id,
        "orderId": request.order_id,
        "amount": amount,
        "customerId": request.customer_id,
    }
    if request.customer_email is not None:
        inner["customerEmail"] = request.customer_email
    if request.customer_phone is not None:
        inner["customerMobile"] = request.customer_phone
    inner["orderDetails"] = order_details
    inner["signature"] = _sign(signer, order_details)
    inner["merchantKeyId"] = signer.key_id
    if request.language is not None:
        inner["language"] = request.language

    order = SignedOrder(
        order_id=request.order_id,
        customer_id=request.customer_id,
        amount_minor=amount_minor,
        currency=request.currency,
        wallet_offered_minor=0 if wallet_offer is None else wallet_offer.eligible_minor,
        wallet_payment_method=None if wallet_offer is None else wallet_offer.payment_method,
        merchant_key_id=signer.key_id,
        signed_at=signed_at,
        expires_at=signed_at + expires_after if expires_after is not None else None,
    )
    return SignedProcessPayload(
        payload={"requestId": request_id_factory(), "service": SERVICE, "payload": inner},
        order=order,
        order_details=order_details,
    )
