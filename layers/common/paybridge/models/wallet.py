"""The in-house wallet: balances and ledger entries in integer minor units, and the credit request."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Any

from pydantic import ValidationInfo, field_validator

from paybridge.models.money import format_major, to_minor
from paybridge.models.validation import (
    Amount,
    ApiAnswer,
    ApiRequest,
    Currency,
    IdempotencyKey,
    Money,
    check_precision,
    require_id,
)

__all__ = [
    "CreditAnswer",
    "CreditRequest",
    "EntryType",
    "LedgerEntry",
    "Wallet",
    "WalletAnswer",
    "WalletEntryAnswer",
    "WalletStatus",
    "check_customer_id",
]


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


class CreditRequest(ApiRequest):
    """Body of ``POST /wallets/{customer_id}/credits``: ``{"amount": "100.00", "currency": "INR",
    "idempotency_key": "..."}``. The same key with the same amount and currency answers the same credit."""

    # Declared before ``amount`` so the precision check can see the currency.
    currency: Currency
    amount: Amount
    idempotency_key: IdempotencyKey

    @field_validator("amount")
    @classmethod
    def _currency_precision(cls, amount: Decimal, info: ValidationInfo) -> Decimal:
        currency = info.data.get("currency")
        return check_precision(amount, currency) if currency else amount

    @property
    def amount_minor(self) -> int:
        """The amount in integer minor units of :attr:`currency`."""
        return to_minor(self.amount, self.currency)


class WalletEntryAnswer(ApiAnswer):
    """One ledger entry in an answer (amounts with the currency's full precision)."""

    seq: int
    type: str
    amount: Money
    balance_after: Money
    reference: str
    order_id: str | None
    created_at: str


class WalletAnswer(ApiAnswer):
    """``GET /wallets/{customer_id}``: balance and the newest entries, newest first."""

    customer_id: str
    currency: str
    status: str
    balance: Money
    entries: list[WalletEntryAnswer]


class CreditAnswer(ApiAnswer):
    """``POST /wallets/{customer_id}/credits``: the credit's entry and the balance after it."""

    customer_id: str
    currency: str
    status: str
    balance: Money
    entry: WalletEntryAnswer


def check_customer_id(customer_id: str | None) -> str:
    """The customer id from a path, or ``BadRequestError`` naming the field (the API's one id rule)."""
    return require_id("customer_id", customer_id)
