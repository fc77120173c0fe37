"""The one masking policy for everything that is logged: secrets, card data and customer contact data.

Two rules, applied together by ``redact`` (the logger's formatter runs it over every record):

* by key: a value under a sensitive key (``customer_email``, ``Authorization``, ``card_number``, ``api_key``,
  ``client_auth_token`` ... in any spelling) is replaced whole;
* by value: inside every other string, whatever looks like a card number (13-19 digits passing Luhn, spaces
  or dashes allowed), an e-mail address, a UPI VPA (``name@bank``), a phone number, an HTTP ``Basic``/
  ``Bearer`` credential, a PEM private key, or a secret value the process has read (``register_secret``)
  is replaced.

Over-masking an id that happens to look like a phone number is the accepted price: a log line may lose a
detail, it never leaks one.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

REDACTED = "***"

# Key names (normalised: lower case, no separators) whose values are secrets, card data or customer contact
# data. Matching is on the normalised name so "customerEmail", "customer_email" and "Customer-Email" all hit.
_SENSITIVE_KEYS = frozenset(
    {
        "authorization",
        "password",
        "apikey",
        "secret",
        "token",
        "tasktoken",
        "signature",
        "privatekey",
        "cardnumber",
        "cardisin",
        "cardfingerprint",
        "cvv",
        "cardsecuritycode",
        "nameoncard",
        "cardexpyear",
        "cardexpmonth",
        "expiry",
        "email",
        "emailaddress",
        "customeremail",
        "phone",
        "mobile",
        "mobilenumber",
        "customerphone",
        "customermobile",
        "billingaddress",
        "shippingaddress",
        "vpa",
        "payervpa",
        "upiid",
        "credentials",
        "cookie",
    }
)
_SENSITIVE_SUFFIXES = ("email", "phone", "mobile", "password", "secret", "token", "vpa", "apikey")
_NORMALISE = re.compile(r"[^a-z0-9]")

# Order matters: credentials first (a Basic value may hold anything), then e-mail before VPA (an address's
# local part and domain would otherwise be cut at the first dot), then cards before phones (a card's digits
# contain phone-shaped runs).
_PEM_KEY = re.compile(
    r"-----BEGIN [A-Z ]*PRIVATE KEY-----.*?(?:-----END [A-Z ]*PRIVATE KEY-----|$)", re.DOTALL
)
_AUTH_HEADER = re.compile(r"(?i)\b(basic|bearer|digest)\s+[A-Za-z0-9+/=._~-]{4,}")
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
_VPA = re.compile(r"[A-Za-z0-9._-]{2,256}@[A-Za-z][A-Za-z0-9]{1,63}\b")
_CARD = re.compile(r"(?<![\w])[2-9](?:[ -]?\d){12,18}(?![\w])")
# Indian mobile numbers (+91/91/0 prefix optional) and any international number written with a "+".
_PHONE = re.compile(
    r"(?<![\w+])(?:(?:\+|00)?91[ -]?|0)?[6-9]\d{4}[ -]?\d{5}(?![\w])"
    r"|\+\d[\d -]{7,16}\d(?![\w])"
)

_MIN_SECRET_LENGTH = 6
_secrets: set[str] = set()
_secrets_lock = threading.Lock()


def register_secret(value: str | None) -> None:
    """Masks ``value`` wherever it appears in a later log record (API keys, webhook passwords)."""
    if value and len(value) >= _MIN_SECRET_LENGTH:
        with _secrets_lock:
            _secrets.add(value)


def is_sensitive_key(key: str) -> bool:
    """Whether a value under ``key`` is masked whole."""
    name = _NORMALISE.sub("", key.lower())
    return name in _SENSITIVE_KEYS or name.endswith(_SENSITIVE_SUFFIXES)


def _luhn(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def _card(match: re.Match[str]) -> str:
    digits = re.sub(r"\D", "", match.group(0))
    return REDACTED if _luhn(digits) else match.group(0)


def mask_text(text: str) -> str:
    """``text`` with every credential, registered secret, card number, e-mail, VPA and phone masked."""
    if not text:
        return text
    masked = _PEM_KEY.sub(REDACTED, text)
    masked = _AUTH_HEADER.sub(lambda m: f"{m.group(1)} {REDACTED}", masked)
    for secret in sorted(_secrets, key=len, reverse=True):
        if secret in masked:
            masked = masked.replace(secret, REDACTED)
    masked = _EMAIL.sub(REDACTED, masked)
    masked = _VPA.sub(REDACTED, masked)
    masked = _CARD.sub(_card, masked)
    return _PHONE.sub(REDACTED, masked)


def redact(value: Any) -> Any:
    """A copy of ``value`` with sensitive keys' values replaced by ``***`` and every string masked; other
    objects than JSON's types become their (masked) text, as the log would write them."""
    if isinstance(value, Mapping):
        return {k: (REDACTED if is_sensitive_key(str(k)) else redact(v)) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [redact(v) for v in value]
    if isinstance(value, str):
        return mask_text(value)
    if value is None or isinstance(value, bool | int | float | Decimal):
        return value
    # Anything else (an exception in a stack trace, a model in an ``extra``) is logged as its text anyway.
    return mask_text(str(value))
