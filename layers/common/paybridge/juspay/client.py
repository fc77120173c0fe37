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

import json
import re
import time
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Literal, TypeVar
from urllib.parse import quote

import requests
from pydantic import BaseModel, SecretStr, ValidationError
from urllib3.util.retry import Retry

from paybridge.config import JuspayConfig
from paybridge.errors import (
    JuspayAuthenticationError,
    JuspayBadRequestError,
    JuspayError,
    JuspayNotFoundError,
    JuspayRateLimitedError,
    JuspayUnavailableError,
)
from paybridge.juspay.transport import (
    JuspayBasicAuth,
    idempotent_retry,
    retry_policy,
    shared_session,
    single_shot_retry,
)
from paybridge.models.juspay import (
    JuspayErrorEnvelope,
    Mandate,
    MandateList,
    Order,
    Refund,
    Session,
    loads_juspay_json,
)
from paybridge.models.money import format_major, to_minor
from paybridge.observability import logger, register_secret

if TYPE_CHECKING:
    # joserfc costs more to import than boto3 and only encrypted mode uses it (see _encrypted_call).
    from paybridge.juspay.jwe import JweKeys

__all__ = ["JuspayClient", "MandateCommand", "format_amount", "order_routing_id", "parse_api_key_secret"]

MandateCommand = Literal["check_status", "revoke", "pause", "resume"]
RefundType = Literal["STANDARD", "INSTANT", "INSTANT_WITH_FALLBACK"]

_ModelT = TypeVar("_ModelT", bound=BaseModel)

# Juspay asks for no special characters in unique_request_id; checking here fails fast and locally.
_UNIQUE_REQUEST_ID = re.compile(r"^[A-Za-z0-9_-]+$")
_UDF_FIELDS = frozenset(f"udf{i}" for i in range(1, 11))
_ADDRESS_PREFIXES = ("billing_address_", "shipping_address_")


def format_amount(amount: Decimal) -> str:
    """A positive ``Decimal`` as Juspay's form field wants it: exactly two decimals (``Decimal("90")`` →
    ``"90.00"``). Floats and sub-paisa precision are refused rather than rounded."""
    if not isinstance(amount, Decimal):
        raise TypeError(f"amount must be a Decimal, not {type(amount).__name__}")
    if not amount.is_finite() or amount <= 0:
        raise ValueError("amount must be a positive, finite Decimal")
    # Juspay takes every amount with two decimals; to_minor(strict) refuses 10.005 instead of rounding it.
    return format_major(to_minor(amount, "INR", strict=True), "INR")


def parse_api_key_secret(secret_string: str) -> SecretStr:
    """The API key from a Secrets Manager value: the plain key, or JSON ``{"api_key": "..."}``."""
    text = secret_string.strip()
    if text.startswith("{"):
        try:
            value = json.loads(text).get("api_key", "")
        except (ValueError, AttributeError):
            value = ""
        text = value.strip() if isinstance(value, str) else ""
    if not text:
        # Never echo the secret's content: say only what shape was expected.
        raise ValueError('Juspay API key secret must be the key or JSON {"api_key": "<key>"}')
    register_secret(text)  # masked in every later log record, wherever it might appear
    return SecretStr(text)


def order_routing_id(order_id: str, customer_id: str | None) -> str:
    """``x-routing-id`` of a call about an order: its customer, or the order id for a guest order."""
    customer = (customer_id or "").strip()
    if customer:
        return customer
    if not order_id:
        raise ValueError("a guest order call needs the order id to route by")
    return order_id


def _require_customer(customer_id: str) -> str:
    # Mandates always belong to a customer; routing by the mandate id would put the call on another shard.
    if not isinstance(customer_id, str) or not customer_id.strip():
        raise ValueError("a mandate call needs the customer id (x-routing-id)")
    return customer_id.strip()


def _check_unique_request_id(unique_request_id: str) -> None:
    if not _UNIQUE_REQUEST_ID.match(unique_request_id):
        raise ValueError("unique_request_id must be non-empty letters, digits, '_' or '-'")


