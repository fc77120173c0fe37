"""Update Order keeps the signed terms consistent (``logic/update_order.py``), with fakes for Juspay and the
tables: each refusal happens before Juspay is asked to change anything, and every outcome of Juspay's call
leaves terms that settlement accepts."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from paybridge.dal.orders import OrderRecord, OrderStatus
from paybridge.errors import (
    JuspayBadRequestError,
    JuspayError,
    JuspayNotFoundError,
    JuspayUnavailableError,
    OrderUpdateRefusedError,
)
from paybridge.logic.classify_order import SplitAmounts
from paybridge.logic.settle_order import differs_from_signed
from paybridge.logic.update_order import update_order
from paybridge.models.juspay import Order
from paybridge.models.order_api import UpdateOrderRequest
from paybridge.models.validation import parse_request
from tests.helpers import load_sample

FIFTY = parse_request(UpdateOrderRequest, {"amount": "50.00"})
SIGNED = OrderRecord(
    order_id="o1",
    status=OrderStatus.RECEIVED,
    created_at="",
    updated_at="",
    version=0,
    signed_customer_id="cust-1",
    signed_currency="INR",
    signed_amount_minor=4000,
    signed_wallet_offered_minor=1000,
)


def juspay_order(status: str = "NEW", amount: str = "40", customer: str | None = "cust-1") -> Order:
    body = load_sample("update_order_response.json")
    body.update({"order_id": "o1", "status": status, "amount": Decimal(amount), "customer_id": customer})
    return Order.model_validate(body)


@dataclass
class FakeJuspay:
    orders: list[Order]
    update_error: JuspayError | None = None
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    def get_order_status(self, order_id: str, *, customer_id: str | None) -> Order:
        self.calls.append(("get", {"customer_id": customer_id}))
        current = self.orders.pop(0) if len(self.orders) > 1 else self.orders[0]
        if isinstance(current, JuspayError):
            raise current
        return current

    def update_order(self, order_id: str, *, customer_id: str | None, **changes: Any) -> Order:
        self.calls.append(("update", {"customer_id": customer_id, **changes}))
        if self.update_error is not None:
            raise self.update_error
        return juspay_order(amount=str(changes["amount"] or "40"))


@dataclass
class FakeOrders:
    record: OrderRecord | None

    def get(self, order_id: str) -> OrderRecord | None:
        return self.record


@dataclass
class FakeTerms:
    orders: FakeOrders
    begin_ok: bool = True
    calls: list[tuple[str, int]] = field(default_factory=list)

    def begin_amount_update(self, order_id: str, *, signed_minor: int, new_minor: int, now: datetime) -> bool:
        self.calls.append(("begin", new_minor))
        if self.begin_ok and self.orders.record is not None:
            self.orders.record = replace(self.orders.record, signed_amount_pending_minor=new_minor)
        return self.begin_ok

    def confirm_amount_update(self, order_id: str, *, new_minor: int, now: datetime) -> bool:
        self.calls.append(("confirm", new_minor))
        assert self.orders.record is not None
        self.orders.record = replace(
            self.orders.record, signed_amount_minor=new_minor, signed_amount_pending_minor=None
        )
        return True

    def abandon_amount_update(self, order_id: str, *, new_minor: int) -> bool:
        self.calls.append(("abandon", new_minor))
        assert self.orders.record is not None
        self.orders.record = replace(self.orders.record, signed_amount_pending_minor=None)
        return True


def run(
    body: dict[str, Any], record: OrderRecord | None, juspay: FakeJuspay, *, begin_ok: bool = True
) -> tuple[dict[str, Any] | None, FakeTerms, FakeOrders]:
    orders = FakeOrders(record)
    terms = FakeTerms(orders, begin_ok=begin_ok)
    answer = update_order(
        "o1",
        parse_request(UpdateOrderRequest, body),
        juspay=juspay,
        orders=orders,
        terms=terms,
        clock=lambda: datetime(2026, 11, 29, tzinfo=UTC),
    )
    return answer, terms, orders


def refusal(body: dict[str, Any], record: OrderRecord | None, juspay: FakeJuspay, **kw: Any) -> str:
    with pytest.raises(OrderUpdateRefusedError) as info:
        run(body, record, juspay, **kw)
    assert info.value.status_code == 409
    return str(info.value.details["rule"])


def split(amount_minor: int, wallet_minor: int = 1000) -> SplitAmounts:
    return SplitAmounts(
        order_id="o1",
        customer_id="cust-1",
        currency="INR",
        amount_minor=amount_minor,
        online_minor=amount_minor - wallet_minor,
        wallet_minor=wallet_minor,
        wallet_txn_id="w1",
        online_txn_id="t1",
        cod=False,
    )


def test_amount_update_moves_the_signed_terms_and_routes_by_the_signed_customer() -> None:
    juspay = FakeJuspay([juspay_order()])
    answer, terms, orders = run({"amount": "50.00"}, SIGNED, juspay)

    assert answer is not None
    assert answer["amount"] == "50.00"
    assert terms.calls == [("begin", 5000), ("confirm", 5000)]
    assert [(name, args["customer_id"]) for name, args in juspay.calls] == [
        ("get", "cust-1"),
        ("update", "cust-1"),
    ]
    assert orders.record is not None
    assert differs_from_signed(orders.record, split(5000)) == []  # card 40 + wallet 10 now settles


@pytest.mark.parametrize("status", [OrderStatus.SETTLED, OrderStatus.CANCELLED, OrderStatus.REFUNDED])
def test_final_order_is_refused_before_juspay(status: OrderStatus) -> None:
    juspay = FakeJuspay([juspay_order()])
    assert refusal({"amount": "50.00"}, replace(SIGNED, status=status), juspay) == "order_final"
    assert refusal({"udf1": "x"}, replace(SIGNED, status=status), juspay) == "order_final"
    assert juspay.calls == []


def test_amount_below_the_wallet_offer_is_refused_before_juspay() -> None:
    juspay = FakeJuspay([juspay_order()])
    assert refusal({"amount": "9.99"}, SIGNED, juspay) == "amount_below_wallet_offer"
    assert juspay.calls == []
    answer, _, _ = run({"amount": "10.00"}, SIGNED, juspay)  # equal to the offer: the wallet may pay all
    assert answer is not None


@pytest.mark.parametrize("status", ["PENDING_VBV", "CHARGED", "PARTIAL_CHARGED", "AUTHENTICATION_FAILED"])
def test_started_payment_attempt_is_refused_before_the_update(status: str) -> None:
    juspay = FakeJuspay([juspay_order(status=status)])
    record = replace(SIGNED)
    rule = refusal({"amount": "50.00"}, record, juspay)
    assert rule == "payment_attempt_started"
    assert [name for name, _ in juspay.calls] == ["get"]


def test_a_concurrent_change_of_the_terms_is_refused_and_juspay_not_updated() -> None:
    juspay = FakeJuspay([juspay_order()])
    assert refusal({"amount": "50.00"}, SIGNED, juspay, begin_ok=False) == "concurrent_change"
    assert [name for name, _ in juspay.calls] == ["get"]


def test_juspay_refusing_the_update_drops_the_pending_amount() -> None:
    juspay = FakeJuspay([juspay_order()], update_error=JuspayBadRequestError("no", error_code="x"))
    orders = FakeOrders(SIGNED)
    terms = FakeTerms(orders)
    with pytest.raises(JuspayBadRequestError):
        update_order("o1", FIFTY, juspay=juspay, orders=orders, terms=terms)
    assert terms.calls == [("begin", 5000), ("abandon", 5000)]
    assert orders.record is not None
    assert differs_from_signed(orders.record, split(4000)) == []
    assert differs_from_signed(orders.record, split(5000)) == ["amount_differs_from_signed"]


def test_unknown_outcome_confirmed_when_order_status_shows_the_new_amount() -> None:
    juspay = FakeJuspay(
        [juspay_order(), juspay_order(amount="50")], update_error=JuspayUnavailableError("t/o")
    )
    orders = FakeOrders(SIGNED)
    terms = FakeTerms(orders)
    with pytest.raises(JuspayUnavailableError):
        update_order("o1", FIFTY, juspay=juspay, orders=orders, terms=terms)
    assert terms.calls == [("begin", 5000), ("confirm", 5000)]


@pytest.mark.parametrize("after", [juspay_order(amount="40"), JuspayUnavailableError("down")])
def test_unknown_outcome_otherwise_stays_pending_and_settlement_accepts_either_amount(after: Any) -> None:
    juspay = FakeJuspay([juspay_order(), after], update_error=JuspayUnavailableError("t/o"))
    orders = FakeOrders(SIGNED)
    terms = FakeTerms(orders)
    with pytest.raises(JuspayUnavailableError):
        update_order("o1", FIFTY, juspay=juspay, orders=orders, terms=terms)
    assert terms.calls == [("begin", 5000)]
    assert orders.record is not None
    assert orders.record.signed_amount_pending_minor == 5000
    assert differs_from_signed(orders.record, split(4000)) == []
    assert differs_from_signed(orders.record, split(5000)) == []
    assert differs_from_signed(orders.record, split(6000)) == ["amount_differs_from_signed"]


@pytest.mark.parametrize(("juspay_amount", "first"), [("50", ("confirm", 5000)), ("40", ("abandon", 5000))])
def test_the_next_update_resolves_a_pending_amount_first(juspay_amount: str, first: tuple[str, int]) -> None:
    record = replace(SIGNED, signed_amount_pending_minor=5000)
    juspay = FakeJuspay([juspay_order(amount=juspay_amount)])
    answer, terms, orders = run({"amount": "60.00"}, record, juspay)
    assert answer is not None
    assert terms.calls == [first, ("begin", 6000), ("confirm", 6000)]
    assert orders.record is not None
    assert orders.record.signed_amount_minor == 6000


def test_udf_only_update_leaves_the_terms_and_skips_the_status_read() -> None:
    juspay = FakeJuspay([juspay_order()])
    answer, terms, _ = run({"udf1": "cart-7"}, SIGNED, juspay)
    assert answer is not None
    assert terms.calls == []
    assert juspay.calls == [
        ("update", {"customer_id": "cust-1", "amount": None, "udfs": {"udf1": "cart-7"}, "address": None})
    ]


def test_order_unknown_here_is_routed_by_the_customer_juspay_names() -> None:
    juspay = FakeJuspay([juspay_order(customer="cust-9")])
    answer, terms, _ = run({"amount": "50.00"}, None, juspay)
    assert answer is not None
    assert terms.calls == []  # nothing signed here: no terms to keep
    assert [(name, args["customer_id"]) for name, args in juspay.calls] == [
        ("get", None),
        ("update", "cust-9"),
    ]


def test_an_order_juspay_does_not_hold_yet_is_its_404_and_the_terms_stay() -> None:
    juspay = FakeJuspay([JuspayNotFoundError("no such order")])  # type: ignore[list-item]
    orders = FakeOrders(SIGNED)
    terms = FakeTerms(orders)
    with pytest.raises(JuspayNotFoundError):
        update_order("o1", FIFTY, juspay=juspay, orders=orders, terms=terms)
    assert terms.calls == []
    assert orders.record == SIGNED
