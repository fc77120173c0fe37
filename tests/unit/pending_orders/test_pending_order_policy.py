"""The pending-order machine's pure policy: execution names, pending vs terminal, attempts, follow-again."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from paybridge.logic.classify_order import PENDING_STATUSES
from paybridge.logic.pending_orders import execution_name, has_attempt, is_pending, may_follow_again
from paybridge.models.juspay import KNOWN_ORDER_STATUSES, Order

NAME = re.compile(r"^[A-Za-z0-9_-]{1,80}$")


def test_execution_name_is_deterministic_safe_and_readable() -> None:
    name = execution_name("ord_42")
    assert name == execution_name("ord_42", 1)
    assert name.startswith("ord_42-")
    assert name.endswith("-f1")
    assert NAME.match(name)


def test_each_follow_of_an_order_has_its_own_execution_name() -> None:
    names = {execution_name("ord_42", follow) for follow in (1, 2, 3, 25)}
    assert len(names) == 4
    assert all(NAME.match(name) for name in names)
    with pytest.raises(ValueError, match="follow"):
        execution_name("ord_42", 0)


def test_execution_names_do_not_collide_when_sanitising_would() -> None:
    assert execution_name("a.b") != execution_name("a_b")
    long_a, long_b = "x" * 60 + "a", "x" * 60 + "b"
    assert execution_name(long_a) != execution_name(long_b)
    assert len(execution_name(long_a)) <= 80


def test_execution_name_needs_an_order_id() -> None:
    with pytest.raises(ValueError, match="order_id"):
        execution_name("")


@given(st.text(min_size=1, max_size=300), st.integers(min_value=1, max_value=10**9))
def test_every_order_id_gives_a_valid_execution_name(order_id: str, follow: int) -> None:
    assert NAME.match(execution_name(order_id, follow))


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


@pytest.mark.parametrize(
    ("order", "attempted"),
    [
        (Order(order_id="o", status="NEW"), False),
        (Order(order_id="o", status="new"), False),
        (Order(order_id="o", status=""), False),
        (Order(order_id="o", status="PENDING_VBV"), True),
        (Order(order_id="o", status="NEW", txn_id="m-o-1"), True),
        (Order(order_id="o", status="AUTHENTICATION_FAILED"), True),
    ],
)
def test_an_attempt_is_a_transaction_or_any_status_past_new(order: Order, attempted: bool) -> None:
    assert has_attempt(order) is attempted


@pytest.mark.parametrize(
    ("resolved_status", "again"),
    [
        ("AUTHENTICATION_FAILED", True),
        ("authorization_failed", True),
        ("JUSPAY_DECLINED", True),
        ("NOT_FOUND", True),
        ("", True),
        (None, True),
        ("CHARGED", False),
        ("PARTIAL_CHARGED", False),
        ("TO_BE_CHARGED", False),
        ("AUTO_REFUNDED", False),
        ("SOMETHING_NEW", False),
    ],
)
def test_only_a_failed_attempt_leaves_the_order_open_for_another(
    resolved_status: str | None, again: bool
) -> None:
    assert may_follow_again(resolved_status) is again
