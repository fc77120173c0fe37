"""Juspay's orders for the scenarios, built from Juspay's own samples under fresh ids.

Transaction ids follow Juspay's pattern ``{merchant_id}-{order_id}-{attempt}`` (split parts add ``-1`` online,
``-2`` wallet), which is how settlement pairs an attempt's online and wallet parts.
"""

from __future__ import annotations

import copy
import json
import os
from pathlib import Path
from typing import Any

__all__ = [
    "SAMPLES",
    "cod_split",
    "failed_split",
    "sample",
    "split_card",
    "split_upi",
    "wallet_only",
    "with_attempt",
]

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = Path(os.environ.get("DEMO_SAMPLES") or ROOT.parent / "shared" / "juspay-samples")
#: The simulator's merchant id (``LOCAL_JUSPAY_MERCHANT_ID``): the prefix of its transaction ids.
MERCHANT = os.environ.get("LOCAL_JUSPAY_MERCHANT_ID") or "paybridge_local"

Order = dict[str, Any]


def sample(name: str) -> Any:
    """One of Juspay's sample payloads, parsed (strict JSON ones only)."""
    return json.loads((SAMPLES / name).read_text(encoding="utf-8"))


def _retag(order: Order, order_id: str, customer_id: str, attempt: int) -> Order:
    order = copy.deepcopy(order)
    order["order_id"], order["customer_id"] = order_id, customer_id
    for part, txn in enumerate(order.get("txn_list") or [], start=1):
        txn["txn_id"] = txn["txn_detail"]["txn_id"] = f"{MERCHANT}-{order_id}-{attempt}-{part}"
        txn["txn_detail"]["order_id"] = order_id
    if "txn_id" in order:  # the single-transaction shape (its txn_detail is optional)
        order["txn_id"] = f"{MERCHANT}-{order_id}-{attempt}"
        if isinstance(order.get("txn_detail"), dict):
            order["txn_detail"]["txn_id"] = order["txn_id"]
            order["txn_detail"]["order_id"] = order_id
    return order


def split_upi(order_id: str, customer_id: str) -> Order:
    """Juspay's ORDER_PARTIAL_CHARGED sample: 1951 by UPI (CHARGED) + 3999 from the wallet (TO_BE_CHARGED)."""
    order = sample("webhook_order_partial_charged_merchant_container_split.json")["content"]["order"]
    return _retag(order, order_id, customer_id, 1)


def split_card(order_id: str, customer_id: str, *, attempt: int = 3) -> Order:
    """Juspay's split Order Status sample: 40 by card (CHARGED) + 10 from the wallet (TO_BE_CHARGED)."""
    order = sample("order_status_split_partial_charged_custom_wallet.json")
    return _retag(order, order_id, customer_id, attempt)


def with_attempt(order: Order, *, attempt: int, status: str, online_status: str) -> Order:
    """The same split order as another attempt: ``status`` overall, ``online_status`` for the online part."""
    order = _retag(order, str(order["order_id"]), str(order["customer_id"]), attempt)
    order["status"] = status
    online = order["txn_list"][0]
    online["status"] = online["txn_detail"]["status"] = online_status
    return order


def failed_split(order_id: str, customer_id: str) -> Order:
    """Juspay's ORDER_FAILED split sample: UPI part AUTHENTICATION_FAILED, the wallet still TO_BE_CHARGED."""
    name = "webhook_order_failed_authentication_failed_merchant_container_split.json"
    return _retag(sample(name)["content"]["order"], order_id, customer_id, 1)


def wallet_only(order_id: str, customer_id: str) -> Order:
    """Juspay's wallet-pays-all sample: TO_BE_CHARGED, one MERCHANT_CONTAINER transaction of 50."""
    return _retag(sample("order_status_to_be_charged_wallet_only.json"), order_id, customer_id, 1)


def cod_split(order_id: str, customer_id: str) -> Order:
    """Cash on delivery + wallet (Juspay: COD_INITIATED + wallet → TO_BE_CHARGED), from the split sample's
    shape with its online part paid by cash on delivery (Juspay's COD sample's method)."""
    cod = sample("order_status_cod_initiated.json")
    order = split_card(order_id, customer_id, attempt=1)
    order["status"] = "TO_BE_CHARGED"
    online = order["txn_list"][0]
    online["payment_method_type"] = cod["payment_method_type"]
    online["payment_method"] = cod["payment_method"]
    online["status"] = online["txn_detail"]["status"] = cod["status"]
    return order
