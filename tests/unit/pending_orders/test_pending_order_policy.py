"""The pending-order machine's pure policy: backoff schedule, execution names, pending vs terminal."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from paybridge.logic.classify_order import PENDING_STATUSES
from paybridge.logic.pending_orders import execution_name, is_pending, parse_backoff, wait_after_poll
from paybridge.models.juspay import KNOWN_ORDER_STATUSES, Order

NAME = re.compile(r"^[A-Za-z0-9_-]{1,80}$")


@pytest.mark.parametrize(
    ("text", "expected"),
    [("10,30,60,120,300", (10, 30, 60, 120, 300)), ("1", (1,)), (" 5,7 ", (5, 7)), ("86400", (86400,))],
)
def test_backoff_schedule_parses(text: str, expected: tuple[int, ...]) -> None:
    assert parse_backoff(text) == expected


@pytest.mark.parametrize("text", ["", "0", "10,,20", "10, 20", "-5", "1.5", "10,30,", "ten", "010"])
def test_backoff_schedule_refuses_anything_but_positive_integers(text: str) -> None:
    with pytest.raises(ValueError, match="positive integers"):
        parse_backoff(text)


def test_template_pattern_and_parser_agree() -> None:
    from paybridge_local.template import load_template

    pattern = load_template()["Parameters"]["PendingOrderBackoffSeconds"]["AllowedPattern"]
    for text in ("10,30,60,120,300", "1", "0", "10,,20", "10, 20", "010"):
        accepted = re.fullmatch(pattern.strip("^$"), text) is not None
        try:
            parse_backoff(text)
            parsed = True
        except ValueError:
            parsed = False
        assert accepted == parsed, text


@pytest.mark.parametrize(
    ("polls_done", "remaining", "expected"),
    [
        (0, 1000.0, 10),  # the first wait (the definition reads it from the schedule itself)
        (1, 1000.0, 30),
        (2, 1000.0, 60),
        (3, 1000.0, 60),  # the last value repeats
        (50, 1000.0, 60),
        (1, 12.0, 12),  # never past the deadline
        (1, 11.2, 12),  # rounded up: the poll lands at or just after the deadline, never before it
        (1, 0.2, 1),  # a task timeout is at least 1 s
    ],
)
def test_wait_after_poll_follows_the_schedule_up_to_the_deadline(
    polls_done: int, remaining: float, expected: int
) -> None:
    assert wait_after_poll((10, 30, 60), polls_done, remaining) == expected


def test_wait_after_poll_refuses_a_negative_count() -> None:
    with pytest.raises(ValueError, match="polls_done"):
        wait_after_poll((10,), -1, 100.0)


def test_default_schedule_reaches_a_day_in_about_three_hundred_polls() -> None:
    schedule = parse_backoff("10,30,60,120,300")
    elapsed, polls = float(schedule[0]), 0
    while elapsed < 86400:
        polls += 1
        elapsed += wait_after_poll(schedule, polls, 86400 - elapsed)
    polls += 1  # the poll at the deadline, which finds the order still pending
    assert 285 <= polls <= 295


def test_execution_name_is_deterministic_safe_and_readable() -> None:
    name = execution_name("ord_42")
    assert name == execution_name("ord_42")
    assert name.startswith("ord_42-")
    assert NAME.match(name)


def test_execution_names_do_not_collide_when_sanitising_would() -> None:
    assert execution_name("a.b") != execution_name("a_b")
    long_a, long_b = "x" * 60 + "a", "x" * 60 + "b"
    assert execution_name(long_a) != execution_name(long_b)
    assert len(execution_name(long_a)) <= 80


def test_execution_name_needs_an_order_id() -> None:
    with pytest.raises(ValueError, match="order_id"):
        execution_name("")


@given(st.text(min_size=1, max_size=300))
def test_every_order_id_gives_a_valid_execution_name(order_id: str) -> None:
    assert NAME.match(execution_name(order_id))


@pytest.mark.parametrize("status", sorted(PENDING_STATUSES))
def test_pending_statuses_keep_the_order_pending(status: str) -> None:
    assert is_pending(Order(order_id="o", status=status))
    assert is_pending(Order(order_id="o", status=status.lower()))  # same normalisation as settlement


@pytest.mark.parametrize("status", sorted(KNOWN_ORDER_STATUSES - PENDING_STATUSES))
def test_every_other_known_status_is_terminal_for_the_machine(status: str) -> None:
    assert not is_pending(Order(order_id="o", status=status))


def test_the_pending_set_is_the_one_juspay_documents() -> None:
    assert {"NEW", "STARTED", "PENDING_VBV", "VBV_SUCCESSFUL", "AUTHORIZING"} == PENDING_STATUSES


def test_unknown_statuses_are_handed_to_settlement_not_polled() -> None:
    assert not is_pending(Order(order_id="o", status="SOMETHING_NEW"))
