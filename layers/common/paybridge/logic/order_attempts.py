"""Which payment attempt a transaction belongs to, and which refunds are refunds of one transaction; pure.

An order may carry several attempts (``{merchant_id}-{order_id}-{attempt}``; split orders add ``-1`` for the
online part and ``-2`` for the wallet part in Juspay's samples), and refunds of any of them. Settlement and
the wallet credit-back must act on the attempt that succeeded, never on a neighbour:

* a wallet entry is paired with its online part by the attempt prefix of their ``txn_id`` (all but the last
  ``-N``); when the ids do not follow that pattern, by an identical ``txn_detail.created`` (Juspay creates
  both parts of one attempt together, the samples show the same second);
* a refund counts against a transaction when it names that ``txn_id``. Juspay's ``refunds[]`` entries
  usually name none (every sample): then the transaction's own ``amount_refunded`` says how much of the
  unnamed refunds is its own, and an order with a single online transaction owns them all.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from paybridge.models.juspay import Order, Refund, Transaction
from paybridge.models.money import to_minor
from paybridge.models.refund import JUSPAY_SUCCESS

__all__ = ["attempt_of", "paired_wallet_entries", "refunded_minor"]

#: ``...-{attempt}-{part}``: the split parts of one attempt share everything but the last segment.
_SPLIT_PART = re.compile(r"^(?P<attempt>.+-\d+)-\d+$")
_FAILED_REFUND = "FAILURE"


def attempt_of(txn: Transaction) -> str | None:
    """The attempt prefix of a split part's ``txn_id`` (``m-ord-3-2`` → ``m-ord-3``), or None."""
    match = _SPLIT_PART.match(txn.txn_id or "")
    return match.group("attempt") if match else None


def _created(txn: Transaction) -> str | None:
    return txn.txn_detail.created if txn.txn_detail is not None and txn.txn_detail.created else None


def paired_wallet_entries(
    wallets: Sequence[Transaction], online: Transaction | None
) -> tuple[Transaction, ...]:
    """The wallet entries that belong to ``online``'s attempt (a lone entry whose id says nothing is kept).

    Several results, or none, mean the entries cannot be told apart: the caller must not debit.
    """
    if online is None:
        return tuple(wallets)
    attempt = attempt_of(online)
    if attempt is not None and all(attempt_of(w) for w in wallets):
        return tuple(w for w in wallets if attempt_of(w) == attempt)
    if len(wallets) <= 1:
        return tuple(wallets)
    created = _created(online)
    if created is not None:
        return tuple(w for w in wallets if _created(w) == created)
    return ()


def refunded_minor(order: Order, txn_id: str | None) -> int:
    """How much Juspay reports refunded (SUCCESS) of transaction ``txn_id``, in minor units.

    Refunds naming ``txn_id`` count in full. Refunds naming no transaction count up to what the transaction's
    own ``amount_refunded`` leaves after the refunds that do name it; when Juspay gives no per-transaction
    figure they belong to the transaction only if it is the order's only online one. Refunds of other
    attempts never count.
    """
    if not txn_id:
        return 0
    currency = order.currency or "INR"
    named = [r for r in order.refunds if r.txn_id == txn_id]
    unnamed = [r for r in order.refunds if not r.txn_id]
    total = _sum((r for r in named if r.status == JUSPAY_SUCCESS), currency)
    unnamed_success = _sum((r for r in unnamed if r.status == JUSPAY_SUCCESS), currency)
    if unnamed_success <= 0:
        return total
    online = [t for t in order.transactions() if not t.is_merchant_container]
    txn = next((t for t in online if t.txn_id == txn_id), None)
    if txn is not None and txn.amount_refunded is not None:
        # amount_refunded also holds pending refunds: take out everything the named refunds hold.
        held_by_named = _sum((r for r in named if r.status != _FAILED_REFUND), currency)
        own = to_minor(txn.amount_refunded, currency, strict=False) - held_by_named
        return total + max(0, min(unnamed_success, own))
    if txn is not None and len(online) == 1:
        return total + unnamed_success
    return total


def _sum(refunds: Iterable[Refund], currency: str) -> int:
    return sum(to_minor(r.amount, currency, strict=False) for r in refunds if r.amount is not None)
