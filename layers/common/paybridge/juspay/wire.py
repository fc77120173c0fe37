"""What goes on the wire in Juspay's calls: amounts, the API key's secret, routing ids, refund ids, the
Update Order form and the ``/session`` body."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from pydantic import SecretStr

from paybridge.models.money import format_major, to_minor
from paybridge.observability import register_secret

__all__ = [
    "check_unique_request_id",
    "format_amount",
    "order_routing_id",
    "parse_api_key_secret",
    "require_customer",
    "session_body",
    "session_routing_id",
    "update_order_form",
]

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


def require_customer(customer_id: str) -> str:
    """``x-routing-id`` of a mandate call: its customer, required."""
    # Mandates always belong to a customer; routing by the mandate id would put the call on another shard.
    if not isinstance(customer_id, str) or not customer_id.strip():
        raise ValueError("a mandate call needs the customer id (x-routing-id)")
    return customer_id.strip()


def check_unique_request_id(unique_request_id: str) -> None:
    """Refuses a refund id Juspay would refuse: it asks for no special characters."""
    if not _UNIQUE_REQUEST_ID.match(unique_request_id):
        raise ValueError("unique_request_id must be non-empty letters, digits, '_' or '-'")


def update_order_form(
    amount: Decimal | None, udfs: Mapping[str, str] | None, address: Mapping[str, str] | None
) -> dict[str, str]:
    """Update Order's form: the amount, ``udf1``..``udf10`` and ``billing_address_*`` /
    ``shipping_address_*`` fields; any other key, or nothing to update, is refused before sending."""
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
    return form


def session_routing_id(payload: Mapping[str, Any]) -> str:
    """``x-routing-id`` of ``/session``: the payload's customer, else its order id (a guest order)."""
    routing_id = payload.get("customer_id") or payload.get("order_id")
    if not routing_id:
        raise ValueError("session payload needs customer_id or order_id")
    return str(routing_id)


def session_body(payload: Mapping[str, Any]) -> str:
    """``/session``'s JSON body; ``Decimal`` values as strings (Juspay's own samples send ``"1.0"``)."""
    return json.dumps(payload, default=_json_default, separators=(",", ":"))


def _json_default(value: object) -> str:
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")
