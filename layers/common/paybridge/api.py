"""HTTP mapping, in one place: every API function registers these handlers on its resolver.

A ``PaybridgeError`` becomes its own status and JSON body; anything else becomes an opaque 500 (logged
with its stack, never echoed), so bad input can never leak internals or turn into an accidental 200.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response, content_types

from paybridge import jsonutil
from paybridge.errors import BadRequestError, PaybridgeError
from paybridge.observability import logger


def json_response(status_code: int, body: Any, headers: dict[str, str] | None = None) -> Response[str]:
    """A JSON response with the given status; ``body`` must already be JSON-safe (no floats for money)."""
    return Response(
        status_code=status_code,
        content_type=content_types.APPLICATION_JSON,
        body=json.dumps(body, separators=(",", ":"), default=str),
        headers=headers or {},
    )


def error_response(error: PaybridgeError) -> Response[str]:
    """The one mapping from a domain error to HTTP."""
    headers: dict[str, str] = {}
    if error.status_code == 401:
        headers["WWW-Authenticate"] = 'Basic realm="paybridge", charset="UTF-8"'
    if error.retryable:
        headers["Retry-After"] = "5"
    return json_response(error.status_code, error.to_body(), headers)


def register_error_handlers(app: APIGatewayRestResolver) -> None:
    """Installs the error mapping on a Powertools resolver."""

    @app.exception_handler(PaybridgeError)
    def _domain_error(error: PaybridgeError) -> Response[str]:
        log = logger.warning if error.status_code < 500 else logger.error
        log("request failed", extra={"error": error.code, "status": error.status_code})
        return error_response(error)

    @app.exception_handler(Exception)
    def _unexpected(error: Exception) -> Response[str]:
        logger.exception("unhandled error", extra={"error_type": type(error).__name__})
        return json_response(500, {"error": "internal_error", "message": "internal error"})


def request_body(event: Any) -> bytes:
    """The raw request body as bytes, whether API Gateway passed it as text or base64."""
    raw = event.body or ""
    if event.is_base64_encoded:
        return base64.b64decode(raw)
    return raw.encode("utf-8")


def parse_json_body(raw: bytes) -> Any:
    """A request body as JSON (numbers as ``Decimal``); ``BadRequestError`` when it is not UTF-8 JSON."""
    try:
        return jsonutil.loads(raw.decode("utf-8")) if raw else None
    except (UnicodeDecodeError, ValueError):
        raise BadRequestError("body is not valid JSON") from None
