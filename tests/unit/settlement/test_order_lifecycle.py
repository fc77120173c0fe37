"""The order lifecycle over the real repositories (moto): refunds racing settlement, the credit-back rules,
the REFUNDED/debit race decided by DynamoDB, and non-final statuses moving to SETTLED."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from paybridge.dal.orders import OrdersRepository, OrderStatus
from paybridge.dal.wallets import WalletRepository
from paybridge.logic.settle_order import events_for, settle_order
from paybridge.logic.wallet_share import (
    NOT_FULLY_REFUNDED,
    NOT_SETTLED,
    credit_back_wallet_share,
    may_owe_credit_back,
)
from paybridge.models.juspay import Order
from paybridge.observability import metrics
from tests.unit.settlement.conftest import Clock, RacingClient
from tests.unit.settlement.test_settle_order_logic import DETAIL, ORDER, deps_for, fund


def with_refunds(*refunds: dict[str, Any], online_refunded: str = "0", extra_txns: int = 0) -> dict[str, Any]:
    order = copy.deepcopy(ORDER)
    order["refunds"] = list(refunds)
    order["txn_list"][0]["amount_refunded"] = Decimal(online_refunded)
    return order


def refund(amount: str, status: str = "SUCCESS", uid: str = "r1") -> dict[str, Any]:
    return {"unique_request_id": uid, "status": status, "amount": Decimal(amount)}


def balance(wallets: WalletRepository) -> int:
    wallet = wallets.get_wallet("cust-9")
    assert wallet is not None
    return wallet.balance_minor


def test_an_online_part_refunded_in_full_before_settlement_is_never_debited_and_ends_refunded(
    wallets: WalletRepository, orders: OrdersRepository, clock: Clock
) -> None:
    fund(wallets, clock)
    deps, _, publisher = deps_for(with_refunds(refund("40"), online_refunded="40"), wallets, orders, clock)

    result = settle_order(DETAIL, deps)
    again = settle_order(DETAIL, deps)

    assert (result.status, result.action) == ("REFUNDED", "recorded")
    assert (again.status, again.action) == ("REFUNDED", "already_done")
    assert balance(wallets) == 10_000
    record = orders.get("ord-9")
    assert record is not None
    assert (record.is_final, record.refunded_minor, record.wallet_minor) == (True, 4000, 1000)
    [(source, detail_type, detail)] = publisher.events
    assert (source, detail_type) == ("paybridge", "OrderRefunded")
    assert (detail["refunded_amount"], detail["wallet_amount"], detail["online_txn_id"]) == (
        "40.00",
        "10.00",
        "ord-9-1",
    )


def test_a_partial_refund_before_settlement_is_recorded_for_review_without_a_debit(
    wallets: WalletRepository, orders: OrdersRepository, clock: Clock
) -> None:
    fund(wallets, clock)
    deps, _, publisher = deps_for(with_refunds(refund("15"), online_refunded="15"), wallets, orders, clock)

    result = settle_order(DETAIL, deps)

    assert result.status == "REVIEW"
    assert balance(wallets) == 10_000
    assert publisher.types() == ["OrderNeedsReview"]
    assert "SettlementReview" in metrics.metric_set  # the SettlementReviewAlarm's metric
    metrics.clear_metrics()
    # A person's decision is not final for the code: a later full refund closes the order as REFUNDED.
    deps.juspay.order = with_refunds(refund("15"), refund("25", uid="r2"), online_refunded="40")  # type: ignore[attr-defined]
    assert settle_order(DETAIL, deps).status == "REFUNDED"


def test_pending_refunds_and_refunds_of_other_attempts_do_not_stop_the_debit(
    wallets: WalletRepository, orders: OrdersRepository, clock: Clock
) -> None:
    fund(wallets, clock)
    order = with_refunds(refund("40", "PENDING", uid="p"), refund("40", uid="other"), online_refunded="40")
    order["refunds"][1]["txn_id"] = "ord-9-0-1"  # an earlier attempt's auto-refund, named
    order["refunds"][0]["txn_id"] = "ord-9-1"
    deps, _, _ = deps_for(order, wallets, orders, clock)

    assert settle_order(DETAIL, deps).status == "SETTLED"
    assert balance(wallets) == 9_000


@pytest.mark.parametrize(
    "earlier",
    [OrderStatus.FAILED, OrderStatus.PENDING, OrderStatus.UNKNOWN, OrderStatus.STALE, OrderStatus.ABANDONED],
)
def test_a_non_final_status_still_moves_to_settled_when_juspay_confirms_a_successful_attempt(
    earlier: OrderStatus, wallets: WalletRepository, orders: OrdersRepository, clock: Clock
) -> None:
    fund(wallets, clock)
    orders.record("ord-9", earlier, now=clock(), has_events=False)
    deps, _, _ = deps_for(ORDER, wallets, orders, clock)

    assert settle_order(DETAIL, deps).status == "SETTLED"
    assert balance(wallets) == 9_000


@pytest.mark.parametrize("final", [OrderStatus.SETTLED, OrderStatus.CANCELLED, OrderStatus.REFUNDED])
def test_final_statuses_stay_final(
    final: OrderStatus, wallets: WalletRepository, orders: OrdersRepository, clock: Clock
) -> None:
    orders.record("ord-9", final, now=clock(), has_events=False)
    for status in OrderStatus:
        assert not orders.record("ord-9", status, now=clock(), has_events=False).changed


# ---- the credit-back -------------------------------------------------------------------------------------
def settled(wallets: WalletRepository, orders: OrdersRepository, clock: Clock) -> Any:
    fund(wallets, clock)
    deps, _, publisher = deps_for(ORDER, wallets, orders, clock)
    assert settle_order(DETAIL, deps).status == "SETTLED"
    publisher.events.clear()
    return deps, publisher


def test_credit_back_only_when_the_settled_online_transaction_is_refunded_in_full(
    wallets: WalletRepository, orders: OrdersRepository, clock: Clock
) -> None:
    deps, publisher = settled(wallets, orders, clock)
    record = orders.get("ord-9")

    partial = Order.model_validate(with_refunds(refund("39"), online_refunded="39"))
    assert credit_back_wallet_share(record, partial, deps).status == NOT_FULLY_REFUNDED
    # An auto-refund of a superseded attempt (no txn_id; the settled transaction shows nothing refunded).
    other = Order.model_validate(with_refunds(refund("40"), online_refunded="0"))
    assert credit_back_wallet_share(record, other, deps).status == NOT_FULLY_REFUNDED
    assert balance(wallets) == 9_000

    full = Order.model_validate(with_refunds(refund("40"), online_refunded="40"))
    done = credit_back_wallet_share(record, full, deps)
    replay = credit_back_wallet_share(record, full, deps)

    assert (done.status, done.amount_minor) == ("REVERSED", 1000)
    assert (replay.status, replay.amount_minor) == ("ALREADY_DONE", 1000)
    assert balance(wallets) == 10_000
    assert publisher.types() == ["WalletShareReversed"]


def test_credit_back_of_an_order_never_settled_or_closed_is_nothing(
    wallets: WalletRepository, orders: OrdersRepository, clock: Clock
) -> None:
    deps, _, _ = deps_for(ORDER, wallets, orders, clock)
    full = Order.model_validate(with_refunds(refund("40"), online_refunded="40"))
    assert not may_owe_credit_back(None)
    orders.record("ord-9", OrderStatus.CANCELLED, now=clock(), has_events=False)
    record = orders.get("ord-9")
    assert not may_owe_credit_back(record)
    assert credit_back_wallet_share(record, full, deps).status == NOT_SETTLED


def test_a_refund_seen_before_settlement_records_refunded_and_the_late_settlement_debits_nothing(
    wallets: WalletRepository, orders: OrdersRepository, clock: Clock
) -> None:
    """Scenario 1, refund first: the credit-back path settles the order from the refunded status."""
    fund(wallets, clock)
    refunded = with_refunds(refund("40"), online_refunded="40")
    deps, _, publisher = deps_for(refunded, wallets, orders, clock)
    orders.note_received("ord-9", event_id="e", customer_id="cust-9", now=clock())
    record = orders.get("ord-9")
    assert may_owe_credit_back(record)

    assert credit_back_wallet_share(record, Order.model_validate(refunded), deps).status == "REFUNDED"
    assert settle_order(DETAIL, deps).action == "already_done"
    assert balance(wallets) == 10_000
    assert publisher.types() == ["OrderRefunded"]


def test_a_debit_racing_the_refunded_record_is_decided_by_dynamodb(dynamodb: Any, clock: Clock) -> None:
    """Settlement read Juspay before the refund; the REFUNDED write lands between its read and its debit."""
    racing = RacingClient(dynamodb)
    wallets, orders = (
        WalletRepository(racing, "ledger", sleep=lambda _: None),
        OrdersRepository(racing, "orders"),
    )
    fund(wallets, clock)
    racing.before_transact.clear()
    refunded = Order.model_validate(with_refunds(refund("40"), online_refunded="40"))
    refund_deps, _, _ = deps_for(refunded.model_dump(), wallets, orders, clock)
    racing.before_transact.append(lambda: credit_back_wallet_share(None, refunded, refund_deps) and None)
    deps, _, _ = deps_for(ORDER, wallets, orders, clock)

    result = settle_order(DETAIL, deps)

    assert result.action == "already_done"
    assert balance(wallets) == 10_000
    record = orders.get("ord-9")
    assert record is not None
    assert record.status is OrderStatus.REFUNDED


def test_when_the_debit_wins_the_race_the_refund_path_credits_the_share_back(
    wallets: WalletRepository, orders: OrdersRepository, clock: Clock
) -> None:
    """Scenario 1, the other order: the refund path read the record before the debit committed."""
    fund(wallets, clock)
    orders.note_received("ord-9", event_id="e", customer_id="cust-9", now=clock())
    stale_record = orders.get("ord-9")
    deps, _, _ = deps_for(ORDER, wallets, orders, clock)
    assert settle_order(DETAIL, deps).status == "SETTLED"

    full = Order.model_validate(with_refunds(refund("40"), online_refunded="40"))
    assert credit_back_wallet_share(stale_record, full, deps).status == "REVERSED"
    assert balance(wallets) == 10_000


def test_refunded_and_review_events_are_pure_functions_of_the_record(
    orders: OrdersRepository, clock: Clock
) -> None:
    orders.record(
        "ord-9",
        OrderStatus.REVIEW,
        now=datetime(2026, 1, 2, tzinfo=UTC),
        has_events=True,
        fields={"customer_id": "c", "currency": "INR", "refunded_minor": 150, "reason": "x"},
    )
    record = orders.get("ord-9")
    assert record is not None
    assert events_for(record) == events_for(record)
    [(detail_type, detail)] = events_for(record)
    assert (detail_type, detail["refunded_amount"], detail["reason"]) == ("OrderNeedsReview", "1.50", "x")
