"""The in-house wallet: balances and ledger entries in integer minor units, and the credit request."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from paybridge.errors import BadRequestError, UnprocessableError
from paybridge.models.money import AmountError, format_major, request_amount, to_minor
from paybridge.models.validation import require_id

__all__ = [
    "CreditRequest",
    "EntryType",
    "LedgerEntry",
    "Wallet",
    "WalletStatus",
    "check_customer_id",
    "parse_credit_request",
]

_IDEMPOTENCY_KEY = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")
_CURRENCY = re.compile(r"^[A-Z]{3}$")


class WalletStatus(StrEnum):
    """ACTIVE wallets move money; a FROZEN one (set by an operator) takes no debit or credit."""

    ACTIVE = "ACTIVE"
    FROZEN = "FROZEN"


class EntryType(StrEnum):
    """Kinds of ledger entry. Amounts are positive; the type says which way they move the balance."""

    CREDIT = "CREDIT"
    DEBIT = "DEBIT"
    REVERSAL = "REVERSAL"

    @property
    def sign(self) -> int:
        """+1 for entries that add to the balance, -1 for debits."""
        return -1 if self is EntryType.DEBIT else 1


@dataclass(frozen=True)
class Wallet:
    """One customer's wallet. ``entry_count`` is the sequence number of the newest ledger entry."""

    customer_id: str
    currency: str
    balance_minor: int
    entry_count: int
    status: WalletStatus
    created_at: str
    updated_at: str


@dataclass(frozen=True)
class LedgerEntry:
    """One append-only ledger line; ``seq`` orders entries (1 = oldest)."""

    customer_id: str
    seq: int
    entry_type: EntryType
    amount_minor: int
    balance_after_minor: int
    currency: str
    reference: str
    order_id: str | None
    created_at: str

    def to_api(self) -> dict[str, Any]:
        """The API's view: amounts as major-unit strings."""
        return {
            "seq": self.seq,
            "type": self.entry_type.value,
            "amount": format_major(self.amount_minor, self.currency),
            "balance_after": format_major(self.balance_after_minor, self.currency),
            "reference": self.reference,
            "order_id": self.order_id,
            "created_at": self.created_at,
        }


@dataclass(frozen=True)
class CreditRequest:
    """A validated top-up: positive amount in minor units, currency, and the caller's idempotency key."""

    amount_minor: int
    currency: str
    idempotency_key: str


def check_customer_id(customer_id: str | None) -> str:
    """The customer id from a path, or ``BadRequestError`` naming the field (the API's one id rule)."""
    return require_id("customer_id", customer_id)


def parse_credit_request(body: Any) -> CreditRequest:
    """Validates ``{"amount": "100.00", "currency": "INR", "idempotency_key": "..."}``.

    Missing fields or wrong JSON types → ``BadRequestError`` (400); well-formed but invalid values →
    ``UnprocessableError`` (422). Both name the field in ``details.field``.
    """
    if not isinstance(body, dict):
        raise BadRequestError("body must be a JSON object")
    for name in ("amount", "currency", "idempotency_key"):
        if name not in body or body[name] is None:
            raise BadRequestError(f"missing required field: {name}", details={"field": name})
        if not isinstance(body[name], str):
            raise BadRequestError(f"field {name} must be a string", details={"field": name})
    currency = body["currency"]
    if not _CURRENCY.match(currency):
        raise UnprocessableError(
            "currency must be 3 upper-case letters (ISO 4217)", details={"field": "currency"}
        )
    key = body["idempotency_key"]
    if not _IDEMPOTENCY_KEY.match(key):
        raise UnprocessableError(
            "idempotency_key must be 1..64 letters, digits or _.:-", details={"field": "idempotency_key"}
        )
    return CreditRequest(_amount_minor(body["amount"], currency), currency, key)


def _amount_minor(text: str, currency: str) -> int:
    try:
        return to_minor(request_amount(text, currency), currency)
    except AmountError as exc:
        raise UnprocessableError(f"amount {exc}", details={"field": "amount", "code": exc.code}) from None