class JuspayClient:
    """Typed client for Juspay's order, refund, mandate and session APIs.

    ``api_key`` comes from Secrets Manager (see ``parse_api_key_secret``); ``session`` defaults to the
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
        self._auth = JuspayBasicAuth(api_key)
        self._session = session if session is not None else shared_session()
        self._timeout = (config.connect_timeout_s, config.read_timeout_s)
        self._idempotent = idempotent_retry(
            config.max_retries,
            backoff_factor=backoff_factor,
            backoff_jitter=backoff_jitter,
            backoff_max=backoff_max,
        )
        self._single_shot = single_shot_retry(
            config.max_retries, backoff_factor=backoff_factor, backoff_jitter=backoff_jitter
        )

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
            data = self._encrypted_call(
                "get_order_status", "/v4/order-status", {"order_id": order_id}, routing_id, self._jwe
            )
        else:
            data = self._call(
                "get_order_status",
                "GET",
                f"/orders/{quote(order_id, safe='')}",
                routing_id=routing_id,
                retry=self._idempotent,
            )
        return self._parse("get_order_status", Order, data)

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
        form: dict[str, str] = {}
        if amount is not None:
            form["amount"] = format_amount(amount)
        for key, value in (udfs or {}).items():
            if key not in _UDF_FIELDS:
                raise ValueError(f"not an updatable udf field: {key!r}")
            form[key] = value
        for key, value in (address or {}).items():
            if not key.startswith(_ADDRESS_PREFIXES):
                raise ValueError(f"not an address field: {key!r}")
            form[key] = value
        if not form:
            raise ValueError("update_order needs at least one of amount, udfs, address")
        data = self._call(
            "update_order",
            "POST",
            f"/orders/{quote(order_id, safe='')}",
            routing_id=order_routing_id(order_id, customer_id),
            retry=self._single_shot,
            form=form,
        )
        return self._parse("update_order", Order, data)

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
        _check_unique_request_id(unique_request_id)
        form = {"unique_request_id": unique_request_id, "amount": format_amount(amount)}
        path = f"/orders/{quote(order_id, safe='')}/refunds"
        routing_id = order_routing_id(order_id, customer_id)
        if self._jwe is not None:
            data = self._encrypted_call("refund_order", "/v4" + path, form, routing_id, self._jwe)
        else:
            data = self._call(
                "refund_order", "POST", path, routing_id=routing_id, retry=self._idempotent, form=form
            )
        return self._parse("refund_order", Order, data)

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
        _check_unique_request_id(unique_request_id)
        form = {"txn_id": txn_id, "unique_request_id": unique_request_id, "amount": format_amount(amount)}
        if refund_type is not None:
            form["refund_type"] = refund_type
        data = self._call(
            "refund_txn",
            "POST",
            "/refunds",
            routing_id=order_routing_id(order_id, customer_id),
            retry=self._idempotent,
            form=form,
        )
        return self._parse("refund_txn", Refund, data)

    # --- Mandates ----------------------------------------------------------------------------------------
    def mandate_command(
        self,
        mandate_id: str,
        command: MandateCommand,
        *,
        customer_id: str,
        params: Mapping[str, str] | None = None,
    ) -> Mandate:
        """``POST /mandates/{mandate_id}`` with ``command`` and its extra form ``params``.

        Only ``check_status`` is retried after the request was sent: it reads. Revoke, pause and resume
        change state, and a repeat after an unknown outcome may fail ("already revoked") and hide success.
        """
        form = {"command": command, **(params or {})}
        retry = self._idempotent if command == "check_status" else self._single_shot
        data = self._call(
            f"mandate_{command}",
            "POST",
            f"/mandates/{quote(mandate_id, safe='')}",
            routing_id=_require_customer(customer_id),
            retry=retry,
            form=form,
        )
        return self._parse(f"mandate_{command}", Mandate, data)

    def check_mandate_status(self, mandate_id: str, *, customer_id: str) -> Mandate:
        """``command=check_status``: the mandate's current state."""
        return self.mandate_command(mandate_id, "check_status", customer_id=customer_id)

    def revoke_mandate(self, mandate_id: str, *, customer_id: str) -> Mandate:
        """``command=revoke``: cancels the mandate for good (status REVOKED)."""
        return self.mandate_command(mandate_id, "revoke", customer_id=customer_id)

    def pause_mandate(
        self,
        mandate_id: str,
        *,
        pause_start_date: str | None = None,
        pause_end_date: str | None = None,
        customer_id: str,
    ) -> Mandate:
        """``command=pause`` (dates as Juspay takes them: epoch seconds as strings)."""
        params = {
            key: value
            for key, value in (("pause_start_date", pause_start_date), ("pause_end_date", pause_end_date))
            if value is not None
        }
        return self.mandate_command(mandate_id, "pause", customer_id=customer_id, params=params)

    def resume_mandate(self, mandate_id: str, *, customer_id: str, resume_date: str | None = None) -> Mandate:
        """``command=resume`` (``resume_date`` in epoch seconds, optional)."""
        params = {"resume_date": resume_date} if resume_date is not None else {}
        return self.mandate_command(mandate_id, "resume", customer_id=customer_id, params=params)

    def list_mandates(self, customer_id: str) -> MandateList:
        """``GET /customers/{customer_id}/mandates``."""
        data = self._call(
            "list_mandates",
            "GET",
            f"/customers/{quote(customer_id, safe='')}/mandates",
            routing_id=_require_customer(customer_id),
            retry=self._idempotent,
        )
        return self._parse("list_mandates", MandateList, data)

    # --- Session -----------------------------------------------------------------------------------------
    def create_session(self, payload: Mapping[str, Any]) -> Session:
        """``POST /session`` (JSON): creates the order and returns the ``sdk_payload`` for the app.

        ``Decimal`` values are sent as strings (Juspay's own samples send ``"amount": "1.0"``). Not
        retried once sent: it creates an order.
        """
        routing_id = payload.get("customer_id") or payload.get("order_id")
        if not routing_id:
            raise ValueError("session payload needs customer_id or order_id")
        body = json.dumps(payload, default=_json_default, separators=(",", ":"))
        data = self._call(
            "create_session",
            "POST",
            "/session",
            routing_id=str(routing_id),
            retry=self._single_shot,
            json_body=body,
        )
        return self._parse("create_session", Session, data)

    # --- Plumbing ----------------------------------------------------------------------------------------
    def _encrypted_call(
        self, operation: str, path: str, claims: Mapping[str, str], routing_id: str, keys: JweKeys
    ) -> Any:
        # Only idempotent reads and refunds (same unique_request_id) come here, so they may be retried;
        # a retry resends the same sealed bytes.
        from paybridge.juspay.jwe import open_response, seal_request  # encrypted mode only: cold start

        sealed = seal_request(json.dumps(dict(claims), separators=(",", ":")).encode(), keys)
        return self._call(
            operation,
            "POST",
            path,
            routing_id=routing_id,
            retry=self._idempotent,
            json_body=json.dumps(sealed, separators=(",", ":")),
            opener=lambda content: open_response(content, keys),
        )

    def _call(
        self,
        operation: str,
        method: str,
        path: str,
        *,
        routing_id: str,
        retry: Retry,
        form: Mapping[str, str] | None = None,
        json_body: str | None = None,
        opener: Callable[[bytes], bytes] | None = None,
    ) -> Any:
        headers = {
            "x-merchantid": self._config.merchant_id,
            "x-routing-id": routing_id,
            "version": self._config.api_version,
            "Accept": "application/json",
        }
        body: Mapping[str, str] | str | None = form
        if json_body is not None:
            headers["Content-Type"] = "application/json"
            body = json_body
        started = time.monotonic()
        try:
            with retry_policy(retry):
                response = self._session.request(
                    method,
                    self._base_url + path,
                    data=body,
                    headers=headers,
                    auth=self._auth,
                    timeout=self._timeout,
                    allow_redirects=False,
                )
        except requests.Timeout as exc:
            self._log(operation, path, None, started, outcome="timeout")
            raise JuspayUnavailableError(
                f"Juspay {operation} timed out", details={"operation": operation}
            ) from exc
        except requests.ConnectionError as exc:
            # Includes read timeouts and dropped connections once urllib3's retries are used up.
            self._log(operation, path, None, started, outcome="connection_error")
            raise JuspayUnavailableError(
                f"Juspay {operation} failed: connection error or timeout", details={"operation": operation}
            ) from exc
        except requests.RequestException as exc:
            self._log(operation, path, None, started, outcome="request_error")
            raise JuspayError(
                f"Juspay {operation} could not be sent: {type(exc).__name__}",
                details={"operation": operation},
            ) from exc
        self._log(operation, path, response, started, outcome="answered")
        content = response.content
        if opener is not None:
            content = _open(operation, response.status_code, content, opener)
        if not 200 <= response.status_code < 300:
            raise _error_for(operation, response.status_code, content)
        try:
            return loads_juspay_json(content)
        except ValueError as exc:
            raise JuspayError(
                f"Juspay {operation} answered HTTP {response.status_code} with a body that is not JSON",
                details={"operation": operation, "http_status": response.status_code},
            ) from exc

    @staticmethod
    def _parse(operation: str, model: type[_ModelT], data: Any) -> _ModelT:
        try:
            return model.model_validate(data)
        except ValidationError as exc:
            # Only field locations: pydantic's own message quotes input values (customer data).
            locations = [".".join(str(part) for part in err["loc"]) for err in exc.errors()][:5]
            raise JuspayError(
                f"Juspay {operation} answered an unexpected shape",
                details={"operation": operation, "invalid_fields": locations},
            ) from None

    @staticmethod
    def _log(
        operation: str,
        path: str,
        response: requests.Response | None,
        started: float,
        *,
        outcome: str,
    ) -> None:
        # Identifiers and timings only: never headers (the API key) nor bodies (customer data).
        retries = getattr(getattr(response, "raw", None), "retries", None)
        logger.info(
            "juspay call",
            extra={
                "juspay_operation": operation,
                "juspay_path": path,
                "juspay_outcome": outcome,
                "http_status": response.status_code if response is not None else None,
                "retries": len(retries.history) if isinstance(retries, Retry) else 0,
                "elapsed_ms": round((time.monotonic() - started) * 1000),
            },
        )


