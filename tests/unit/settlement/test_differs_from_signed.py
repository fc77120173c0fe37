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


def test_wallet_view_leaves_out_entries_newer_than_the_balance_read() -> None:
    from paybridge.logic.get_wallet import get_wallet
    from paybridge.models.wallet import EntryType, LedgerEntry, Wallet, WalletStatus

    def entry(seq: int, kind: EntryType, amount: int, after: int) -> LedgerEntry:
        return LedgerEntry("c1", seq, kind, amount, after, "INR", f"ref{seq}", None, "t")

    class RacingWallets:
        """The wallet is read before a debit lands; the entries after it."""

        def get_wallet(self, customer_id: str) -> Wallet:
            return Wallet(customer_id, "INR", 10000, 1, WalletStatus.ACTIVE, "t0", "t0")

        def list_entries(self, customer_id: str, *, limit: int) -> list[LedgerEntry]:
            return [entry(2, EntryType.DEBIT, 1000, 9000), entry(1, EntryType.CREDIT, 10000, 10000)]

    view = get_wallet("c1", RacingWallets())  # type: ignore[arg-type]
    assert view["balance"] == "100.00"
    assert [e["seq"] for e in view["entries"]] == [1]
