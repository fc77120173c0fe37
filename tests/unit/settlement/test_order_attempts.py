"""Attempts and refunds of one order, on Juspay's split sample: the wallet entry of the attempt that succeeded
is the one settled, and only refunds of the settled online transaction count against it."""

from __future__ import annotations

import copy
from decimal import Decimal
from typing import Any

import pytest

from paybridge.logic.classify_order import (
    Outcome,
    SplitAmounts,
    SplitMismatch,
    classify_order,
    validate_split,
)
from paybridge.logic.order_attempts import attempt_of, paired_wallet_entries, refunded_minor
from paybridge.models.juspay import Order, Transaction
from tests.helpers import load_sample

SAMPLE = "order_status_split_partial_charged_custom_wallet.json"
ONLINE = "neeraj_juspay_prod-testing-order-147-3-1"
WALLET = "neeraj_juspay_prod-testing-order-147-3-2"


def sample() -> dict[str, Any]:
    return load_sample(SAMPLE)


def earlier_attempt(body: dict[str, Any], attempt: int, *, online_status: str, wallet: bool = True) -> None:
    """Adds attempt ``attempt``'s parts (a copy of attempt 3's, renamed) in front of the sample's pair."""
    online, wallet_entry = copy.deepcopy(body["txn_list"][0]), copy.deepcopy(body["txn_list"][1])
    prefix = f"neeraj_juspay_prod-testing-order-147-{attempt}"
    for entry, part in ((online, 1), (wallet_entry, 2)):
        entry["txn_id"] = entry["txn_detail"]["txn_id"] = f"{prefix}-{part}"
        entry["txn_detail"]["created"] = f"2023-05-17T10:0{attempt}:00Z"
    online["status"] = online["txn_detail"]["status"] = online_status
    body["txn_list"][:0] = [online, wallet_entry] if wallet else [online]


def test_attempt_of_strips_the_split_part() -> None:
    order = Order.model_validate(sample())
    assert [attempt_of(t) for t in order.transactions()] == ["neeraj_juspay_prod-testing-order-147-3"] * 2
    assert attempt_of(Transaction.model_validate({"txn_id": "m-ord"})) is None


def test_a_failed_attempts_wallet_entry_beside_the_charged_pair_settles_on_the_charged_attempts_entry() -> (
    None
):
    body = sample()
    earlier_attempt(body, 1, online_status="AUTHORIZATION_FAILED")
    order = Order.model_validate(body)
    classification = classify_order(order)
    assert classification.outcome is Outcome.SUCCESS, classification.reason
    assert classification.wallet_txn is not None
    assert classification.wallet_txn.txn_id == WALLET
    amounts = validate_split(order, classification)
    assert isinstance(amounts, SplitAmounts)
    assert (amounts.wallet_txn_id, amounts.wallet_minor, amounts.online_txn_id) == (WALLET, 1000, ONLINE)


def test_a_wallet_entry_left_alone_by_its_failed_online_part_is_still_not_the_one_debited() -> None:
    body = sample()
    earlier_attempt(body, 2, online_status="AUTHENTICATION_FAILED")
    del body["txn_list"][0]  # Juspay lists the earlier wallet entry only
    classification = classify_order(Order.model_validate(body))
    assert classification.wallet_txn is not None
    assert classification.wallet_txn.txn_id == WALLET


def test_entries_pair_on_creation_time_when_the_ids_say_nothing() -> None:
    body = sample()
    earlier_attempt(body, 1, online_status="AUTHORIZATION_FAILED")
    for index, entry in enumerate(body["txn_list"]):
        entry["txn_id"] = entry["txn_detail"]["txn_id"] = f"opaque{index}"
    order = Order.model_validate(body)
    charged = order.transactions()[2]
    wallets = [t for t in order.transactions() if t.is_merchant_container]
    assert [w.txn_id for w in paired_wallet_entries(wallets, charged)] == ["opaque3"]
    assert classify_order(order).outcome is Outcome.SUCCESS


