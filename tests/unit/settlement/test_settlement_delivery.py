"""Settlement's remote calls and its delivery-keyed publication, over the real repositories (moto): the
first delivery reads once and writes once; a redelivery of the settling event publishes again, no other
delivery does; a failed publish is repaired by the next delivery; a follow or a credit that lands between
the read and the debit costs a retry, never a wrong debit or a missed release."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest

from paybridge.dal.orders import OrderRecord, OrdersRepository, OrderStatus
from paybridge.dal.pending_orders import PendingOrdersRepository
from paybridge.dal.wallets import WalletRepository
from paybridge.errors import JuspayUnavailableError, PublishError
from paybridge.logic.settle_order import SettleDependencies, events_for, settle_order
from paybridge.models.juspay import Order
from paybridge.models.wallet import Wallet
from tests.unit.settlement.conftest import Clock, create_table
from tests.unit.settlement.test_settle_order_logic import DETAIL, ORDER, FakePublisher, fund


class HookedJuspay:
    """Answers ``ORDER`` (or raises ``error`` when set), after running ``meanwhile``: what another writer does
    while settlement waits for Juspay, between its read and its transaction."""

    def __init__(self) -> None:
        self.error: Exception | None = None
        self.meanwhile: list[Callable[[], object]] = []
        self.calls = 0

    def get_order_status(self, order_id: str, *, customer_id: str | None = None) -> Order:
        self.calls += 1
        for action in self.meanwhile:
            action()
        self.meanwhile.clear()
        if self.error is not None:
            raise self.error
        return Order.model_validate(ORDER)


@pytest.fixture
def pending(dynamodb: Any) -> PendingOrdersRepository:
    create_table(dynamodb, "pending", "PendingOrdersTable")
    return PendingOrdersRepository(dynamodb, "pending")


@pytest.fixture
def calls(dynamodb: Any) -> Counter[str]:
    """Every DynamoDB operation the client makes from now on."""
    counted: Counter[str] = Counter()
    dynamodb.meta.events.register("before-call", lambda model, **_: counted.update([model.name]))
    return counted


class Wiring:
    """Settlement's dependencies over the real repositories: a ``HookedJuspay``, a ``FakePublisher`` and a
    ``release_pending`` that records each release and resolves the follow as the real one does."""

    def __init__(
        self,
        wallets: WalletRepository,
        orders: OrdersRepository,
        pending: PendingOrdersRepository,
        clock: Clock,
    ) -> None:
        self.juspay = HookedJuspay()
        self.publisher = FakePublisher()
        self.released: list[tuple[str, str]] = []
        self.wallets = wallets
        self.orders = orders
        self.pending = pending
        self.deps = SettleDependencies(
            juspay=self.juspay,
            wallets=wallets,
            orders=orders,
            publisher=self.publisher,  # type: ignore[arg-type]
            clock=clock,
            release_pending=self._release,
            pending_orders=pending,
        )

    def _release(self, order_id: str, status: str) -> None:
        self.released.append((order_id, status))
        self.pending.resolve_by_webhook(order_id, status, now=self.deps.clock())

    def wallet(self) -> Wallet:
        """The customer's wallet as stored now."""
        wallet = self.wallets.get_wallet("cust-9")
        assert wallet is not None
        return wallet

    def record(self) -> OrderRecord:
        """The order's record as stored now."""
        record = self.orders.get("ord-9")
        assert record is not None
        return record

    def follow(self) -> dict[str, Any]:
        """The order's pending-orders item as stored now."""
        follow = self.pending.get("ord-9")
        assert follow is not None
        return follow


@pytest.fixture
def bare(
    wallets: WalletRepository, orders: OrdersRepository, pending: PendingOrdersRepository, clock: Clock
) -> Wiring:
    """Settlement wired over the repositories; the customer has no wallet yet."""
    return Wiring(wallets, orders, pending, clock)


@pytest.fixture
def wiring(bare: Wiring, wallets: WalletRepository, clock: Clock) -> Wiring:
    """Settlement wired over the repositories; the customer's wallet holds 10,000 (``fund``)."""
    fund(wallets, clock)
    return bare


def test_the_first_delivery_reads_once_and_writes_once(wiring: Wiring, calls: Counter[str]) -> None:
    calls.clear()

    result = settle_order(DETAIL, wiring.deps, bus_event_id="bus-1")

    assert (result.action, result.status, result.follow_resolved) == ("debited", "SETTLED", True)
    assert calls == Counter({"BatchGetItem": 1, "TransactWriteItems": 1})
    assert wiring.released == [], "the resolution rode along in the debit's transaction"
    follow = wiring.follow()
    assert (follow["status"], follow["resolved_by"], follow["resolved_status"]) == (
        "RESOLVED",
        "webhook",
        "PARTIAL_CHARGED",
    )
    record = wiring.record()
    assert (record.status, record.published_by, record.events_published) == (
        OrderStatus.SETTLED,
        "bus-1",
        True,
    )
    assert record.last_event_id == "evt-1"
    # Built from the values written, not read back: identical to what the stored record gives.
    assert wiring.publisher.events == [("paybridge", t, d) for t, d in events_for(record)]
    wallet = wiring.wallet()
    assert (wallet.balance_minor, wallet.entry_count) == (9_000, 2)


