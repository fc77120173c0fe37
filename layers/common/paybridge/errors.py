"""Every error the system raises on purpose, under one base class.

The HTTP layer maps them to responses in one place (``paybridge.api.error_response``) and Step Functions
Retry/Catch name them by class name, so renaming one is a contract change (see tests/contract).
"""

from __future__ import annotations

from typing import Any, ClassVar


class PaybridgeError(Exception):
    """Base of every deliberate error. ``status_code`` and ``code`` are what an API client sees."""

    status_code: ClassVar[int] = 500
    code: ClassVar[str] = "internal_error"
    #: True when trying the same thing again later may succeed (timeouts, throttling, 5xx).
    retryable: ClassVar[bool] = False

    def __init__(self, message: str, *, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or {}

    def to_body(self) -> dict[str, Any]:
        """The JSON body an API answers with; never carries secrets (messages are written for clients)."""
        body: dict[str, Any] = {"error": self.code, "message": self.message, "retryable": self.retryable}
        if self.details:
            body["details"] = self.details
        return body


# --- Input and API errors ----------------------------------------------------------------------------------
class BadRequestError(PaybridgeError):
    """The request cannot be understood (not JSON, wrong shape, missing field)."""

    status_code = 400
    code = "bad_request"


class UnauthorizedError(PaybridgeError):
    """Credentials missing or wrong. The message never says which part was wrong."""

    status_code = 401
    code = "unauthorized"


class NotFoundError(PaybridgeError):
    """The thing asked for does not exist."""

    status_code = 404
    code = "not_found"


class ConflictError(PaybridgeError):
    """The request clashes with the current state (e.g. an idempotency key reused with other data)."""

    status_code = 409
    code = "conflict"


class OrderUpdateRefusedError(ConflictError):
    """An Update Order that would leave the signed terms inconsistent; ``details.rule`` names the rule."""

    code = "order_update_refused"


class MandateDebitRefusedError(ConflictError):
    """A recurring debit step the cycle's state or the RBI notification window does not allow;
    ``details.rule`` names the rule (``notification_window``, ``not_notified``, ...)."""

    code = "mandate_debit_refused"


class PayloadTooLargeError(PaybridgeError):
    """The body is over the size the route accepts."""

    status_code = 413
    code = "payload_too_large"


class UnsupportedMediaTypeError(PaybridgeError):
    """The body is not of a media type the route takes (the API takes application/json)."""

    status_code = 415
    code = "unsupported_media_type"


class UnprocessableError(PaybridgeError):
    """Well-formed but semantically invalid input (e.g. a negative amount)."""

    status_code = 422
    code = "unprocessable"


# --- Ingestion ---------------------------------------------------------------------------------------------
class WebhookInProgressError(PaybridgeError):
    """The same webhook id is being processed by another delivery right now; the sender should resend."""

    status_code = 409
    code = "in_progress"
    retryable = True


class PublishError(PaybridgeError):
    """EventBridge did not accept an event (an exception, or FailedEntryCount > 0)."""

    status_code = 503
    code = "publish_failed"
    retryable = True


class UnpublishableEventError(PaybridgeError):
    """EventBridge refused the event for what it is (e.g. its detail-type), not for a passing reason: the
    same event will never be accepted, so retrying it is pointless."""

    status_code = 422
    code = "unpublishable"


class DependencyUnavailableError(PaybridgeError):
    """An AWS dependency (DynamoDB, KMS, Secrets Manager, ...) failed transiently: throttled, 5xx or
    unreachable. Nothing was decided; the same request later may succeed."""

    status_code = 503
    code = "dependency_unavailable"
    retryable = True


class ConfigurationError(PaybridgeError):
    """The function was deployed without something it needs (e.g. a table name in its environment). Not the
    caller's fault and not transient: an operator must fix the deployment."""

    status_code = 500
    code = "configuration_error"


# --- Settlement and wallet ------------------------------------------------------------------------------
class WalletConflictError(PaybridgeError):
    """Concurrent writes to one wallet kept winning over this one after bounded retries; retry later.

    No money moved: every wallet write is a conditional transaction that either fully lands or not at all.
    """

    status_code = 503
    code = "wallet_busy"
    retryable = True


# --- Juspay server-to-server client -----------------------------------------------------------------------
class JuspayError(PaybridgeError):
    """Base of every error the Juspay client raises."""

    status_code = 502
    code = "juspay_error"


class JuspayAuthenticationError(JuspayError):
    """Juspay refused our API key (HTTP 401/403). A configuration problem: never retried."""

    code = "juspay_authentication_failed"


class JuspayNotFoundError(JuspayError):
    """Juspay does not know the order, refund or mandate (HTTP 404)."""

    status_code = 404
    code = "juspay_not_found"


class JuspayBadRequestError(JuspayError):
    """Juspay rejected the request (HTTP 400/422) with its own error code and message."""

    status_code = 400
    code = "juspay_bad_request"

    def __init__(
        self,
        message: str,
        *,
        error_code: str | None = None,
        error_message: str | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        merged = {"juspay_error_code": error_code, "juspay_error_message": error_message, **(details or {})}
        super().__init__(message, details={k: v for k, v in merged.items() if v is not None})
        self.error_code = error_code
        self.error_message = error_message


class JuspayRateLimitedError(JuspayError):
    """Juspay answered 429 (after the client's own retries)."""

    status_code = 503
    code = "juspay_rate_limited"
    retryable = True


class JuspayUnavailableError(JuspayError):
    """Juspay timed out, refused the connection or answered 5xx (after the client's own retries).

    For a non-idempotent call the outcome is unknown: retry only with the same idempotency id.
    """

    status_code = 503
    code = "juspay_unavailable"
    retryable = True


#: Errors a Step Functions task may retry; the state machine definitions name exactly these.
TRANSIENT_ERRORS: tuple[type[PaybridgeError], ...] = (JuspayRateLimitedError, JuspayUnavailableError)
