"""Juspay's wire formats: JSON with exact numbers, amounts, timestamps and camelCase keys."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from paybridge_local.simulator.errors import refund_error

__all__ = [
    "camel_key",
    "dumps_json",
    "iso_from_epoch",
    "iso_in",
    "loads_json",
    "now_iso",
    "num",
    "parse_form_amount",
    "wire_amount",
]

_ISO = "%Y-%m-%dT%H:%M:%SZ"


def dumps_json(value: Any) -> bytes:
    """JSON with ``Decimal`` written as a JSON number (``json.dumps`` cannot, and a float would round)."""
    return _encode(value).encode("utf-8")


def _encode(value: Any) -> str:
    if isinstance(value, dict):
        return "{" + ",".join(f"{json.dumps(str(k))}:{_encode(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "[" + ",".join(_encode(v) for v in value) + "]"
    if isinstance(value, Decimal):
        return format(value, "f")
    return json.dumps(value)


def loads_json(data: bytes | str) -> Any:
    """A JSON body with non-integers as ``Decimal`` (never float); ``ValueError`` when not JSON."""
    return json.loads(data, parse_float=Decimal)


def now_iso() -> str:
    """Current time as Juspay writes it: ISO-8601 UTC with a ``Z``, whole seconds."""
    return datetime.now(UTC).strftime(_ISO)


def iso_in(seconds: int) -> str:
    """The time ``seconds`` from now, as Juspay writes it (expiries)."""
    return (datetime.now(UTC) + timedelta(seconds=seconds)).strftime(_ISO)


def iso_from_epoch(raw: str | None) -> str | None:
    """An epoch-seconds form value as Juspay answers it (ISO-8601 UTC); None when absent or not a number.

    Pause and resume take epoch strings and answer ISO timestamps (``mandate_pause_response.json``).
    """
    if raw is None or not raw.strip().isdigit():
        return None
    try:
        return datetime.fromtimestamp(int(raw.strip()), UTC).strftime(_ISO)
    except (OverflowError, ValueError, OSError):
        return None


def parse_form_amount(raw: object) -> Decimal:
    """A positive amount with at most two decimals, as Juspay accepts it, or Juspay's refusal."""
    try:
        if isinstance(raw, bool) or not isinstance(raw, str | int | Decimal):
            raise InvalidOperation
        amount = Decimal(str(raw).strip())
    except InvalidOperation:
        raise refund_error("invalid amount", "Amount is invalid.") from None
    if not amount.is_finite() or amount <= 0 or amount != amount.quantize(Decimal("0.01")):
        raise refund_error("invalid amount", "Amount is invalid.")
    return amount


def num(value: Any) -> Decimal:
    """A stored number as ``Decimal`` (0 when absent or not a number)."""
    if value is None or isinstance(value, bool):
        return Decimal(0)
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return Decimal(0)


def wire_amount(amount: Decimal) -> int | Decimal:
    """Juspay writes whole amounts as integers (1, 9000) and others with decimals."""
    return int(amount) if amount == amount.to_integral_value() else amount


def camel_key(key: str) -> str:
    """``billing_address_first_name`` → ``billingAddressFirstName`` (each dot-separated part)."""
    parts = []
    for segment in key.split("."):
        head, *rest = segment.split("_")
        parts.append(head + "".join(word[:1].upper() + word[1:] for word in rest))
    return ".".join(parts)
