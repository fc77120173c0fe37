"""Classifies a Juspay order (as Get Order Status answers it) for in-house wallet settlement; pure.

The table implemented (JUSPAY.md, "In-house wallet split payments"), keyed on status *strings* only:

========================================  ==============================  ==========
online part                               overall order status            outcome
========================================  ==============================  ==========
CHARGED (+ wallet TO_BE_CHARGED)          PARTIAL_CHARGED / PARTIALLY_..  SUCCESS
COD_INITIATED (+ wallet TO_BE_CHARGED)    TO_BE_CHARGED (or COD_INITIATED) SUCCESS (cod)
none: wallet pays all (one wallet txn)    TO_BE_CHARGED                   SUCCESS
any                                       AUTHENTICATION_FAILED,           FAILURE
                                          AUTHORIZATION_FAILED,
                                          JUSPAY_DECLINED, NOT_FOUND
any                                       NEW, STARTED, PENDING_VBV,       PENDING
                                          VBV_SUCCESSFUL, AUTHORIZING
no MERCHANT_CONTAINER transaction         anything                        NO_WALLET
anything else (or inconsistent parts)     anything                        UNKNOWN
========================================  ==============================  ==========

The wallet entry says TO_BE_CHARGED in failed and pending orders too, so SUCCESS needs the overall status
*and* the online transaction to agree; everything that is not clearly a success moves no money.

Attempts: an order may list earlier attempts beside the one that succeeded. The online part is the one
successful online transaction; the wallet entry is the one of the same attempt (``order_attempts``). Entries
that cannot be told apart are a SUCCESS without a ``wallet_txn``, which ``validate_split`` refuses (MISMATCH).
``validate_split`` then checks the amounts before anything is debited.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from paybridge.logic.order_attempts import attempt_of, paired_wallet_entries
from paybridge.models.juspay import Order, Transaction
from paybridge.models.money import to_minor

__all__ = [
    "FAILURE_STATUSES",
    "PENDING_STATUSES",
    "Classification",
    "Outcome",
    "SplitAmounts",
    "SplitMismatch",
    "classify_order",
    "normalise_status",
    "validate_split",
]


class Outcome(StrEnum):
    """What settlement does with an order."""

    SUCCESS = "SUCCESS"  # debit the wallet share
    PENDING = "PENDING"  # hand to the pending-order state machine
    FAILURE = "FAILURE"  # record; no wallet action
    NO_WALLET = "NO_WALLET"  # not a wallet split; record the status only
    UNKNOWN = "UNKNOWN"  # unknown or inconsistent; record, count, move no money


#: Overall statuses meaning the online part failed (seed table).
FAILURE_STATUSES = frozenset(
    {"AUTHENTICATION_FAILED", "AUTHORIZATION_FAILED", "JUSPAY_DECLINED", "NOT_FOUND"}
)
#: Overall statuses meaning the online part is still in progress (seed table).
PENDING_STATUSES = frozenset({"NEW", "STARTED", "PENDING_VBV", "VBV_SUCCESSFUL", "AUTHORIZING"})
_PARTIAL = "PARTIAL_CHARGED"
_TO_BE_CHARGED = "TO_BE_CHARGED"
_CHARGED = "CHARGED"
_COD = "COD_INITIATED"
#: Spellings of one status seen in the seed document and the samples.
_ALIASES = {"PARTIALLY_CHARGED": _PARTIAL}


def normalise_status(status: str | None) -> str:
    """Upper case, spaces as underscores, known aliases folded (``"Partially Charged"`` → PARTIAL_CHARGED)."""
    text = "_".join((status or "").strip().upper().split())
    return _ALIASES.get(text, text)


@dataclass(frozen=True)
class Classification:
    """The outcome, a short machine-readable reason, and the transactions it was decided on."""

    outcome: Outcome
    reason: str
    status: str
    wallet_txns: tuple[Transaction, ...] = ()
    online_txn: Transaction | None = None
    cod: bool = False

    @property
    def wallet_txn(self) -> Transaction | None:
        """The wallet (MERCHANT_CONTAINER) transaction when there is exactly one."""
        return self.wallet_txns[0] if len(self.wallet_txns) == 1 else None


def classify_order(order: Order) -> Classification:
    """Classifies ``order``; never raises for unknown or odd statuses (they become UNKNOWN)."""
    status = normalise_status(order.status)
    transactions = order.transactions()
    wallets = tuple(t for t in transactions if t.is_merchant_container)
    online = [t for t in transactions if not t.is_merchant_container]
    if not wallets:
        return Classification(Outcome.NO_WALLET, "no_wallet_transaction", status)
    if status in FAILURE_STATUSES:
        return Classification(Outcome.FAILURE, f"order_{status.lower()}", status, wallets)
    if status in PENDING_STATUSES:
        return Classification(Outcome.PENDING, f"order_{status.lower()}", status, wallets)
    if not online:
        if status != _TO_BE_CHARGED:
            return Classification(
                Outcome.UNKNOWN, f"wallet_only_order_{status.lower() or 'blank'}", status, wallets
            )
        if len(wallets) != 1:
            return Classification(Outcome.SUCCESS, _INDISTINGUISHABLE, status, wallets)
        return _checked_wallet(Classification(Outcome.SUCCESS, "wallet_pays_all", status, wallets))
    return _split_success(status, wallets, online)


_INDISTINGUISHABLE = "wallet_entries_indistinguishable"


def _refunded_in_full(txn: Transaction) -> bool:
    amount, refunded = txn.txn_amount, txn.amount_refunded
    return amount is not None and refunded is not None and refunded >= amount > 0


def _checked_wallet(classification: Classification) -> Classification:
    """A success whose wallet entry is not TO_BE_CHARGED is not one (the wallet part is not ours to take)."""
    wallet = classification.wallet_txn
    if wallet is not None and normalise_status(wallet.status) != _TO_BE_CHARGED:
        return Classification(
            Outcome.UNKNOWN, "wallet_transaction_not_to_be_charged", classification.status, (wallet,)
        )
    return classification


def _split_success(
    status: str, wallets: tuple[Transaction, ...], online: list[Transaction]
) -> Classification:
    # Only the online attempts that succeeded matter; failed earlier attempts may sit beside them.
    succeeded = [t for t in online if normalise_status(t.status) in (_CHARGED, _COD)]
    if len(succeeded) > 1:
        # A superseded attempt charged late is refunded by Juspay in full: the one that stands is the other.
        succeeded = [t for t in succeeded if not _refunded_in_full(t)]
    if len(succeeded) != 1:
        reason = (
            "no_successful_online_transaction" if not succeeded else "several_successful_online_transactions"
        )
        return Classification(Outcome.UNKNOWN, reason, status, wallets)
    txn = succeeded[0]
    txn_status = normalise_status(txn.status)
    paired = paired_wallet_entries(wallets, txn)
    if not paired and attempt_of(txn) is not None and all(attempt_of(w) for w in wallets):
        # The attempt that succeeded has no wallet part: the wallet entries are earlier attempts'.
        return Classification(Outcome.NO_WALLET, "successful_attempt_without_wallet", status, (), txn)
    ambiguous = _INDISTINGUISHABLE if len(paired) != 1 else None
    if txn_status == _CHARGED and status == _PARTIAL:
        success = Classification(Outcome.SUCCESS, ambiguous or "online_charged", status, paired, txn)
        return _checked_wallet(success)
    if txn_status == _COD and status in (_TO_BE_CHARGED, _COD):
        success = Classification(Outcome.SUCCESS, ambiguous or "cod_initiated", status, paired, txn, cod=True)
        return _checked_wallet(success)
    return Classification(
        Outcome.UNKNOWN,
        f"online_{txn_status.lower()}_with_order_{status.lower() or 'blank'}",
        status,
        wallets,
    )


@dataclass(frozen=True)
class SplitAmounts:
    """A validated split: what to debit from which wallet, and what was paid online. Minor units."""

    order_id: str
    customer_id: str
    currency: str
    amount_minor: int
    online_minor: int
    wallet_minor: int
    wallet_txn_id: str
    online_txn_id: str | None
    cod: bool


@dataclass(frozen=True)
class SplitMismatch:
    """Why a SUCCESS order cannot be debited as it stands (recorded, counted, alarmed)."""

    reasons: tuple[str, ...]


def validate_split(order: Order, classification: Classification) -> SplitAmounts | SplitMismatch:
    """Checks a SUCCESS order before any debit: amount = online part + wallet part, the wallet part
    positive, one currency, a customer. Any doubt is a mismatch: money never moves on one."""
    reasons: list[str] = []
    currency = (order.currency or "INR").strip().upper()
    wallet = classification.wallet_txn
    online = classification.online_txn
    if classification.outcome is Outcome.SUCCESS and wallet is None:
        return SplitMismatch((_INDISTINGUISHABLE,))
    if classification.outcome is not Outcome.SUCCESS or wallet is None:
        return SplitMismatch(("not_a_successful_wallet_split",))
    if len(currency) != 3 or not currency.isalpha():
        reasons.append("currency_invalid")
    for txn in (wallet, online):
        detail_currency = txn.txn_detail.currency if txn is not None and txn.txn_detail is not None else None
        if detail_currency and detail_currency.strip().upper() != currency:
            reasons.append("transaction_currency_differs")
    customer_id = (order.customer_id or "").strip()
    if not customer_id:
        reasons.append("customer_missing")
    if not wallet.txn_id:
        reasons.append("wallet_txn_id_missing")
    amount = _minor(order.amount, currency, "order_amount", reasons)
    # A single-transaction wallet-only order may come without txn_detail: its one transaction is the order.
    wallet_amount = wallet.txn_amount if wallet.txn_amount is not None or order.is_split else order.amount
    wallet_minor = _minor(wallet_amount, currency, "wallet_amount", reasons)
    online_minor = 0 if online is None else _minor(online.txn_amount, currency, "online_amount", reasons)
    if wallet_minor is not None and wallet_minor <= 0:
        reasons.append("wallet_amount_not_positive")
    if online_minor is not None and online_minor < 0:
        reasons.append("online_amount_negative")
    if None not in (amount, wallet_minor, online_minor) and amount != (online_minor or 0) + (
        wallet_minor or 0
    ):
        reasons.append("amount_not_online_plus_wallet")
    if reasons or amount is None or wallet_minor is None or online_minor is None or not wallet.txn_id:
        return SplitMismatch(tuple(dict.fromkeys(reasons)))
    return SplitAmounts(
        order_id=order.order_id,
        customer_id=customer_id,
        currency=currency,
        amount_minor=amount,
        online_minor=online_minor,
        wallet_minor=wallet_minor,
        wallet_txn_id=wallet.txn_id,
        online_txn_id=online.txn_id if online is not None else None,
        cod=classification.cod,
    )


def _minor(amount: Decimal | None, currency: str, name: str, reasons: list[str]) -> int | None:
    if amount is None:
        reasons.append(f"{name}_missing")
        return None
    try:
        return to_minor(amount, currency if len(currency) == 3 else "INR", strict=True)
    except ValueError:
        reasons.append(f"{name}_sub_minor_precision")
        return None
