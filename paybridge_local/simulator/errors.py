"""Every answer other than success, in Juspay's shapes.

Juspay's general error envelope is ``order_fulfillment_response_400.json``: ``{status: "ERROR", error_code,
error_message, error_info: {request_id, developer_message, user_message, code}}``. The refund APIs document
their own (``status_id: -1``), and a missing form field answers ``Mandatory fields are missing``. The control
API (``/__sim/``) is the simulator's own and answers ``{"error": ...}``.
"""

from __future__ import annotations

import uuid
from typing import Any

__all__ = [
    "JsonDict",
    "SimError",
    "control_error",
    "envelope",
    "mandatory_fields_missing",
    "method_not_allowed",
    "not_found",
    "refund_error",
]

JsonDict = dict[str, Any]


class SimError(Exception):
    """An answer other than success: ``status`` and the JSON ``body`` to send (``headers`` added)."""

    def __init__(self, status: int, body: JsonDict, headers: dict[str, str] | None = None) -> None:
        super().__init__(f"HTTP {status}")
        self.status = status
        self.body = body
        self.headers = headers or {}


def envelope(error_code: str, error_message: str, *, code: str = "INVALID_REQUEST") -> JsonDict:
    """Juspay's error envelope (shape of ``order_fulfillment_response_400.json``)."""
    return {
        "status": "ERROR",
        "error_code": error_code,
        "error_message": error_message,
        "error_info": {
            "request_id": str(uuid.uuid4()),
            "developer_message": error_message,
            "user_message": error_message,
            "code": code,
        },
    }


def refund_error(error_code: str, error_message: str) -> SimError:
    """The refund APIs' documented error shape (``status_id: -1``)."""
    return SimError(
        400, {"status_id": -1, "status": "ERROR", "error_message": error_message, "error_code": error_code}
    )


def mandatory_fields_missing() -> SimError:
    """What Juspay answers when a required form field is absent."""
    return SimError(
        400,
        {
            "status": "Bad Request",
            "error_message": "Mandatory fields are missing",
            "error_code": "Mandatory fields are missing",
        },
    )


def not_found(what: str, ident: str) -> SimError:
    """404 with Juspay's envelope."""
    return SimError(404, envelope("not_found", f"{what} not found: {ident}", code="RESOURCE_NOT_FOUND"))


def method_not_allowed(method: str, path: str, allowed: list[str]) -> SimError:
    """405 with Juspay's envelope and an ``Allow`` header (unknown methods such as PATCH included)."""
    return SimError(
        405,
        envelope("method_not_allowed", f"{method} not allowed on {path}", code="METHOD_NOT_ALLOWED"),
        {"Allow": ", ".join(sorted(allowed))},
    )


def control_error(status: int, message: str) -> SimError:
    """Errors of the control API (not Juspay's): a plain ``{"error": ...}``."""
    return SimError(status, {"error": message})
