"""The refund id scheme, the state machine and the RefundRequested detail, without AWS or Juspay."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from pydantic import ValidationError

from paybridge.dal.refund_items import record_from_item, record_to_item
from paybridge.models.refund import (
    FAILED,
    MANUAL_REVIEW,
    PENDING,
    REJECTED,
    REQUESTED,
    SUCCESS,
    RefundRecord,
    RefundRequestedDetail,
    applied,
    next_transition,
    rejected,
    unique_request_id,
)

NOW = "2024-01-01T00:01:00+00:00"
JUSPAY_ID = re.compile(r"^[A-Za-z0-9_-]{1,20}$")


def record(
    status: str = REQUESTED, attempt: int = 1, max_attempts: int = 3, **changes: object
) -> RefundRecord:
    values: dict[str, object] = {
        "order_id": "ord_42",
        "seq": 1,
        "request_key": "event:wallet_debit_failed",
        "kind": "txn",
        "amount_minor": 4000,
        "currency": "INR",
        "reason": "wallet_debit_failed",
        "source": "event",
        "status": status,
        "attempt": attempt,
        "unique_request_id": unique_request_id("ord_42", 1, attempt),
        "max_attempts": max_attempts,
        "created_at": "2024-01-01T00:00:00+00:00",
        "updated_at": "2024-01-01T00:00:00+00:00",
        "txn_id": "m-ord_42-1",
        "attempt_ids": tuple(unique_request_id("ord_42", 1, n) for n in range(1, attempt + 1)),
    }
    values.update(changes)
    return RefundRecord(**values)  # type: ignore[arg-type]


# ---- unique_request_id -------------------------------------------------------------------------------------
def test_short_order_ids_give_readable_ids() -> None:
    assert unique_request_id("ord_42", 1, 1) == "rf-ord_42-1-1"
    assert unique_request_id("ord_42", 12, 3) == "rf-ord_42-12-3"


def test_ids_are_deterministic_and_differ_per_seq_and_attempt() -> None:
    ids = {unique_request_id("ord_42", seq, attempt) for seq in range(1, 100) for attempt in range(1, 10)}
    assert len(ids) == 99 * 9
    assert unique_request_id("ord_42", 5, 2) == unique_request_id("ord_42", 5, 2)


@pytest.mark.parametrize(
    "order_id",
    ["a" * 20, "testing-order-147-long-id", "ord with space", "ørder", "x/y", "JP1636706983abcdefghij"],
)
def test_long_or_unsafe_order_ids_are_hashed_into_juspays_limits(order_id: str) -> None:
    for seq, attempt in ((1, 1), (99, 9)):
        uid = unique_request_id(order_id, seq, attempt)
        assert JUSPAY_ID.match(uid), uid
        assert uid.startswith("rh-")
    assert unique_request_id(order_id, 1, 1) != unique_request_id(order_id + "x", 1, 1)


def test_readable_ids_always_fit_juspays_limits() -> None:
    for length in range(1, 21):
        uid = unique_request_id("o" * length, 99, 9)
        assert JUSPAY_ID.match(uid), uid


def test_readable_and_hashed_forms_never_collide() -> None:
    # Same numbers, one order whose readable form fits and one that is hashed: prefixes differ.
    assert unique_request_id("abc", 1, 1)[:3] != unique_request_id("a" * 30, 1, 1)[:3]


@pytest.mark.parametrize(("seq", "attempt"), [(0, 1), (100, 1), (1, 0), (1, 10)])
def test_out_of_range_numbers_are_refused(seq: int, attempt: int) -> None:
    with pytest.raises(ValueError, match="must be"):
        unique_request_id("ord_42", seq, attempt)


def test_empty_order_id_is_refused() -> None:
    with pytest.raises(ValueError, match="empty"):
        unique_request_id("", 1, 1)


# ---- state machine ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("status", "juspay", "expected"),
    [
        (REQUESTED, "PENDING", PENDING),
        (REQUESTED, "SUCCESS", SUCCESS),
        (REQUESTED, "MANUAL_REVIEW", MANUAL_REVIEW),
        (REQUESTED, "SOMETHING_NEW", PENDING),
        (PENDING, "SUCCESS", SUCCESS),
        (PENDING, "MANUAL_REVIEW", MANUAL_REVIEW),
        (MANUAL_REVIEW, "SUCCESS", SUCCESS),
        (MANUAL_REVIEW, "FAILURE", FAILED),
    ],
)
def test_transitions(status: str, juspay: str, expected: str) -> None:
    transition = next_transition(record(status), juspay)
    assert transition is not None
    assert transition.status == expected
    assert transition.unique_request_id == record(status).unique_request_id
    assert transition.juspay_status == juspay


@pytest.mark.parametrize(
    ("status", "juspay"),
    [
        (PENDING, "PENDING"),
        (PENDING, "UNKNOWN_STATUS"),
        (MANUAL_REVIEW, "MANUAL_REVIEW"),
        (MANUAL_REVIEW, "PENDING"),
        (SUCCESS, "FAILURE"),
        (FAILED, "SUCCESS"),
        (REJECTED, "PENDING"),
    ],
)
def test_no_change(status: str, juspay: str) -> None:
    assert next_transition(record(status), juspay) is None


def test_failure_with_attempts_left_starts_the_next_attempt_with_a_new_id() -> None:
    current = record(PENDING, attempt=1)
    transition = next_transition(current, "FAILURE", error_code="REFUND_FAILED")
    assert transition is not None
    assert transition.is_retry
    assert (transition.status, transition.attempt) == (REQUESTED, 2)
    assert transition.unique_request_id == "rf-ord_42-1-2" != current.unique_request_id
    after = applied(current, transition, now="2024-01-02T00:00:00+00:00")
    assert after.attempt_ids == ("rf-ord_42-1-1", "rf-ord_42-1-2")
    assert after.error_code == "REFUND_FAILED"
    assert after.updated_at == "2024-01-02T00:00:00+00:00"


def test_failure_of_the_last_attempt_is_final() -> None:
    transition = next_transition(record(PENDING, attempt=3), "FAILURE", error_code="E1")
    assert transition is not None
    assert (transition.status, transition.attempt, transition.error_code) == (FAILED, 3, "E1")
    assert not transition.is_retry


def test_rejection_is_final_and_keeps_the_id() -> None:
    transition = rejected(record(), "invalid.amount.exceeded")
    assert (transition.status, transition.error_code) == (REJECTED, "invalid.amount.exceeded")
    assert rejected(record(), None).error_code == "rejected"
    assert next_transition(applied(record(), transition, now=NOW), "SUCCESS") is None


def test_applied_keeps_known_ids_once() -> None:
    current = record(REQUESTED)
    transition = next_transition(current, "PENDING")
    assert transition is not None
    assert applied(current, transition, now=NOW).attempt_ids == ("rf-ord_42-1-1",)


def test_event_detail_has_ids_and_a_string_amount() -> None:
    detail = record(PENDING, juspay_status="PENDING").event_detail()
    assert detail["amount"] == "40.00"
    assert detail["unique_request_id"] == "rf-ord_42-1-1"
    assert detail["status"] == PENDING
    assert all(not isinstance(v, float) for v in detail.values())


def test_records_round_trip_through_the_item_shape() -> None:
    original = record(PENDING, customer_id="cust_7", juspay_status="PENDING", announced="PENDING")
    assert record_from_item(record_to_item(original)) == original
    bare = record()
    item = record_to_item(bare)
    assert "customer_id" not in item
    assert "announced" not in item
    assert record_from_item(item) == bare


# ---- RefundRequested detail --------------------------------------------------------------------------------
def test_refund_requested_detail_parses_major_units_to_minor() -> None:
    detail = RefundRequestedDetail.model_validate(
        {
            "order_id": "ord_42",
            "customer_id": "cust_7",
            "txn_id": "m-ord_42-1",
            "amount": "40.50",
            "currency": "inr",
            "reason": "wallet_debit_failed:insufficient_funds",
            "requested_at": "2024-01-01T00:00:00+00:00",
            "unexpected": "ignored",
        }
    )
    assert detail.amount == Decimal("40.50")
    assert detail.amount_minor == 4050
    assert detail.currency == "INR"


@pytest.mark.parametrize(
    "changes",
    [{"amount": 40.5}, {"amount": "forty"}, {"txn_id": ""}, {"order_id": None}, {"currency": "RUPEE"}],
)
def test_refund_requested_detail_refuses_bad_input(changes: dict[str, object]) -> None:
    body: dict[str, object] = {"order_id": "o", "txn_id": "t", "amount": "1.00", **changes}
    with pytest.raises((ValidationError, ValueError)):
        RefundRequestedDetail.model_validate(body)


def test_sub_paisa_amounts_are_refused_not_rounded() -> None:
    detail = RefundRequestedDetail.model_validate({"order_id": "o", "txn_id": "t", "amount": "1.005"})
    with pytest.raises(ValueError, match="decimal places"):
        _ = detail.amount_minor