def test_only_a_redelivery_of_the_settling_event_publishes_again(wiring: Wiring) -> None:
    settle_order(DETAIL, wiring.deps, bus_event_id="bus-1")

    # Lambda's retry of bus-1 (its first invocation may have died before publishing): again, identical.
    again = settle_order(DETAIL, wiring.deps, bus_event_id="bus-1")
    # Any other delivery (another webhook of the order, a replay): nothing.
    other = settle_order({**DETAIL, "event_id": "evt-2"}, wiring.deps, bus_event_id="bus-2")
    unnamed = settle_order(DETAIL, wiring.deps)

    assert [r.action for r in (again, other, unnamed)] == ["already_done"] * 3
    assert wiring.publisher.types() == ["OrderSettled", "OrderSettled"]
    assert wiring.publisher.events[0] == wiring.publisher.events[1]
    assert wiring.juspay.calls == 1, "a closed order is not asked about again"
    assert wiring.released == [], "the follow was resolved with the debit"
    assert wiring.wallet().balance_minor == 9_000


def test_a_failed_publish_takes_the_mark_back_and_the_next_delivery_publishes_once(wiring: Wiring) -> None:
    wiring.publisher.fail_next = 1

    with pytest.raises(PublishError):
        settle_order(DETAIL, wiring.deps, bus_event_id="bus-1")
    record = wiring.record()
    assert record.status is OrderStatus.SETTLED
    assert not record.events_published

    settle_order({**DETAIL, "event_id": "evt-2"}, wiring.deps, bus_event_id="bus-2")
    settle_order({**DETAIL, "event_id": "evt-3"}, wiring.deps, bus_event_id="bus-3")
    settle_order(DETAIL, wiring.deps, bus_event_id="bus-1")

    assert wiring.publisher.types() == ["OrderSettled"]
    record = wiring.record()
    assert record.events_published
    assert wiring.wallet().balance_minor == 9_000


def test_a_follow_opened_while_juspay_is_asked_is_released_after_the_debit(
    wiring: Wiring, pending: PendingOrdersRepository, clock: Clock
) -> None:
    wiring.juspay.meanwhile.append(
        lambda: pending.open_follow(
            "ord-9",
            follow=1,
            seen=None,
            customer_id="cust-9",
            trigger="TXN_CREATED",
            now=clock(),
            deadline_at=clock(),
        )
    )

    result = settle_order(DETAIL, wiring.deps, bus_event_id="bus-1")

    assert (result.action, result.follow_resolved) == ("debited", False)
    assert wiring.released == [("ord-9", "PARTIAL_CHARGED")]
    follow = wiring.follow()
    assert (follow["status"], follow["resolved_by"]) == ("RESOLVED", "webhook")
    assert wiring.publisher.types() == ["OrderSettled"]
    assert wiring.wallet().balance_minor == 9_000


def test_a_credit_landing_after_the_read_costs_a_retry_not_a_wrong_debit(
    wiring: Wiring, wallets: WalletRepository, clock: Clock
) -> None:
    wiring.juspay.meanwhile.append(
        lambda: wallets.credit(
            customer_id="cust-9", amount_minor=500, currency="INR", idempotency_key="late", now=clock()
        )
    )

    assert settle_order(DETAIL, wiring.deps, bus_event_id="bus-1").action == "debited"

    entries = wallets.all_entries("cust-9")
    assert [(e.seq, e.entry_type.value, e.balance_after_minor) for e in entries] == [
        (1, "CREDIT", 10_000),
        (2, "CREDIT", 10_500),
        (3, "DEBIT", 9_500),
    ]
    wallet = wiring.wallet()
    assert (wallet.balance_minor, wallet.entry_count) == (9_500, 3)


def test_juspay_unreachable_notes_the_order_received_for_reconciliation(bare: Wiring) -> None:
    wiring = bare
    wiring.juspay.error = JuspayUnavailableError("down")

    with pytest.raises(JuspayUnavailableError):
        settle_order(DETAIL, wiring.deps, bus_event_id="bus-1")

    record = wiring.record()
    assert (record.status, record.customer_id, record.last_event_id) == (
        OrderStatus.RECEIVED,
        "cust-9",
        "evt-1",
    )
    assert wiring.released == []


def test_an_order_closed_while_juspay_is_asked_is_not_debited_and_not_read_again(
    wiring: Wiring, orders: OrdersRepository, clock: Clock, calls: Counter[str]
) -> None:
    # Refund tracking records the online part refunded in full (and owns that publication) meanwhile.
    wiring.juspay.meanwhile.append(
        lambda: orders.record("ord-9", OrderStatus.REFUNDED, now=clock(), has_events=True)
    )
    calls.clear()

    result = settle_order(DETAIL, wiring.deps, bus_event_id="bus-1")

    assert (result.action, result.status) == ("already_done", "REFUNDED")
    # The debit marker is read to tell a replay from a refusal; the closed record came back with the
    # cancellation, so the order record is not read again.
    assert calls["GetItem"] == 1
    assert calls["TransactWriteItems"] == 1
    assert wiring.publisher.types() == []
    assert wiring.wallet().balance_minor == 10_000
