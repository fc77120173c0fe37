"""Settlement compares Juspay's split with what was signed for the order."""

from __future__ import annotations

from dataclasses import replace

from paybridge.dal.orders import OrderRecord, OrderStatus
from paybridge.logic.classify_order import SplitAmounts
from paybridge.logic.settle_order import differs_from_signed

AMOUNTS = SplitAmounts(
    order_id="o1",
    customer_id="c1",
    currency="INR",
    amount_minor=5000,
    online_minor=4000,
    wallet_minor=1000,
    wallet_txn_id="w1",
    online_txn_id="t1",
    cod=False,
)
SIGNED = OrderRecord(
    order_id="o1",
    status=OrderStatus.RECEIVED,
    created_at="",
    updated_at="",
    version=0,
    signed_customer_id="c1",
    signed_currency="INR",
    signed_amount_minor=5000,
    signed_wallet_offered_minor=1000,
)


def test_unsigned_orders_are_not_compared() -> None:
    assert differs_from_signed(None, AMOUNTS) == []
    assert differs_from_signed(replace(SIGNED, signed_amount_minor=None), AMOUNTS) == []


def test_matching_terms_pass() -> None:
    assert differs_from_signed(SIGNED, AMOUNTS) == []


def test_every_difference_is_named() -> None:
    record = replace(
        SIGNED,
        signed_amount_minor=4999,
        signed_currency="USD",
        signed_customer_id="someone",
        signed_wallet_offered_minor=999,
    )
    assert differs_from_signed(record, AMOUNTS) == [
        "amount_differs_from_signed",
        "currency_differs_from_signed",
        "customer_differs_from_signed",
        "wallet_share_exceeds_offer",
    ]
    assert differs_from_signed(replace(SIGNED, signed_wallet_offered_minor=None), AMOUNTS) == [
        "wallet_share_exceeds_offer"
    ]
