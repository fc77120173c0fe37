"""One HTTP call to Juspay and what comes back: headers, the retry policy, a log line of identifiers and
timings, decryption in encrypted mode, the answer's JSON or the ``Juspay*Error`` its failure maps to.

``JuspayClient`` (``client.py``) decides what to call; this module only carries it out.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

import requests
from pydantic import BaseModel, ValidationError
from urllib3.util.retry import Retry

from paybridge.errors import (
    JuspayAuthenticationError,
    JuspayBadRequestError,
    JuspayError,
    JuspayNotFoundError,
    JuspayRateLimitedError,
    JuspayUnavailableError,
)
from paybridge.juspay.transport import JuspayBasicAuth, retry_policy
from paybridge.models.juspay import JuspayErrorEnvelope, loads_juspay_json
from paybridge.observability import logger

if TYPE_CHECKING:
    # joserfc costs more to import than boto3 and only encrypted mode uses it (see encrypted_call).
    from paybridge.juspay.jwe import JweKeys

__all__ = ["JuspayCaller", "error_for", "open_answer", "parse_answer"]

ModelT = TypeVar("ModelT", bound=BaseModel)


class JuspayCaller:
    """Sends calls to one Juspay base URL as one merchant (HTTP Basic, ``x-merchantid``, ``version``)."""

    def __init__(
        self,
        *,
        base_url: str,
        merchant_id: str,
        api_version: str,
        auth: JuspayBasicAuth,
        session: requests.Session,
        timeout: tuple[float, float],
    ) -> None:
        self._base_url = base_url
        self._merchant_id = merchant_id
        self._api_version = api_version
        self._auth = auth
        self._session = session
        self._timeout = timeout

    def __repr__(self) -> str:
        return f"JuspayCaller(base_url={self._base_url!r}, merchant_id={self._merchant_id!r})"

    def encrypted_call(
        self,
        operation: str,
        path: str,
        claims: Mapping[str, str],
        routing_id: str,
        keys: JweKeys,
        retry: Retry,
    ) -> Any:
        """POSTs the claims signed and encrypted to a v4 endpoint; returns the decrypted, verified answer."""
        # Only idempotent reads and refunds (same unique_request_id) come here, so they may be retried;
        # a retry resends the same sealed bytes.
        from paybridge.juspay.jwe import open_response, seal_request  # encrypted mode only: cold start

        sealed = seal_request(json.dumps(dict(claims), separators=(",", ":")).encode(), keys)
        return self.call(
            operation,
            "POST",
            path,
            routing_id=routing_id,
            retry=retry,
            json_body=json.dumps(sealed, separators=(",", ":")),
            opener=lambda content: open_response(content, keys),
        )

    def call(
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
        """One call with its retry policy; the answer's JSON, or the ``Juspay*Error`` for its failure."""
        headers = {
            "x-merchantid": self._merchant_id,
            "x-routing-id": routing_id,
            "version": self._api_version,
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
            _log(operation, path, None, started, outcome="timeout")
            raise JuspayUnavailableError(
                f"Juspay {operation} timed out", details={"operation": operation}
            ) from exc
        except requests.ConnectionError as exc:
            # Includes read timeouts and dropped connections once urllib3's retries are used up.
            _log(operation, path, None, started, outcome="connection_error")
            raise JuspayUnavailableError(
                f"Juspay {operation} failed: connection error or timeout", details={"operation": operation}
            ) from exc
        except requests.RequestException as exc:
            _log(operation, path, None, started, outcome="request_error")
            raise JuspayError(
                f"Juspay {operation} could not be sent: {type(exc).__name__}",
                details={"operation": operation},
            ) from exc
        _log(operation, path, response, started, outcome="answered")
        content = response.content
        if opener is not None:
            content = open_answer(operation, response.status_code, content, opener)
        if not 200 <= response.status_code < 300:
            raise error_for(operation, response.status_code, content)
        try:
            return loads_juspay_json(content)
        except ValueError as exc:
            raise JuspayError(
                f"Juspay {operation} answered HTTP {response.status_code} with a body that is not JSON",
                details={"operation": operation, "http_status": response.status_code},
            ) from exc


def parse_answer[ModelT: BaseModel](operation: str, model: type[ModelT], data: Any) -> ModelT:
    """The answer validated into ``model``; an unexpected shape is a ``JuspayError`` naming fields only."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        # Only field locations: pydantic's own message quotes input values (customer data).
        locations = [".".join(str(part) for part in err["loc"]) for err in exc.errors()][:5]
        raise JuspayError(
            f"Juspay {operation} answered an unexpected shape",
            details={"operation": operation, "invalid_fields": locations},
        ) from None


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


def open_answer(operation: str, status: int, content: bytes, opener: Callable[[bytes], bytes]) -> bytes:
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


def error_for(operation: str, status: int, content: bytes) -> JuspayError:
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
