"""The one typed client for Juspay's server-to-server API.

Every call sends HTTP Basic (API key, empty password), ``x-merchantid``, ``x-routing-id`` and ``version``.
``x-routing-id`` is the customer id on every call (JUSPAY.md): each method makes its caller pass the customer
(``customer_id`` has no default), and only an order call with ``customer_id=None`` (a guest order, no customer
known) is routed by the order id. Mandate calls require the customer; nothing is routed by a mandate or
transaction id. Bodies are form-encoded, except ``/session`` (JSON).
With ``api_mode="encrypted"``, Order Status and order refunds go to Juspay's v4 endpoints instead
(``POST /v4/order-status``, ``POST /v4/orders/{id}/refunds``): JSON claims signed and encrypted
(``paybridge.juspay.jwe``), answers decrypted and verified before they are parsed. Juspay documents no
encrypted Txn-ID refund, so ``refund_txn`` and every other call stay on the Basic-auth API.
Responses are parsed with ``parse_float=Decimal`` and validated into the models of
``paybridge.models.juspay``; failures become one of the ``Juspay*Error`` classes of ``paybridge.errors``.

Retry policy per call (see ``transport``): GETs, ``check_status`` and refunds are retried on connection
errors, read timeouts, 429 and 5xx; Update Order, mandate revoke/pause/resume and ``/session`` only when the
connection could not be made at all.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import quote

import requests
from pydantic import SecretStr
from urllib3.util.retry import Retry

from paybridge.config import JuspayConfig
from paybridge.juspay.calls import JuspayCaller, parse_answer
from paybridge.juspay.mandates import MandateCalls
from paybridge.juspay.transport import (
    JuspayBasicAuth,
    idempotent_retry,
    shared_session,
    single_shot_retry,
)
from paybridge.juspay.wire import (
    check_unique_request_id,
    format_amount,
    order_routing_id,
    session_body,
    session_routing_id,
    update_order_form,
)
from paybridge.models.juspay import Order, Refund, Session

if TYPE_CHECKING:
    # joserfc costs more to import than boto3; only encrypted mode uses it (calls.py).
    from paybridge.juspay.jwe import JweKeys

__all__ = ["JuspayClient", "RefundType"]

RefundType = Literal["STANDARD", "INSTANT", "INSTANT_WITH_FALLBACK"]


class JuspayClient(MandateCalls):
    """Typed client for Juspay's order, refund, mandate and session APIs (mandate calls: ``MandateCalls``).

    ``api_key`` comes from Secrets Manager (see ``wire.parse_api_key_secret``); ``session`` defaults to the
    container's shared one. Pass a session from ``transport.build_session()`` if you pass one at all: a
    plain ``requests.Session`` ignores the per-call retry policies.
    """

    def __init__(
        self,
        config: JuspayConfig,
        api_key: SecretStr,
        *,
        session: requests.Session | None = None,
        backoff_factor: float = 0.5,
        backoff_jitter: float = 0.25,
        backoff_max: float = 4.0,
        jwe_keys: JweKeys | None = None,
    ) -> None:
        if not api_key.get_secret_value():
            raise ValueError("Juspay API key is empty")
        if not config.merchant_id:
            raise ValueError("Juspay merchant id is not configured")
        if config.api_mode == "encrypted" and jwe_keys is None:
            raise ValueError("Juspay api_mode is encrypted but no JWE keys were given")
        self._jwe = jwe_keys if config.api_mode == "encrypted" else None
        self._config = config
        self._base_url = config.base_url.rstrip("/")
        self._caller = JuspayCaller(
            base_url=self._base_url,
            merchant_id=config.merchant_id,
            api_version=config.api_version,
            auth=JuspayBasicAuth(api_key),
            session=session if session is not None else shared_session(),
            timeout=(config.connect_timeout_s, config.read_timeout_s),
        )
        self._idempotent = idempotent_retry(
            config.max_retries,
            backoff_factor=backoff_factor,
            backoff_jitter=backoff_jitter,
            backoff_max=backoff_max,
        )
        self._single_shot = single_shot_retry(
            config.max_retries, backoff_factor=backoff_factor, backoff_jitter=backoff_jitter
        )

    @property
    def caller(self) -> JuspayCaller:
        """What every call goes through; for calls kept beside the client (``mandate_debits``)."""
        return self._caller

    @property
    def idempotent(self) -> Retry:
        """The retry policy of calls that may be repeated (reads, calls with the same business id)."""
        return self._idempotent

    @property
    def single_shot(self) -> Retry:
        """The retry policy of calls retried only when the connection could not be made at all."""
        return self._single_shot

    @property
    def merchant_id(self) -> str:
        """Juspay's merchant id of this client."""
        return self._config.merchant_id

    def __repr__(self) -> str:
        return f"JuspayClient(base_url={self._base_url!r}, merchant_id={self._config.merchant_id!r})"

    # --- Orders ------------------------------------------------------------------------------------------
    def get_order_status(self, order_id: str, *, customer_id: str | None) -> Order:
        """``GET /orders/{order_id}``: the order's status, transactions, refunds and mandate block.

        Also the mandate order status and the mandate execution status (the execution's order id).
        ``customer_id=None`` only for a guest order (routed by the order id). Encrypted mode:
        ``POST /v4/order-status`` with ``{"order_id"}``.
        """
        routing_id = order_routing_id(order_id, customer_id)
        if self._jwe is not None:
            data = self._caller.encrypted_call(
                "get_order_status",
                "/v4/order-status",
                {"order_id": order_id},
                routing_id,
                self._jwe,
                self._idempotent,
            )
        else:
            data = self._caller.call(
                "get_order_status",
                "GET",
                f"/orders/{quote(order_id, safe='')}",
                routing_id=routing_id,
                retry=self._idempotent,
            )
        return parse_answer("get_order_status", Order, data)

    def update_order(
        self,
        order_id: str,
        *,
        amount: Decimal | None = None,
        udfs: Mapping[str, str] | None = None,
        address: Mapping[str, str] | None = None,
        customer_id: str | None,
    ) -> Order:
        """``POST /orders/{order_id}``: changes the amount, ``udf1``..``udf10`` or address fields.

        ``udfs`` keys are ``udf1``..``udf10``; ``address`` keys start with ``billing_address_`` or
        ``shipping_address_``. Not retried once sent: Juspay advises against updating an order whose
        transaction has started, and a blind repeat could land after the customer began paying.
        """
        data = self._caller.call(
            "update_order",
            "POST",
            f"/orders/{quote(order_id, safe='')}",
            routing_id=order_routing_id(order_id, customer_id),
            retry=self._single_shot,
            form=update_order_form(amount, udfs, address),
        )
        return parse_answer("update_order", Order, data)

    # --- Refunds -----------------------------------------------------------------------------------------
    def refund_order(
        self,
        order_id: str,
        *,
        unique_request_id: str,
        amount: Decimal,
        customer_id: str | None,
    ) -> Order:
        """``POST /orders/{order_id}/refunds``: answers the order, the new refund (PENDING) in ``refunds``.

        Retried with the same ``unique_request_id``, which Juspay never applies twice. Record the id
        before calling; after an outcome-unknown error call again with the same id, after a FAILURE use a
        new one. Encrypted mode: ``POST /v4/orders/{order_id}/refunds`` with the same fields as JSON.
        """
        check_unique_request_id(unique_request_id)
        form = {"unique_request_id": unique_request_id, "amount": format_amount(amount)}
        path = f"/orders/{quote(order_id, safe='')}/refunds"
        routing_id = order_routing_id(order_id, customer_id)
        if self._jwe is not None:
            data = self._caller.encrypted_call(
                "refund_order", "/v4" + path, form, routing_id, self._jwe, self._idempotent
            )
        else:
            data = self._caller.call(
                "refund_order", "POST", path, routing_id=routing_id, retry=self._idempotent, form=form
            )
        return parse_answer("refund_order", Order, data)

    def refund_txn(
        self,
        txn_id: str,
        *,
        unique_request_id: str,
        amount: Decimal,
        refund_type: RefundType | None = None,
        customer_id: str | None,
        order_id: str,
    ) -> Refund:
        """``POST /refunds``: refunds one transaction (e.g. the online part of a split order).

        Same retry contract as ``refund_order``. ``x-routing-id`` is the customer id; the transaction's
        ``order_id`` only for a guest order (``customer_id=None``).
        """
        check_unique_request_id(unique_request_id)
        form = {"txn_id": txn_id, "unique_request_id": unique_request_id, "amount": format_amount(amount)}
        if refund_type is not None:
            form["refund_type"] = refund_type
        data = self._caller.call(
            "refund_txn",
            "POST",
            "/refunds",
            routing_id=order_routing_id(order_id, customer_id),
            retry=self._idempotent,
            form=form,
        )
        return parse_answer("refund_txn", Refund, data)

    # --- Session -----------------------------------------------------------------------------------------
    def create_session(self, payload: Mapping[str, Any]) -> Session:
        """``POST /session`` (JSON): creates the order and returns the ``sdk_payload`` for the app.

        ``Decimal`` values are sent as strings (Juspay's own samples send ``"amount": "1.0"``). Not
        retried once sent: it creates an order.
        """
        data = self._caller.call(
            "create_session",
            "POST",
            "/session",
            routing_id=session_routing_id(payload),
            retry=self._single_shot,
            json_body=session_body(payload),
        )
        return parse_answer("create_session", Session, data)
