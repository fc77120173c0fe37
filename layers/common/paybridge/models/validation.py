"""Checks for identifiers that arrive in paths and bodies of the merchant API."""

from __future__ import annotations

import re

from paybridge.errors import BadRequestError

#: Juspay's ids (orders, customers, mandates, transactions) are short and made of these characters.
_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@+:-]{0,127}")


def require_id(field: str, value: str | None) -> str:
    """``value`` if it is a plausible identifier, else ``BadRequestError`` naming ``field``."""
    if value is None or not _ID.fullmatch(value):
        raise BadRequestError(f"{field} is missing or malformed", details={"field": field})
    return value
