"""The run around the policy: errors stay per order, a failed publish gives its claim back, the run stops
before its time is up, and the request's window rules."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from paybridge.dal.orders import OrderRecord, OrderStatus
from paybridge.errors import JuspayNotFoundError, JuspayUnavailableError, PublishError, UnprocessableError
from paybridge.logic.reconcile_orders import ReconcileDependencies, Repaired, reconcile_orders
from paybridge.models.juspay import Order
from paybridge.models.reconciliation import ReconcileRequest
from tests.helpers import load_sample

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)


class Juspay:
    def __init__(self, answers: dict[str, Order | Exception]) -> None:
        self.answers = answers
        self.calls: list[str] = []

    def get_order_status(self, order_id: str, *, customer_id: str | None) -> Order:
        self.calls.append(order_id)
        answer = self.answers[order_id]
        if isinstance(answer, Exception):
            raise answer
        return answer


class Marks:
    def __init__(self) -> None:
        self.claimed: set[tuple[str, str]] = set()
        self.released: list[tuple[str, str]] = []

    def claim(self, order_id: str, kind: str) -> bool:
        if (order_id, kind) in self.claimed:
            return False
        self.claimed.add((order_id, kind))
        return True

    def release(self, order_id: str, kind: str) -> None:
        self.claimed.discard((order_id, kind))
        self.released.append((order_id, kind))


class Publisher:
    def __init__(self, fail: bool = False) -> None:
        self.fail = fail
        self.events: list[tuple[str, dict[str, Any]]] = []

    def publish(self, source: str, detail_type: str, detail: dict[str, Any]) -> str:
        if self.fail:
            raise PublishError("down")
        self.events.append((detail_type, detail))
        return "id"


def split(status: str = "PARTIAL_CHARGED") -> Order:
    data = copy.deepcopy(load_sample("order_status_split_partial_charged_custom_wallet.json"))
    data["status"] = status
    data["txn_list"][0]["txn_detail"]["status"] = status
    return Order.model_validate(data)


def record(order_id: str, status: OrderStatus) -> OrderRecord:
    return OrderRecord(
        order_id=order_id,
        status=status,
        created_at="t",
        updated_at="t",
        version=1,
        customer_id="c",
        currency="INR",
        amount_minor=5000,
        wallet_minor=1000,
    )


def deps(
    records: dict[str, OrderRecord],
    juspay: Juspay,
    *,
    publisher: Publisher | None = None,
    marks: Marks | None = None,
    time_left: list[int] | None = None,
    settled: list[str] | None = None,
) -> ReconcileDependencies:
    def settle(order_id: str, customer: str | None) -> Repaired:
        (settled if settled is not None else []).append(order_id)
        return Repaired(True, "debited")

    left = iter(time_left) if time_left is not None else None
    return ReconcileDependencies(
        touched=lambda since, until: list(records) + list(records),  # duplicates are checked once
        orders=type("Orders", (), {"get": lambda self, order_id: records.get(order_id)})(),
        refunds=type("Refunds", (), {"list_for_order": lambda self, order_id: []})(),
        followers=type("Followers", (), {"get": lambda self, order_id: None})(),
        juspay=juspay,
        marks=marks or Marks(),
        publisher=publisher or Publisher(),
        settle=settle,
        start_follower=lambda order_id, customer: Repaired(True, "started"),
        follow_refunds=lambda order, refunds: Repaired(True, "1:SUCCESS"),
        credit_back=lambda record, order: Repaired(False, "ALREADY_DONE"),
        clock=lambda: NOW,
        time_left_ms=(lambda: next(left)) if left is not None else None,
    )


def test_one_orders_error_does_not_stop_the_others() -> None:
    records = {"a": record("a", OrderStatus.RECEIVED), "b": record("b", OrderStatus.RECEIVED)}
    juspay = Juspay({"a": JuspayUnavailableError("503"), "b": split()})
    settled: list[str] = []
    report = reconcile_orders(NOW - timedelta(hours=1), NOW, deps(records, juspay, settled=settled))
    assert juspay.calls == ["a", "b"]
    assert settled == ["b"]
    assert [(o.order_id, o.result) for o in report.orders] == [("a", "error"), ("b", "repaired")]
    assert report.orders[0].done == [
        "error: JuspayUnavailableError (Juspay unavailable; the next run retries)"
    ]
    assert report.counts() == {
        "checked": 2,
        "not_reached": 0,
        "in_agreement": 0,
        "repaired": 1,
        "mismatch": 0,
        "error": 1,
    }


def test_a_run_stops_when_juspay_is_unavailable_for_three_orders_in_a_row() -> None:
    records = {k: record(k, OrderStatus.RECEIVED) for k in ("a", "b", "c", "d", "e", "f")}
    down = JuspayUnavailableError("503")
    juspay = Juspay({"a": down, "b": split(), "c": down, "d": down, "e": down, "f": split()})
    report = reconcile_orders(NOW, NOW, deps(records, juspay))
    assert juspay.calls == ["a", "b", "c", "d", "e"]  # b's success resets the count
    assert (report.complete, report.not_reached) == (False, 1)
    assert report.stopped == "Juspay unavailable for 3 orders in a row"


def test_an_unexpected_error_is_reported_too() -> None:
    records = {"a": record("a", OrderStatus.RECEIVED)}
    report = reconcile_orders(NOW, NOW, deps(records, Juspay({"a": RuntimeError("bug")})))
    assert report.orders[0].done == ["error: RuntimeError"]


def test_a_failed_publish_releases_the_claim_so_the_next_run_reports_again() -> None:
    records = {"a": record("a", OrderStatus.SETTLED)}
    juspay = Juspay({"a": split("AUTHORIZATION_FAILED")})
    marks = Marks()
    failed = reconcile_orders(NOW, NOW, deps(records, juspay, publisher=Publisher(fail=True), marks=marks))
    assert failed.orders[0].result == "error"
    assert marks.released == [("a", "settled_but_failed")]
    publisher = Publisher()
    again = reconcile_orders(NOW, NOW, deps(records, juspay, publisher=publisher, marks=marks))
    assert again.orders[0].done == ["mismatch settled_but_failed reported"]
    assert [(t, d["kind"], d["juspay_amount"]) for t, d in publisher.events] == [
        ("ReconciliationMismatch", "settled_but_failed", "50")
    ]


def test_an_order_juspay_does_not_know_is_not_an_error() -> None:
    records = {"a": record("a", OrderStatus.RECEIVED)}
    report = reconcile_orders(NOW, NOW, deps(records, Juspay({"a": JuspayNotFoundError("404")})))
    assert (report.orders[0].juspay_status, report.orders[0].result) == ("NOT_FOUND", "in_agreement")


def test_the_run_stops_before_its_time_is_up_and_says_how_many_it_left() -> None:
    records = {k: record(k, OrderStatus.SETTLED) for k in ("a", "b", "c")}
    juspay = Juspay({k: split() for k in records})
    report = reconcile_orders(NOW, NOW, deps(records, juspay, time_left=[900_000, 59_999]))
    assert juspay.calls == ["a"]
    assert (report.complete, report.not_reached, report.counts()["checked"]) == (False, 2, 1)
    assert report.stopped == "out of time"


def test_the_request_window() -> None:
    hours = timedelta(hours=1)
    assert ReconcileRequest().window(now=NOW, default=3 * hours) == (NOW - 3 * hours, NOW)
    assert ReconcileRequest(hours=5).window(now=NOW, default=3 * hours)[0] == NOW - 5 * hours
    scheduled = ReconcileRequest.model_validate(
        {"detail-type": "Scheduled Event", "source": "aws.events", "time": "2026-11-29T10:00:00Z"}
    )
    assert scheduled.window(now=NOW, default=2 * hours) == (NOW - 4 * hours, NOW - 2 * hours)
    explicit = ReconcileRequest.model_validate(
        {"since": "2026-11-29T10:00Z", "until": "2026-11-29T17:30+05:30"}
    )
    assert explicit.window(now=NOW, default=timedelta(hours=3)) == (NOW - timedelta(hours=2), NOW)
    with pytest.raises(UnprocessableError, match="before"):
        ReconcileRequest(since=NOW, until=NOW).window(now=NOW, default=timedelta(hours=3))
    with pytest.raises(UnprocessableError, match="168"):
        ReconcileRequest(since=NOW - timedelta(days=8)).window(now=NOW, default=timedelta(hours=3))
