"""settle_order with a fake Juspay and publisher over the real repositories (moto): the branches the
integration tests reach only by luck (publish failures, stale claims, frozen wallets, odd events)."""

from __future__ import annotations

import copy
from decimal import Decimal
from typing import Any

import pytest

from paybridge.dal.orders import OrdersRepository, OrderStatus
from paybridge.dal.wallets import ReversalStatus, WalletRepository
from paybridge.errors import ConflictError, JuspayUnavailableError, PublishError, UnprocessableError
from paybridge.logic.settle_order import SettleDependencies, events_for, settle_order
from paybridge.models.juspay import Order
from paybridge.models.wallet import WalletStatus
from tests.unit.settlement.conftest import Clock

ORDER = {
    "order_id": "ord-9",
    "customer_id": "cust-9",
    "status": "PARTIAL_CHARGED",
    "amount": Decimal("50"),
    "currency": "INR",
    "txn_list": [
        {
            "txn_id": "ord-9-1",
            "status": "CHARGED",
            "payment_method_type": "CARD",
            "txn_detail": {"txn_amount": Decimal("40"), "currency": "INR"},
        },
        {
            "txn_id": "ord-9-2",
            "status": "TO_BE_CHARGED",
            "payment_method_type": "MERCHANT_CONTAINER",
            "txn_detail": {"txn_amount": Decimal("10"), "currency": "INR"},
        },
    ],
}


class FakeJuspay:
    def __init__(self, order: dict[str, Any] | Exception) -> None:
        self.order = order
        self.calls: list[str] = []

    def get_order_status(self, order_id: str, *, customer_id: str | None = None) -> Order:
        self.calls.append(order_id)
        if isinstance(self.order, Exception):
            raise self.order
        return Order.model_validate(self.order)


class FakePublisher:
    def __init__(self) -> None:
        self.events: list[tuple[str, str, dict[str, Any]]] = []
        self.fail_next = 0

    def publish(self, source: str, detail_type: str, detail: dict[str, Any]) -> str:
        if self.fail_next:
            self.fail_next -= 1
            raise PublishError("bus down")
        self.events.append((source, detail_type, detail))
        return f"evt-{len(self.events)}"

    def types(self) -> list[str]:
        return [t for _, t, _ in self.events]


def deps_for(
    order: dict[str, Any] | Exception, wallets: WalletRepository, orders: OrdersRepository, clock: Clock
) -> tuple[SettleDependencies, FakeJuspay, FakePublisher]:
    juspay, publisher = FakeJuspay(order), FakePublisher()
    deps = SettleDependencies(juspay=juspay, wallets=wallets, orders=orders, publisher=publisher, clock=clock)  # type: ignore[arg-type]
    return deps, juspay, publisher


def fund(wallets: WalletRepository, clock: Clock, minor: int = 10_000, customer: str = "cust-9") -> None:
    wallets.credit(
        customer_id=customer, amount_minor=minor, currency="INR", idempotency_key="seed", now=clock()
    )


DETAIL = {"order_id": "ord-9", "customer_id": "cust-9", "event_id": "evt-1"}


def test_debit_then_replays_ask_juspay_no_more(
    wallets: WalletRepository, orders: OrdersRepository, clock: Clock
) -> None:
    fund(wallets, clock)
    deps, juspay, publisher = deps_for(ORDER, wallets, orders, clock)

    first = settle_order(DETAIL, deps)
    second = settle_order(DETAIL, deps)

    assert (first.action, first.status) == ("debited", "SETTLED")
    assert (second.action, second.status) == ("already_done", "SETTLED")
    assert juspay.calls == ["ord-9"]
    assert publisher.types() == ["OrderSettled"]
    wallet = wallets.get_wallet("cust-9")
    assert wallet is not None
    assert wallet.balance_minor == 9_000


