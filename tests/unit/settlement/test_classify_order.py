"""classify_order: every row of the seed's table, both order shapes, both spellings, every relevant Juspay
sample; validate_split: the money checks made before any debit."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any

import pytest

from paybridge.logic.classify_order import (
    FAILURE_STATUSES,
    PENDING_STATUSES,
    Outcome,
    SplitAmounts,
    SplitMismatch,
    classify_order,
    normalise_status,
    validate_split,
)
from paybridge.models.juspay import Order, loads_juspay_json
from tests.helpers import SAMPLES


def txn(
    txn_id: str,
    status: str,
    amount: str,
    *,
    wallet: bool = False,
    currency: str = "INR",
    detail: bool = True,
) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "txn_id": txn_id,
        "status": status,
        "payment_method_type": "MERCHANT_CONTAINER" if wallet else "UPI",
        "payment_method": "SHOP_WALLET" if wallet else "UPI",
    }
    if detail:
        entry["txn_detail"] = {
            "txn_id": txn_id,
            "status": status,
            "txn_amount": Decimal(amount),
            "net_amount": Decimal("50"),  # the whole order on every entry: never the share to debit
            "currency": currency,
            "gateway": "MERCHANT_CONTAINER" if wallet else "DUMMY",
        }
    return entry


def split_order(
    status: str,
    online_status: str | None = "CHARGED",
    *,
    online: str = "40",
    wallet: str = "10",
    amount: str | None = "50",
    status_id: int = 21,
    **extra: Any,
) -> Order:
    txns = []
    if online_status is not None:
        txns.append(txn("ord-1-1", online_status, online))
    txns.append(txn("ord-1-2", "TO_BE_CHARGED", wallet, wallet=True))
    body = {
        "order_id": "ord-1",
        "customer_id": "cust-1",
        "status": status,
        "status_id": status_id,
        "amount": Decimal(amount) if amount is not None else None,
        "currency": "INR",
        "txn_list": txns,
        **extra,
    }
    return Order.model_validate(body)


# ---- the seed's table -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "spelling", ["PARTIAL_CHARGED", "PARTIALLY_CHARGED", "Partially Charged", "partial_charged"]
)
def test_online_charged_plus_wallet_is_success_in_both_spellings(spelling: str) -> None:
    result = classify_order(split_order(spelling))
    assert result.outcome is Outcome.SUCCESS
    assert result.reason == "online_charged"
    assert result.wallet_txn is not None
    assert result.wallet_txn.txn_id == "ord-1-2"
    assert result.online_txn is not None
    assert result.online_txn.txn_id == "ord-1-1"
    assert result.cod is False


@pytest.mark.parametrize("overall", ["TO_BE_CHARGED", "COD_INITIATED"])
def test_cod_plus_wallet_is_success_without_online_refund(overall: str) -> None:
    result = classify_order(split_order(overall, "COD_INITIATED"))
    assert (result.outcome, result.reason, result.cod) == (Outcome.SUCCESS, "cod_initiated", True)


def test_wallet_pays_all_in_split_shape_is_success() -> None:
    result = classify_order(split_order("TO_BE_CHARGED", None, wallet="50"))
    assert (result.outcome, result.reason, result.online_txn) == (Outcome.SUCCESS, "wallet_pays_all", None)


def test_wallet_pays_all_in_single_transaction_shape_is_success() -> None:
    order = Order.model_validate(
        {
            "order_id": "ord-2",
            "customer_id": "cust-1",
            "status": "TO_BE_CHARGED",
            "status_id": 40,  # also NOT_FOUND's id in one table: the string decides
            "amount": 50,
            "txn_id": "ord-2-1",
            "payment_method_type": "MERCHANT_CONTAINER",
        }
    )
    result = classify_order(order)
    assert result.outcome is Outcome.SUCCESS
    amounts = validate_split(order, result)
    assert isinstance(amounts, SplitAmounts)
    assert (amounts.wallet_minor, amounts.online_minor, amounts.wallet_txn_id) == (5000, 0, "ord-2-1")


@pytest.mark.parametrize("status", sorted(FAILURE_STATUSES))
def test_online_failure_is_failure_although_the_wallet_says_to_be_charged(status: str) -> None:
    result = classify_order(split_order(status, status))
    assert result.outcome is Outcome.FAILURE
    assert result.wallet_txns[0].status == "TO_BE_CHARGED"


@pytest.mark.parametrize("status", sorted(PENDING_STATUSES))
def test_online_pending_is_pending(status: str) -> None:
    assert classify_order(split_order(status, status)).outcome is Outcome.PENDING


def test_the_seed_table_has_exactly_these_failure_and_pending_statuses() -> None:
    assert {
        "AUTHENTICATION_FAILED",
        "AUTHORIZATION_FAILED",
        "JUSPAY_DECLINED",
        "NOT_FOUND",
    } == FAILURE_STATUSES
    assert {"NEW", "STARTED", "PENDING_VBV", "VBV_SUCCESSFUL", "AUTHORIZING"} == PENDING_STATUSES


def test_single_transaction_order_without_wallet_is_no_wallet() -> None:
    order = Order.model_validate(
        {
            "order_id": "o",
            "status": "CHARGED",
            "amount": 1,
            "txn_id": "t",
            "txn_detail": {"status": "CHARGED"},
        }
    )
    assert classify_order(order).outcome is Outcome.NO_WALLET


def test_order_without_any_transaction_is_no_wallet() -> None:
    assert (
        classify_order(Order.model_validate({"order_id": "o", "status": "NEW"})).outcome is Outcome.NO_WALLET
    )


@pytest.mark.parametrize(
    ("order", "reason"),
    [
        (split_order("SOMETHING_NEW"), "online_charged_with_order_something_new"),
        (split_order(""), "online_charged_with_order_blank"),
        (split_order("CHARGED"), "online_charged_with_order_charged"),
        (split_order("AUTO_REFUNDED"), "online_charged_with_order_auto_refunded"),
        (split_order("PARTIAL_CHARGED", "AUTHORIZATION_FAILED"), "no_successful_online_transaction"),
        (split_order("PARTIAL_CHARGED", "COD_INITIATED"), "online_cod_initiated_with_order_partial_charged"),
        (split_order("TO_BE_CHARGED", "CHARGED"), "online_charged_with_order_to_be_charged"),
        (split_order("PARTIAL_CHARGED", None), "wallet_only_order_partial_charged"),
        (split_order("CHARGED", None), "wallet_only_order_charged"),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_unknown_or_inconsistent_statuses_are_unknown_and_never_crash(order: Order, reason: str) -> None:
    result = classify_order(order)
    assert (result.outcome, result.reason) == (Outcome.UNKNOWN, reason)


def test_two_wallet_entries_of_one_attempt_cannot_be_told_apart_so_nothing_is_debited() -> None:
    order = split_order("PARTIAL_CHARGED")
    body = order.model_dump()
    body["txn_list"].append(txn("ord-1-3", "TO_BE_CHARGED", "5", wallet=True))
    classification = classify_order(Order.model_validate(body))
    assert classification.reason == "wallet_entries_indistinguishable"
    assert validate_split(Order.model_validate(body), classification) == SplitMismatch(
        ("wallet_entries_indistinguishable",)
    )


def test_two_charged_online_transactions_are_unknown() -> None:
    body = split_order("PARTIAL_CHARGED").model_dump()
    body["txn_list"].append(txn("ord-1-4", "CHARGED", "40"))
    assert classify_order(Order.model_validate(body)).reason == "several_successful_online_transactions"


def test_a_failed_earlier_attempt_beside_the_charged_one_is_still_success() -> None:
    body = split_order("PARTIAL_CHARGED").model_dump()
    body["txn_list"].insert(0, txn("ord-1-0", "AUTHORIZATION_FAILED", "40"))
    result = classify_order(Order.model_validate(body))
    assert result.outcome is Outcome.SUCCESS
    assert result.online_txn is not None
    assert result.online_txn.txn_id == "ord-1-1"


def test_wallet_entry_not_to_be_charged_is_unknown() -> None:
    body = split_order("PARTIAL_CHARGED").model_dump()
    body["txn_list"][1]["status"] = "CHARGED"
    assert classify_order(Order.model_validate(body)).reason == "wallet_transaction_not_to_be_charged"


def test_status_id_is_ignored() -> None:
    outcomes = {
        classify_order(split_order("PARTIAL_CHARGED", status_id=sid)).outcome for sid in (21, 37, 40, 0)
    }
    assert outcomes == {Outcome.SUCCESS}


def test_normalise_status() -> None:
    assert normalise_status(" partially  charged ") == "PARTIAL_CHARGED"
    assert normalise_status(None) == ""
    assert normalise_status("cod_initiated") == "COD_INITIATED"


# ---- every relevant sample ----------------------------------------------------------------------------
#: Sample → (outcome, wallet minor units to debit or None). The non-wallet samples are "relevant" because a
#: settlement function sees every order webhook: they must be recorded only, never debited.
EXPECTED: dict[str, tuple[Outcome, int | None]] = {
    "order_status_split_partial_charged_custom_wallet.json": (Outcome.SUCCESS, 1000),
    "order_status_to_be_charged_wallet_only.json": (Outcome.SUCCESS, 5000),
    "webhook_order_partial_charged_merchant_container_split.json": (Outcome.SUCCESS, 399900),
    "webhook_order_failed_authentication_failed_merchant_container_split.json": (Outcome.FAILURE, None),
    "webhook_order_failed_merchant_container_split.json": (Outcome.FAILURE, None),
    "order_status_partial_charged_simpl_multiclaim.json": (Outcome.NO_WALLET, None),
    "order_status_after_cancel_recurring_txn.json": (Outcome.NO_WALLET, None),
    "order_status_charged_emi.json": (Outcome.NO_WALLET, None),
    "order_status_charged_nb.json": (Outcome.NO_WALLET, None),
    "order_status_charged_wallet_with_refund.json": (Outcome.NO_WALLET, None),
    "order_status_cod_initiated.json": (Outcome.NO_WALLET, None),
    "order_status_mandate_register_upi.json": (Outcome.NO_WALLET, None),
    "order_status_split_settlement_vendor_split.json": (Outcome.NO_WALLET, None),
    "webhook_order_failed.json": (Outcome.NO_WALLET, None),
    "webhook_order_failed_mandate_register.json": (Outcome.NO_WALLET, None),
    "webhook_order_refund_failed.json": (Outcome.NO_WALLET, None),
    "webhook_order_refunded.json": (Outcome.NO_WALLET, None),
    "webhook_order_succeeded.json": (Outcome.NO_WALLET, None),
    "webhook_order_succeeded_mandate.json": (Outcome.NO_WALLET, None),
    "webhook_order_succeeded_mandate_execution.json": (Outcome.NO_WALLET, None),
}


def sample_order(name: str) -> Order:
    text = (SAMPLES / name).read_text(encoding="utf-8")
    if name == "webhook_order_failed_merchant_container_split.json":
        # INDEX.md: the official file is not valid JSON (a stray string line after "status"); drop that line.
        text = "\n".join(line for line in text.splitlines() if not re.fullmatch(r'\s*"[^"]*",\s*', line))
    document = loads_juspay_json(text)
    return Order.model_validate(document["content"]["order"] if "content" in document else document)


def test_every_order_sample_is_covered() -> None:
    names = {p.name for p in SAMPLES.glob("order_status_*.json")} | {
        p.name for p in SAMPLES.glob("webhook_order_*.json")
    }
    unreadable = set()
    for name in names:
        try:
            document = json.loads((SAMPLES / name).read_text(encoding="utf-8"))
        except ValueError:
            unreadable.add(name)
            continue
        order = document.get("content", {}).get("order") if "content" in document else document
        if not isinstance(order, dict) or "order_id" not in order:
            unreadable.add(name)  # e.g. the encrypted v4 response: no order to classify
    # The invalid ones (INDEX.md) are the card/UPI/offers samples with comments or curly quotes, no wallet.
    assert names - unreadable - set(EXPECTED) == set()
    assert unreadable == {
        "order_status_charged_card_with_refund.json",
        "order_status_charged_offers.json",
        "order_status_charged_upi.json",
        "order_status_v4_jwt_response.json",
        "webhook_order_failed_merchant_container_split.json",
    }


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_sample_classification(name: str) -> None:
    order = sample_order(name)
    outcome, wallet_minor = EXPECTED[name]
    result = classify_order(order)
    assert result.outcome is outcome, result.reason
    if wallet_minor is not None:
        amounts = validate_split(order, result)
        assert isinstance(amounts, SplitAmounts), amounts
        assert amounts.wallet_minor == wallet_minor
        assert amounts.online_minor + amounts.wallet_minor == amounts.amount_minor


def test_split_sample_debits_txn_amount_not_net_amount() -> None:
    order = sample_order("order_status_split_partial_charged_custom_wallet.json")
    amounts = validate_split(order, classify_order(order))
    assert isinstance(amounts, SplitAmounts)
    assert amounts == SplitAmounts(
        order_id="testing-order-147",
        customer_id="testing-customer-two",
        currency="INR",
        amount_minor=5000,
        online_minor=4000,
        wallet_minor=1000,
        wallet_txn_id="neeraj_juspay_prod-testing-order-147-3-2",
        online_txn_id="neeraj_juspay_prod-testing-order-147-3-1",
        cod=False,
    )


# ---- validation before a debit ------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("order", "reason"),
    [
        (split_order("PARTIAL_CHARGED", amount="60"), "amount_not_online_plus_wallet"),
        (split_order("PARTIAL_CHARGED", wallet="0", online="50"), "wallet_amount_not_positive"),
        (split_order("PARTIAL_CHARGED", wallet="-5", online="55"), "wallet_amount_not_positive"),
        (
            split_order("PARTIAL_CHARGED", wallet="10.005", online="39.995"),
            "wallet_amount_sub_minor_precision",
        ),
        (split_order("PARTIAL_CHARGED", customer_id=None), "customer_missing"),
        (split_order("PARTIAL_CHARGED", customer_id="  "), "customer_missing"),
        (split_order("PARTIAL_CHARGED", currency="USD"), "transaction_currency_differs"),
        (split_order("PARTIAL_CHARGED", currency="RUPEES"), "currency_invalid"),
        (split_order("PARTIAL_CHARGED", amount=None), "order_amount_missing"),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_mismatches_are_reported_with_their_reason(order: Order, reason: str) -> None:
    result = validate_split(order, classify_order(order))
    assert isinstance(result, SplitMismatch)
    assert reason in result.reasons


def test_missing_transaction_amounts_are_mismatches() -> None:
    body = split_order("PARTIAL_CHARGED").model_dump()
    body["txn_list"][0]["txn_detail"] = None
    body["txn_list"][1]["txn_detail"] = None
    order = Order.model_validate(body)
    result = validate_split(order, classify_order(order))
    assert isinstance(result, SplitMismatch)
    assert {"online_amount_missing", "wallet_amount_missing"} <= set(result.reasons)


def test_wallet_txn_without_id_is_a_mismatch() -> None:
    body = split_order("PARTIAL_CHARGED").model_dump()
    body["txn_list"][1]["txn_id"] = None
    body["txn_list"][1]["txn_detail"]["txn_id"] = None
    order = Order.model_validate(body)
    result = validate_split(order, classify_order(order))
    assert isinstance(result, SplitMismatch)
    assert "wallet_txn_id_missing" in result.reasons


def test_only_successes_are_validated() -> None:
    order = split_order("AUTHORIZATION_FAILED", "AUTHORIZATION_FAILED")
    assert validate_split(order, classify_order(order)) == SplitMismatch(("not_a_successful_wallet_split",))


def test_amounts_sent_as_strings_validate() -> None:
    body = split_order("PARTIAL_CHARGED").model_dump()
    body["amount"] = "50.00"
    body["txn_list"][0]["txn_detail"]["txn_amount"] = "40"
    order = Order.model_validate(body)
    amounts = validate_split(order, classify_order(order))
    assert isinstance(amounts, SplitAmounts)
    assert (amounts.amount_minor, amounts.online_minor, amounts.wallet_minor) == (5000, 4000, 1000)
