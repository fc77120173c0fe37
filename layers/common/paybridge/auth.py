"""HTTP Basic authentication for Juspay's webhooks.

Juspay sends ``Authorization: Basic base64(user:password)`` with the credentials set in its dashboard. Up
to two credentials may be active at once so the merchant can rotate without downtime. Comparison is in
constant time and checks every configured credential, so timing says nothing about which part was wrong.
"""

from __future__ import annotations

import base64
import binascii
import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from paybridge.masking import register_secret

MAX_ACTIVE_CREDENTIALS = 2


@dataclass(frozen=True)
class BasicCredential:
    """One username/password pair. ``repr`` never shows the password."""

    username: str
    password: str

    def __repr__(self) -> str:
        return f"BasicCredential(username={self.username!r}, password='***')"


def credentials_from_secret(secret: Any) -> tuple[BasicCredential, ...]:
    """Reads the webhook secret: ``{"username", "password"}`` or ``{"credentials": [{...}, {...}]}``.

    Raises ``ValueError`` (without echoing any value) when the secret has no usable credential or more than
    two: a misconfiguration must fail loudly rather than accept or reject everything silently.
    """
    if not isinstance(secret, Mapping):
        raise ValueError("webhook secret must be a JSON object")
    entries = secret.get("credentials")
    raw = entries if isinstance(entries, list) else [secret]
    found = tuple(
        BasicCredential(str(e["username"]), str(e["password"]))
        for e in raw
        if isinstance(e, Mapping) and e.get("username") and e.get("password")
    )
    if not found:
        raise ValueError("webhook secret holds no username/password pair")
    for credential in found:
        register_secret(credential.password)  # masked in every later log record
    if len(found) > MAX_ACTIVE_CREDENTIALS:
        raise ValueError(f"webhook secret holds {len(found)} credentials; at most {MAX_ACTIVE_CREDENTIALS}")
    return found


def parse_basic_authorization(header: str | None) -> tuple[bytes, bytes] | None:
    """``Basic base64(user:password)`` → ``(user, password)`` as bytes, or None when absent or malformed."""
    if not header:
        return None
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() != "basic" or not token:
        return None
    try:
        decoded = base64.b64decode(token.strip(), validate=True)
    except (binascii.Error, ValueError):
        return None
    user, sep, password = decoded.partition(b":")
    if not sep:
        return None
    return user, password


def is_authorized(header: str | None, credentials: tuple[BasicCredential, ...]) -> bool:
    """True when ``header`` carries one of ``credentials``. Every credential is compared, always."""
    presented = parse_basic_authorization(header)
    user, password = presented if presented else (b"", b"")
    matched = False
    for credential in credentials:
        user_ok = hmac.compare_digest(user, credential.username.encode())
        password_ok = hmac.compare_digest(password, credential.password.encode())
        matched |= user_ok & password_ok
    return presented is not None and matched
