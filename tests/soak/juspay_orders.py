"""Juspay's view of a soak order, in Order Status shape, as its attempts progress.

Shapes follow Juspay's split samples (``order_status_split_partial_charged_custom_wallet.json``,
``webhook_order_failed_*merchant_container_split.json``): a split order has a ``txn_list`` with, per attempt,
an online transaction ``{merchant}-{order}-{attempt}-1`` and a ``MERCHANT_CONTAINER`` transaction
``...-{attempt}-2`` whose ``txn_detail.txn_amount`` is the wallet share and which stays ``TO_BE_CHARGED``
whatever happens online. Earlier attempts stay in the list with their final status. The order's status is the
last attempt's: ``PENDING_VBV`` while it runs, then ``PARTIAL_CHARGED`` (``CHARGED`` without a wallet part) or
the failure. Without a wallet offer an attempt is online only.
"""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Any

from tests.soak.plan import Attempt, OrderPlan

MERCHANT_ID = "paybridge_local"
WALLET_METHOD = "MERCHANT_WALLET"
PENDING = "PENDING_VBV"
#: Every attempt leaves at least this much to pay online (so a split always has an online part).
MIN_ONLINE_MINOR = 100


def major(minor: int) -> Decimal:
    """Integer minor units as a two-decimal ``Decimal`` (JSON numbers are written from it exactly)."""
    return (Decimal(minor) / 100).quantize(Decimal("0.01"))


def wallet_minor(plan: OrderPlan, attempt: Attempt, offer_minor: int) -> int:
    """The attempt's wallet share: its fraction of what was offered, leaving something to pay online."""
    share = math.ceil(offer_minor * attempt.wallet_share)
    return max(0, min(share, offer_minor, plan.amount_minor - MIN_ONLINE_MINOR))


def txn_ids(order_id: str, attempt: int) -> tuple[str, str]:
    """(online, wallet) transaction ids of one attempt."""
    prefix = f"{MERCHANT_ID}-{order_id}-{attempt}"
    return f"{prefix}-1", f"{prefix}-2"


def order_status(plan: OrderPlan, offer_minor: int, upto: int, *, ended: bool) -> dict[str, Any]:
    """The order after attempts 1..``upto``; the last of them has ended (``ended``) or is still running."""
    txns: list[dict[str, Any]] = []
    status = PENDING
    for attempt in plan.attempts[:upto]:
        running = attempt.number == upto and not ended
        online_status = PENDING if running else attempt.outcome
        wallet = wallet_minor(plan, attempt, offer_minor)
        online_id, wallet_id = txn_ids(plan.order_id, attempt.number)
        txns.append(
            _txn(plan, online_id, attempt.method, attempt.method, online_status, plan.amount_minor - wallet)
        )
        if wallet > 0:
            txns.append(_txn(plan, wallet_id, "MERCHANT_CONTAINER", WALLET_METHOD, "TO_BE_CHARGED", wallet))
        if online_status == "CHARGED":
            status = "PARTIAL_CHARGED" if wallet > 0 else "CHARGED"
        else:
            status = online_status
    return {
        "order_id": plan.order_id,
        "id": f"ordeh_{plan.order_id}",
        "merchant_id": MERCHANT_ID,
        "customer_id": plan.customer_id,
        "status": status,
        "amount": major(plan.amount_minor),
        "effective_amount": major(plan.amount_minor),
        "currency": "INR",
        "date_created": "2026-11-29T00:00:00Z",
        "return_url": "https://shop.example.com/return",
        "txn_list": txns,
    }


def _txn(plan: OrderPlan, txn_id: str, kind: str, method: str, status: str, amount: int) -> dict[str, Any]:
    gateway = "MERCHANT_CONTAINER" if kind == "MERCHANT_CONTAINER" else "DUMMY"
    return {
        "txn_id": txn_id,
        "payment_method_type": kind,
        "payment_method": method,
        "status": status,
        "refunded": False,
        "amount_refunded": 0,
        "effective_amount": major(amount),
        "txn_detail": {
            "txn_id": txn_id,
            "order_id": plan.order_id,
            "status": status,
            "net_amount": major(plan.amount_minor),
            "txn_amount": major(amount),
            "currency": "INR",
            "gateway": gateway,
            "created": "2026-11-29T00:00:00Z",
        },
    }


def charged_online(order: dict[str, Any]) -> dict[str, Any] | None:
    """The online transaction that was charged (at most one attempt succeeds), from Juspay's order JSON."""
    for txn in order.get("txn_list") or []:
        if txn.get("payment_method_type") != "MERCHANT_CONTAINER" and txn.get("status") == "CHARGED":
            return dict(txn)
    return None
