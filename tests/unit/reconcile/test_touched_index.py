"""The orders table's ByTouchedHour index (moto, table from template.yaml): every write notes its time, a
window is read hour by hour, and mismatch reports are claimed once per (order, kind)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from paybridge.dal.orders import OrdersRepository, OrderStatus
from paybridge.dal.reconciliation import MismatchMarks
from paybridge.dal.touched import touched_order_ids, touched_values

T0 = datetime(2026, 11, 29, 9, 59, 30, tzinfo=UTC)


def test_touched_values_are_utc_whatever_the_clock_zone() -> None:
    from zoneinfo import ZoneInfo

    local = datetime(2026, 11, 29, 15, 30, tzinfo=ZoneInfo("Asia/Kolkata"))
    assert touched_values(local) == {
        ":touched_hour": "2026-11-29T10",
        ":touched_at": "2026-11-29T10:00:00+00:00",
    }


def test_a_window_finds_the_orders_last_written_in_it(dynamodb: Any, orders: OrdersRepository) -> None:
    orders.note_received("early", event_id="e1", customer_id="c", now=T0 - timedelta(hours=2))
    orders.note_received("a", event_id="e2", customer_id="c", now=T0)
    orders.record("b", OrderStatus.FAILED, now=T0 + timedelta(minutes=1), has_events=False)
    orders.note_received("moved", event_id="e3", customer_id="c", now=T0)
    orders.record("moved", OrderStatus.PENDING, now=T0 + timedelta(hours=3), has_events=False)
    for index in range(30):  # many orders in one hour bucket
        orders.note_received(
            f"many-{index:02d}", event_id=None, customer_id=None, now=T0 + timedelta(hours=1)
        )

    def window(since: datetime, until: datetime) -> list[str]:
        return list(touched_order_ids(dynamodb, "orders", since=since, until=until))

    found = window(T0 - timedelta(minutes=5), T0 + timedelta(hours=1, minutes=5))
    assert found[:2] == ["a", "b"]  # oldest hour first, across the hour boundary
    assert sorted(found[2:]) == [f"many-{i:02d}" for i in range(30)]
    assert window(T0 + timedelta(seconds=1), T0 + timedelta(minutes=2)) == ["b"]
    assert window(T0 + timedelta(hours=2, minutes=59), T0 + timedelta(hours=3)) == ["moved"]
    assert window(T0 + timedelta(hours=5), T0 + timedelta(hours=6)) == []


def test_mismatches_are_claimed_once_per_order_and_kind(dynamodb: Any, orders: OrdersRepository) -> None:
    orders.note_received("a", event_id=None, customer_id=None, now=T0)
    marks = MismatchMarks(dynamodb, "orders")
    assert marks.claim("a", "amount_differs") is True
    assert marks.claim("a", "amount_differs") is False
    assert marks.claim("a", "settled_but_failed") is True
    marks.release("a", "amount_differs")
    assert marks.claim("a", "amount_differs") is True
    assert marks.claim("no-such-order", "amount_differs") is False  # never creates a record
    assert orders.get("no-such-order") is None
    # Claiming is not a change of the order: its touched time stays.
    assert list(touched_order_ids(dynamodb, "orders", since=T0, until=T0)) == ["a"]
