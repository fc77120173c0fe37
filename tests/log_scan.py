"""Finds secrets and personal data in log output, independently of the product's masking code: the values
a test knows it sent (keys, passwords, their Basic-auth form) and the shapes of card numbers (Luhn-valid),
e-mail addresses and VPAs, and Indian mobile numbers, wherever they occur."""

from __future__ import annotations

import base64
import re
from collections.abc import Iterable
from pathlib import Path

#: Everything a stack writes before this line is its start-up banner, which prints local credentials on
#: purpose (they are the local stack's, documented in the README).
BANNER_END = "Ctrl-C stops."

_CARD = re.compile(r"(?<![\w.])[2-8](?:[ -]?\d){12,18}(?![\w.])")
_AT = re.compile(r"(?<![\w.+-])[\w.+-]{2,}@[A-Za-z][\w-]*(?:\.[\w-]+)*")
_MOBILE = re.compile(r"(?<![\w.])(?:\+?91[ -]?)?[6-9]\d{9}(?![\w.])")


def _luhn(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char) * (2 if index % 2 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


def leaks(text: str, secrets: Iterable[str] = ()) -> list[str]:
    """Every sensitive value found in ``text``: known secrets (also base64-encoded as in Basic auth) and
    anything shaped like a card number, an e-mail address or VPA, or a mobile number."""
    found: set[str] = set()
    for secret in secrets:
        if secret and (secret in text or base64.b64encode(secret.encode()).decode() in text):
            found.add(f"secret {secret[:3]}…")
    for match in _CARD.finditer(text):
        digits = re.sub(r"\D", "", match.group())
        if 13 <= len(digits) <= 19 and _luhn(digits):
            found.add(f"card {match.group()}")
    found.update(f"address {m.group()}" for m in _AT.finditer(text))
    found.update(f"mobile {m.group()}" for m in _MOBILE.finditer(text))
    return sorted(found)


def function_output(log: Path) -> str:
    """What a local stack wrote after its start-up banner: every record of every function."""
    text = log.read_text(encoding="utf-8", errors="replace")
    if BANNER_END not in text:
        raise AssertionError(f"{log} has no start-up banner:\n{text[-2000:]}")
    return text.split(BANNER_END, 1)[1]