def test_a_failed_publish_is_retried_by_the_next_delivery_and_published_once(
    wallets: WalletRepository, orders: OrdersRepository, clock: Clock
) -> None:
    deps, _, publisher = deps_for(ORDER, wallets, orders, clock)  # no wallet: cancel + refund
    publisher.fail_next = 1

    with pytest.raises(PublishError):
        settle_order(DETAIL, deps)
    record = orders.get("ord-9")
    assert record is not None
    assert record.status is OrderStatus.CANCELLED
    assert not record.events_published
    assert record.publish_claimed_at is None  # the claim was given back

    retried = settle_order(DETAIL, deps)
    settle_order(DETAIL, deps)

    assert retried.action == "already_done"
    assert publisher.types() == ["OrderCancelled", "RefundRequested"]
    refund = publisher.events[1][2]
    assert (refund["txn_id"], refund["amount"], refund["reason"]) == (
        "ord-9-1",
        "40.00",
        "wallet_debit_failed:wallet_missing",
    )


def test_a_publisher_that_died_is_taken_over_once_its_claim_is_stale(
    wallets: WalletRepository, orders: OrdersRepository, clock: Clock
) -> None:
    fund(wallets, clock)
    deps, _, publisher = deps_for(ORDER, wallets, orders, clock)
    now = clock()
    # The debit committed (with its claim) but the process died before publishing.
    fields = {"customer_id": "cust-9", "currency": "INR", "amount_minor": 5_000, "wallet_minor": 1_000}
    wallets.debit(
        customer_id="cust-9",
        order_id="ord-9",
        txn_id="ord-9-2",
        amount_minor=1_000,
        currency="INR",
        now=now,
        order_update=orders.settled_update("ord-9", now=now, fields=fields),
    )

    settle_order(DETAIL, deps)
    assert publisher.types() == []  # a live claim: someone may be publishing right now
    clock.advance(61)
    settle_order(DETAIL, deps)
    settle_order(DETAIL, deps)
    assert publisher.types() == ["OrderSettled"]


def test_frozen_wallet_cancels(wallets: WalletRepository, orders: OrdersRepository, clock: Clock) -> None:
    fund(wallets, clock)
    wallets.set_status("cust-9", WalletStatus.FROZEN, now=clock())
    deps, _, publisher = deps_for(ORDER, wallets, orders, clock)

    result = settle_order(DETAIL, deps)

    assert (result.action, result.reason) == ("cancelled", "wallet_frozen")
    assert publisher.types() == ["OrderCancelled", "RefundRequested"]
    wallet = wallets.get_wallet("cust-9")
    assert wallet is not None
    assert wallet.balance_minor == 10_000


def test_event_without_order_id_is_ignored(
    wallets: WalletRepository, orders: OrdersRepository, clock: Clock
) -> None:
    deps, juspay, publisher = deps_for(ORDER, wallets, orders, clock)
    for detail in ({}, {"order_id": ""}, {"order_id": {"nested": 1}}):
        assert settle_order(detail, deps).action == "ignored"
    assert juspay.calls == []
    assert publisher.events == []


def test_juspay_errors_propagate_and_leave_the_order_received(
    wallets: WalletRepository, orders: OrdersRepository, clock: Clock
) -> None:
    deps, _, _ = deps_for(JuspayUnavailableError("down"), wallets, orders, clock)
    with pytest.raises(JuspayUnavailableError):
        settle_order(DETAIL, deps)
    record = orders.get("ord-9")
    assert record is not None
    assert (record.status, record.customer_id, record.last_event_id) == (
        OrderStatus.RECEIVED,
        "cust-9",
        "evt-1",
    )


def test_no_wallet_and_unknown_orders_are_recorded_without_events(
    wallets: WalletRepository, orders: OrdersRepository, clock: Clock
) -> None:
    plain = {
        "order_id": "ord-9",
        "status": "CHARGED",
        "amount": 5,
        "txn_id": "t",
        "txn_detail": {"status": "CHARGED"},
    }
    deps, _, publisher = deps_for(plain, wallets, orders, clock)
    assert settle_order(DETAIL, deps).status == "NO_WALLET"
    odd = copy.deepcopy(ORDER)
    odd["status"] = "BRAND_NEW_STATUS"
    deps.juspay = type(deps.juspay)(odd)  # type: ignore[call-arg]
    result = settle_order(DETAIL, deps)
    assert (result.status, result.reason) == ("UNKNOWN", "online_charged_with_order_brand_new_status")
    assert publisher.events == []