def test_entries_that_cannot_be_told_apart_are_a_mismatch_never_a_debit() -> None:
    body = sample()
    earlier_attempt(body, 1, online_status="AUTHORIZATION_FAILED")
    for entry in body["txn_list"]:
        entry["txn_id"] = entry["txn_detail"]["txn_id"] = "opaque"
        entry["txn_detail"]["created"] = "2023-05-17T10:23:35Z"
    order = Order.model_validate(body)
    classification = classify_order(order)
    assert classification.reason == "wallet_entries_indistinguishable"
    assert validate_split(order, classification) == SplitMismatch(("wallet_entries_indistinguishable",))


def test_an_attempt_paid_all_online_leaves_earlier_wallet_entries_alone() -> None:
    body = sample()
    earlier_attempt(body, 1, online_status="AUTHORIZATION_FAILED")
    del body["txn_list"][3]  # attempt 3 has no wallet part
    body["status"] = "PARTIAL_CHARGED"
    classification = classify_order(Order.model_validate(body))
    assert (classification.outcome, classification.reason) == (
        Outcome.NO_WALLET,
        "successful_attempt_without_wallet",
    )


# ---- refunds of one transaction --------------------------------------------------------------------------
def refund(amount: str, status: str = "SUCCESS", txn_id: str | None = None) -> dict[str, Any]:
    entry: dict[str, Any] = {"unique_request_id": f"rf{amount}{status}", "status": status, "amount": amount}
    if txn_id is not None:
        entry["txn_id"] = txn_id
    return entry


@pytest.mark.parametrize(
    ("refunds", "online_refunded", "expected"),
    [
        ([refund("40", txn_id=ONLINE)], 40, 4000),
        ([refund("40", "PENDING", txn_id=ONLINE)], 40, 0),
        ([refund("15", txn_id=ONLINE), refund("25", txn_id="other-1")], 15, 1500),
        # Unnamed refunds (every sample): the transaction's own amount_refunded decides.
        ([refund("40")], 40, 4000),
        ([refund("40")], 0, 0),  # refunded, but of another attempt
        ([refund("10")], 10, 1000),
        ([refund("40"), refund("40", "PENDING", txn_id=ONLINE)], 80, 4000),
        ([refund("40", "FAILURE")], 0, 0),
    ],
)
def test_refunded_minor_counts_only_this_transactions_refunds(
    refunds: list[dict[str, Any]], online_refunded: int, expected: int
) -> None:
    body = sample()
    body["refunds"] = refunds
    body["txn_list"][0]["amount_refunded"] = online_refunded
    assert refunded_minor(Order.model_validate(body), ONLINE) == expected


def test_unnamed_refunds_belong_to_the_only_online_transaction_when_juspay_gives_no_figure() -> None:
    body = sample()
    body["refunds"] = [refund("40")]
    del body["txn_list"][0]["amount_refunded"]
    assert refunded_minor(Order.model_validate(body), ONLINE) == 4000
    earlier_attempt(body, 1, online_status="AUTO_REFUNDED", wallet=False)
    body["txn_list"][0].pop("amount_refunded", None)
    # Two online attempts and no per-transaction figure: the refund cannot be called this one's.
    assert refunded_minor(Order.model_validate(body), ONLINE) == 0
    assert refunded_minor(Order.model_validate(body), None) == 0
    assert Decimal(body["txn_list"][1]["txn_detail"]["txn_amount"]) == 40


def test_a_superseded_attempt_charged_late_and_refunded_in_full_is_not_the_one_settled() -> None:
    body = sample()
    earlier_attempt(body, 2, online_status="CHARGED", wallet=False)
    assert classify_order(Order.model_validate(body)).reason == "several_successful_online_transactions"
    body["txn_list"][0]["amount_refunded"] = 40
    classification = classify_order(Order.model_validate(body))
    assert classification.outcome is Outcome.SUCCESS
    assert classification.online_txn is not None
    assert (classification.online_txn.txn_id, classification.wallet_txn.txn_id) == (ONLINE, WALLET)  # type: ignore[union-attr]
