"""The comparison of a settlement record with Juspay's Order Status (pure): each row of the policy table."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from paybridge.dal.orders import OrderRecord, OrderStatus
from paybridge.logic.reconciliation import Action, Facts, Finding, MismatchKind, compare, refunds_to_follow
from paybridge.models.juspay import Order
from paybridge.models.refund import RefundRecord
from tests.helpers import load_sample

SPLIT = "order_status_split_partial_charged_custom_wallet.json"  # 50 = CARD 40 CHARGED + wallet 10


def juspay(status: str | None = None, **changes: Any) -> Order:
    """Juspay's sample split order, with the overall status (and the card's) changed when asked."""
    data = copy.deepcopy(load_sample(SPLIT))
    if status is not None:
        data["status"] = status
        data["txn_list"][0]["txn_detail"]["status"] = status
    data.update(changes)
    return Order.model_validate(data)


def record(status: OrderStatus, **fields: Any) -> OrderRecord:
    settled = {
        "customer_id": "testing-customer-two",
        "currency": "INR",
        "amount_minor": 5000,
        "online_minor": 4000,
        "wallet_minor": 1000,
        "wallet_txn_id": "wallet-txn",
        "online_txn_id": "neeraj_juspay_prod-testing-order-147-3-1",
    }
    values = settled if status in (OrderStatus.SETTLED, OrderStatus.CANCELLED) else {}
    return OrderRecord(
        order_id="testing-order-147",
        status=status,
        created_at="2026-11-29T10:00:00+00:00",
        updated_at="2026-11-29T10:00:00+00:00",
        version=1,
        **{**values, **fields},
    )


def refund(status: str, uid: str = "rf-testing-order-147-1-1", **fields: Any) -> RefundRecord:
    values: dict[str, Any] = {
        "order_id": "testing-order-147",
        "seq": 1,
        "request_key": "api:k",
        "kind": "order",
        "amount_minor": 4000,
        "currency": "INR",
        "reason": "customer",
        "source": "api",
        "status": status,
        "attempt": 1,
        "unique_request_id": uid,
        "max_attempts": 3,
        "created_at": "t",
        "updated_at": "t",
        "attempt_ids": (uid,),
    }
    return RefundRecord(**{**values, **fields})


def actions(findings: list[Finding]) -> list[tuple[Action, MismatchKind | None]]:
    return [(f.action, f.kind) for f in findings]


@pytest.mark.parametrize("status", [OrderStatus.RECEIVED, OrderStatus.PENDING, OrderStatus.FAILED])
def test_a_success_never_settled_is_settled(status: OrderStatus) -> None:
    assert actions(compare(Facts(record(status), juspay()))) == [(Action.SETTLE, None)]


def test_a_settled_order_juspay_agrees_with_needs_nothing() -> None:
    findings = compare(Facts(record(OrderStatus.SETTLED), juspay()))
    assert actions(findings) == [(Action.NONE, None)]
    assert "in agreement" in findings[0].found


def test_a_status_recorded_differently_is_recorded_again_through_settlement() -> None:
    assert actions(compare(Facts(record(OrderStatus.RECEIVED), juspay("AUTHORIZATION_FAILED")))) == [
        (Action.SETTLE, None)
    ]
    # Already recorded as what Juspay says: nothing to do.
    assert actions(compare(Facts(record(OrderStatus.FAILED), juspay("AUTHORIZATION_FAILED")))) == [
        (Action.NONE, None)
    ]


def test_a_pending_order_nobody_follows_gets_a_follower() -> None:
    facts = Facts(record(OrderStatus.PENDING), juspay("PENDING_VBV"), follower_status=None)
    assert actions(compare(facts)) == [(Action.START_FOLLOWER, None)]
    # A follow in progress is asked again (the start is idempotent and replaces a dead execution) ...
    followed = Facts(record(OrderStatus.PENDING), juspay("PENDING_VBV"), follower_status="WAITING")
    assert actions(compare(followed)) == [(Action.START_FOLLOWER, None)]
    # ... a follow that ended for good (deadline, expiry, failure) is not restarted.
    for ended in ("STALE", "ABANDONED", "FAILED"):
        stale = Facts(record(OrderStatus.PENDING), juspay("PENDING_VBV"), follower_status=ended)
        assert actions(compare(stale)) == [(Action.NONE, None)]
    # Recorded as RECEIVED (settlement died): recorded as pending and followed.
    received = Facts(record(OrderStatus.RECEIVED), juspay("PENDING_VBV"))
    assert actions(compare(received)) == [(Action.SETTLE, None), (Action.START_FOLLOWER, None)]


def test_a_signed_order_juspay_holds_as_new_without_transactions_gets_a_follower() -> None:
    new = Order.model_validate({"order_id": "testing-order-147", "status": "NEW", "amount": 50})
    assert actions(compare(Facts(record(OrderStatus.RECEIVED), new))) == [
        (Action.SETTLE, None),  # recorded as NO_WALLET: no wallet part yet
        (Action.START_FOLLOWER, None),
    ]


def test_lifecycle_statuses_are_left_alone_unless_juspay_says_success() -> None:
    assert actions(compare(Facts(record(OrderStatus.STALE), juspay("AUTHORIZATION_FAILED")))) == [
        (Action.NONE, None)
    ]
    assert actions(compare(Facts(record(OrderStatus.STALE), juspay()))) == [(Action.SETTLE, None)]


def test_settled_but_failed_at_juspay_is_a_mismatch() -> None:
    findings = compare(Facts(record(OrderStatus.SETTLED), juspay("AUTHORIZATION_FAILED")))
    assert actions(findings) == [(Action.REPORT, MismatchKind.SETTLED_BUT_FAILED)]


def test_settled_but_pending_at_juspay_is_a_mismatch() -> None:
    findings = compare(Facts(record(OrderStatus.SETTLED), juspay("PENDING_VBV"), follower_status="RESOLVED"))
    assert actions(findings) == [(Action.REPORT, MismatchKind.SETTLED_BUT_NOT_CHARGED)]


def test_amounts_that_differ_are_a_mismatch() -> None:
    findings = compare(Facts(record(OrderStatus.SETTLED, amount_minor=6000, wallet_minor=2000), juspay()))
    assert actions(findings) == [(Action.REPORT, MismatchKind.AMOUNT_DIFFERS)]
    assert findings[0].found == "order amount and wallet share differ from Juspay's"


def test_a_fully_refunded_settled_order_gets_its_wallet_share_back() -> None:
    online = "neeraj_juspay_prod-testing-order-147-3-1"
    refunded = juspay(
        refunds=[
            {
                "unique_request_id": "rf-testing-order-147-1-1",
                "status": "SUCCESS",
                "amount": 40,
                "txn_id": online,
            }
        ]
    )
    ours = [refund("SUCCESS")]
    assert actions(compare(Facts(record(OrderStatus.SETTLED), refunded, ours))) == [
        (Action.CREDIT_BACK, None)
    ]
    # Refunded at Juspay's dashboard (not by paybridge, no txn_id; the transaction says how much of it is its
    # own): the credit-back is owed all the same.
    dashboard = load_sample(SPLIT)
    dashboard["txn_list"][0]["amount_refunded"] = 40
    dashboard["refunds"] = [{"unique_request_id": "dashboard-1", "status": "SUCCESS", "amount": 40}]
    facts = Facts(record(OrderStatus.SETTLED), Order.model_validate(dashboard), [])
    assert actions(compare(facts)) == [(Action.CREDIT_BACK, None)]
    # A refund of another attempt never does.
    other = juspay(
        refunds=[{"unique_request_id": "x", "status": "SUCCESS", "amount": 40, "txn_id": "another-attempt"}]
    )
    assert (Action.CREDIT_BACK, None) not in actions(compare(Facts(record(OrderStatus.SETTLED), other, [])))


def test_an_order_refunded_before_settlement_needs_nothing() -> None:
    assert actions(compare(Facts(record(OrderStatus.REFUNDED), juspay()))) == [(Action.NONE, None)]


def test_a_partial_refund_paybridge_never_issued_is_a_mismatch() -> None:
    partial = juspay(refunds=[{"unique_request_id": "dashboard-1", "status": "SUCCESS", "amount": 10}])
    findings = compare(Facts(record(OrderStatus.SETTLED), partial, []))
    assert actions(findings) == [(Action.REPORT, MismatchKind.REFUNDED_AT_JUSPAY)]
    # The same partial refund issued by paybridge (an earlier attempt's id counts) is in agreement.
    ours = [refund("SUCCESS", uid="rf-testing-order-147-1-2", attempt_ids=("dashboard-1", "rf-x"))]
    assert actions(compare(Facts(record(OrderStatus.SETTLED), partial, ours))) == [(Action.NONE, None)]


def test_a_refund_outcome_never_recorded_is_followed() -> None:
    succeeded = juspay(
        refunds=[{"unique_request_id": "rf-testing-order-147-1-1", "status": "SUCCESS", "amount": 10}]
    )
    findings = compare(Facts(record(OrderStatus.CANCELLED), succeeded, [refund("PENDING")]))
    assert actions(findings) == [(Action.FOLLOW_REFUNDS, None)]
    # Juspay still says PENDING: nothing moved, nothing to follow.
    pending = juspay(
        refunds=[{"unique_request_id": "rf-testing-order-147-1-1", "status": "PENDING", "amount": 10}]
    )
    assert refunds_to_follow([refund("PENDING")], pending) == []
    # A REQUESTED refund Juspay never received is sent again (same id, by the refund logic).
    assert refunds_to_follow([refund("REQUESTED")], juspay()) == [refund("REQUESTED")]
    # A final refund is never followed.
    assert refunds_to_follow([refund("SUCCESS")], succeeded) == []


def test_a_cancelled_order_whose_refund_was_never_issued_is_a_mismatch() -> None:
    findings = compare(Facts(record(OrderStatus.CANCELLED), juspay(), []))
    assert actions(findings) == [(Action.REPORT, MismatchKind.REFUND_MISSING)]
    cod = compare(Facts(record(OrderStatus.CANCELLED, cod=True), juspay(), []))
    assert actions(cod) == [(Action.NONE, None)]
    issued = compare(Facts(record(OrderStatus.CANCELLED), juspay(), [refund("SUCCESS")]))
    assert actions(issued) == [(Action.NONE, None)]


def test_a_cancelled_order_with_another_amount_at_juspay_is_a_mismatch() -> None:
    findings = compare(Facts(record(OrderStatus.CANCELLED, amount_minor=9900), juspay(), [refund("SUCCESS")]))
    assert actions(findings) == [(Action.REPORT, MismatchKind.AMOUNT_DIFFERS)]


def test_a_settlement_mismatch_is_reported() -> None:
    findings = compare(Facts(record(OrderStatus.MISMATCH, reason="amount_differs_from_signed"), juspay()))
    assert actions(findings) == [(Action.REPORT, MismatchKind.SETTLEMENT_MISMATCH)]
    assert "amount_differs_from_signed" in findings[0].found


def test_orders_juspay_does_not_know() -> None:
    assert actions(compare(Facts(record(OrderStatus.RECEIVED), None))) == [(Action.NONE, None)]
    assert actions(compare(Facts(record(OrderStatus.SETTLED), None))) == [
        (Action.REPORT, MismatchKind.MISSING_AT_JUSPAY)
    ]