def _json_default(value: object) -> str:
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def _open(operation: str, status: int, content: bytes, opener: Callable[[bytes], bytes]) -> bytes:
    """An encrypted answer's JSON. A success must decrypt and verify; a refusal may come unencrypted
    (Juspay refuses a request it could not authenticate before it knows whom to encrypt to)."""
    try:
        return opener(content)
    except ValueError as exc:
        if not 200 <= status < 300:
            return content
        # The reason names the failed step only: the body may be anything, including customer data.
        raise JuspayError(
            f"Juspay {operation} answered a body that could not be decrypted and verified",
            details={"operation": operation, "http_status": status, "reason": str(exc)},
        ) from None


def _error_for(operation: str, status: int, content: bytes) -> JuspayError:
    """The error class for a non-2xx answer, with Juspay's error code and message when it sent them."""
    envelope: JuspayErrorEnvelope | None = None
    try:
        parsed = loads_juspay_json(content)
        if isinstance(parsed, dict):
            envelope = JuspayErrorEnvelope.model_validate(parsed)
    except (ValueError, ValidationError):
        envelope = None
    error_code = envelope.error_code if envelope else None
    error_message = envelope.error_message if envelope else None
    details: dict[str, Any] = {"operation": operation, "http_status": status}
    if error_code:
        details["juspay_error_code"] = error_code
    if status in (401, 403):
        return JuspayAuthenticationError(f"Juspay refused the API key (HTTP {status})", details=details)
    if status == 404 or (status in (400, 422) and envelope is not None and envelope.is_not_found):
        return JuspayNotFoundError(f"Juspay {operation}: not found", details=details)
    if status in (400, 422):
        return JuspayBadRequestError(
            f"Juspay rejected {operation}: {error_code or 'no error code'}",
            error_code=error_code,
            error_message=error_message,
            details={"operation": operation, "http_status": status},
        )
    if status == 429:
        return JuspayRateLimitedError(f"Juspay {operation} was rate limited (HTTP 429)", details=details)
    if status >= 500:
        return JuspayUnavailableError(f"Juspay {operation} failed with HTTP {status}", details=details)
    return JuspayError(f"Juspay {operation} answered HTTP {status}", details=details)