def test_a_cancelled_order_is_never_debited_later(
    wallets: WalletRepository, orders: OrdersRepository, clock: Clock
) -> None:
    deps, _, _ = deps_for(ORDER, wallets, orders, clock)
    assert settle_order(DETAIL, deps).status == "CANCELLED"
    fund(wallets, clock)  # the customer tops up afterwards: the order stays cancelled, the refund stands
    assert settle_order(DETAIL, deps).action == "already_done"
    wallet = wallets.get_wallet("cust-9")
    assert wallet is not None
    assert wallet.balance_minor == 10_000


def test_events_for_statuses_without_events_is_empty(orders: OrdersRepository, clock: Clock) -> None:
    orders.record("o", OrderStatus.MISMATCH, now=clock(), has_events=False, fields={"reason": "x"})
    record = orders.get("o")
    assert record is not None
    assert record.events_published
    assert events_for(record) == []
    with pytest.raises(ValueError, match="not order record fields"):
        orders.record("o", OrderStatus.PENDING, now=clock(), has_events=True, fields={"bogus": 1})


# ---- the reversal contract the refund function relies on -----------------------------------------------
def test_reverse_debit_credits_the_share_back_once(
    wallets: WalletRepository, orders: OrdersRepository, clock: Clock
) -> None:
    fund(wallets, clock)
    deps, _, _ = deps_for(ORDER, wallets, orders, clock)
    settle_order(DETAIL, deps)
    record = orders.get("ord-9")
    assert record is not None
    assert record.wallet_txn_id == "ord-9-2"
    assert record.wallet_minor == 1_000
    args = {"customer_id": "cust-9", "order_id": "ord-9", "txn_id": record.wallet_txn_id, "currency": "INR"}

    first = wallets.reverse_debit(**args, amount_minor=record.wallet_minor, now=clock())
    again = wallets.reverse_debit(**args, amount_minor=record.wallet_minor, now=clock())

    assert first.status is ReversalStatus.REVERSED
    assert again.status is ReversalStatus.ALREADY_DONE
    assert again.entry == first.entry
    wallet = wallets.get_wallet("cust-9")
    assert wallet is not None
    assert wallet.balance_minor == 10_000
    assert [e.entry_type.value for e in wallets.list_entries("cust-9")] == ["REVERSAL", "DEBIT", "CREDIT"]


def test_reverse_debit_refuses_what_was_not_debited_that_way(
    wallets: WalletRepository, orders: OrdersRepository, clock: Clock
) -> None:
    fund(wallets, clock)
    deps, _, _ = deps_for(ORDER, wallets, orders, clock)
    settle_order(DETAIL, deps)
    now = clock()
    base = {"order_id": "ord-9", "txn_id": "ord-9-2", "currency": "INR", "now": now}

    nothing = wallets.reverse_debit(
        customer_id="cust-9", order_id="ord-9", txn_id="never", amount_minor=1, currency="INR", now=now
    )
    assert nothing.status is ReversalStatus.NOTHING_TO_REVERSE
    with pytest.raises(ConflictError):
        wallets.reverse_debit(**base, customer_id="someone-else", amount_minor=1_000)  # type: ignore[arg-type]
    with pytest.raises(UnprocessableError):
        wallets.reverse_debit(**base, customer_id="cust-9", amount_minor=1_001)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="positive"):
        wallets.reverse_debit(**base, customer_id="cust-9", amount_minor=0)  # type: ignore[arg-type]


def test_credit_rules(wallets: WalletRepository, clock: Clock) -> None:
    fund(wallets, clock, 500, customer="c")
    with pytest.raises(UnprocessableError):
        wallets.credit(customer_id="c", amount_minor=1, currency="USD", idempotency_key="k2", now=clock())
    wallets.set_status("c", WalletStatus.FROZEN, now=clock())
    with pytest.raises(ConflictError, match="frozen"):
        wallets.credit(customer_id="c", amount_minor=1, currency="INR", idempotency_key="k3", now=clock())
    with pytest.raises(ValueError, match="positive"):
        wallets.credit(customer_id="c", amount_minor=0, currency="INR", idempotency_key="k4", now=clock())
    with pytest.raises(ValueError, match="positive"):
        wallets.debit(customer_id="c", order_id="o", txn_id="t", amount_minor=-1, currency="INR", now=clock())
