"""Every refund-related Juspay sample parses and maps onto the refund state machine.

Not used, because the official files are not valid JSON (see INDEX.md): order_status_charged_card_with_refund
(// comments) and legacy_payv3_webhook_order_refunded (unquoted keys).
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest

from paybridge.logic.order_attempts import refunded_minor
from paybridge.logic.track_refund import CREDIT_BACK_EVENTS, REFUND_EVENTS
from paybridge.models.juspay import KNOWN_REFUND_STATUSES, Order, Refund, loads_juspay_json
from paybridge.models.money import to_minor
from paybridge.models.refund import (
    FAILED,
    MANUAL_REVIEW,
    PENDING,
    REQUESTED,
    SUCCESS,
    RefundRecord,
    next_transition,
    unique_request_id,
)
from paybridge.models.webhook import parse_webhook_body
from tests.helpers import sample_path

#: Refund webhook sample → (event name, order status, {unique_request_id: refund status}, online refunded?).
WEBHOOKS: dict[str, tuple[str, str, dict[str, str], bool]] = {
    "webhook_order_refunded.json": ("ORDER_REFUNDED", "CHARGED", {"erf_b0c764a743c4221b": "SUCCESS"}, False),
    "webhook_order_refund_failed.json": (
        "ORDER_REFUND_FAILED",
        "CHARGED",
        {"ARghg65FGvyv": "FAILURE"},
        False,
    ),
    "webhook_refund_initiate.json": (
        "REFUND_INITIATED",
        "CHARGED",
        {"erf_b0c764a743c4221b": "PENDING"},
        False,
    ),
    "webhook_refund_manual_review.json": (
        "REFUND_MANUAL_REVIEW_NEEDED",
        "CHARGED",
        {"recan17458293944531": "MANUAL_REVIEW", "w8ctkt174582939": "SUCCESS"},
        False,
    ),
    "webhook_auto_refund_succeeded.json": (
        "AUTO_REFUND_SUCCEEDED",
        "AUTO_REFUNDED",
        {"ARumRQpjqqLcXTm6": "SUCCESS"},
        True,
    ),
    "webhook_auto_refund_failed.json": (
        "AUTO_REFUND_FAILED",
        "AUTO_REFUNDED",
        {"ARghg65FGvyv": "FAILURE"},
        False,
    ),
}
#: Juspay refund status → what it makes of our PENDING refund on its first of three attempts.
MAPS_TO = {"PENDING": None, "SUCCESS": SUCCESS, "FAILURE": REQUESTED, "MANUAL_REVIEW": MANUAL_REVIEW}


def online_part_refunded(order: Order, *, online_minor: int | None) -> bool:
    """The credit-back's test on a one-online-transaction order: its SUCCESS refunds cover its share."""
    online = [t for t in order.transactions() if not t.is_merchant_container]
    if online_minor is None:
        share = online[0].txn_amount if online and online[0].txn_amount is not None else order.amount
        online_minor = to_minor(share, order.currency or "INR") if share is not None else None
    refunded = refunded_minor(order, online[0].txn_id if online else None)
    return online_minor is not None and refunded > 0 and refunded >= online_minor


def pending_refund(uid: str, *, attempt: int = 1) -> RefundRecord:
    return RefundRecord(
        order_id="o",
        seq=1,
        request_key="k",
        kind="txn",
        amount_minor=100,
        currency="INR",
        reason="r",
        source="event",
        status=PENDING,
        attempt=attempt,
        unique_request_id=uid,
        max_attempts=3,
        created_at="t",
        updated_at="t",
    )


def read(name: str) -> bytes:
    return sample_path(name).read_bytes()


def test_the_tracked_events_are_exactly_juspays_refund_events() -> None:
    assert {v[0] for v in WEBHOOKS.values()} == REFUND_EVENTS
    assert CREDIT_BACK_EVENTS < REFUND_EVENTS


@pytest.mark.parametrize("name", sorted(WEBHOOKS))
def test_refund_webhook_samples_parse_and_map(name: str) -> None:
    event_name, order_status, refunds, fully_refunded = WEBHOOKS[name]
    envelope, _ = parse_webhook_body(read(name))
    assert envelope.event_name == event_name
    order = Order.model_validate(envelope.order)
    assert order.status == order_status
    assert {r.unique_request_id: r.status for r in order.refunds} == refunds
    for uid, status in refunds.items():
        found = order.find_refund(uid)
        assert found is not None
        assert found.status in KNOWN_REFUND_STATUSES
        assert isinstance(found.amount, Decimal)
        transition = next_transition(pending_refund(uid), found.status, error_code=found.error_code)
        expected = MAPS_TO[status]
        assert (transition.status if transition else None) == expected
    assert online_part_refunded(order, online_minor=None) is fully_refunded


def test_a_failure_on_the_last_attempt_maps_to_failed() -> None:
    envelope, _ = parse_webhook_body(read("webhook_order_refund_failed.json"))
    entry = Order.model_validate(envelope.order).find_refund("ARghg65FGvyv")
    assert entry is not None
    transition = next_transition(pending_refund("ARghg65FGvyv", attempt=3), entry.status)
    assert transition is not None
    assert transition.status == FAILED


def test_partial_refund_counts_as_full_when_it_covers_the_online_share() -> None:
    envelope, _ = parse_webhook_body(read("webhook_order_refunded.json"))
    order = Order.model_validate(envelope.order)
    # 8.00 paid, 5.00 refunded: with a 3.00 wallet share the online part (5.00) is refunded in full.
    assert online_part_refunded(order, online_minor=500) is True
    assert online_part_refunded(order, online_minor=501) is False


@pytest.mark.parametrize(
    ("name", "uid", "status"),
    [
        ("refund_txn_id_response_pending.json", "refund_122_3472", "PENDING"),
        ("refund_instant_response_pending.json", "paytmv2_12231723_50", "PENDING"),
    ],
)
def test_txn_id_refund_responses_parse_and_map_to_pending(name: str, uid: str, status: str) -> None:
    refund = Refund.model_validate(loads_juspay_json(read(name)))
    assert (refund.unique_request_id, refund.status) == (uid, status)
    assert refund.amount == Decimal(1)
    requested = replace(pending_refund(uid), status=REQUESTED)
    transition = next_transition(requested, refund.status)
    assert transition is not None
    assert transition.status == PENDING


@pytest.mark.parametrize(
    ("name", "uid", "status", "refunded"),
    [
        ("refund_order_response_pending.json", "TEST1637681731", "PENDING", False),
        ("refund_response_split_settlement.json", "refund_1619010416", "SUCCESS", False),
        ("order_status_charged_wallet_with_refund.json", "refund_1590649567", "SUCCESS", True),
    ],
)
def test_order_shaped_refund_answers_parse_and_map(name: str, uid: str, status: str, refunded: bool) -> None:
    order = Order.model_validate(loads_juspay_json(read(name)))
    found = order.find_refund(uid)
    assert found is not None
    assert found.status == status
    transition = next_transition(pending_refund(uid), found.status)
    assert (transition.status if transition else None) == MAPS_TO[status]
    assert online_part_refunded(order, online_minor=None) is refunded


def test_amount_refunded_alone_is_no_refund_it_also_holds_pending_ones() -> None:
    base = {"order_id": "o", "txn_id": "m-o-1", "status": "AUTO_REFUNDED", "amount": "10", "currency": "INR"}
    assert not online_part_refunded(
        Order.model_validate({**base, "amount_refunded": "10"}), online_minor=None
    )
    assert not online_part_refunded(Order.model_validate({**base, "amount_refunded": "4"}), online_minor=None)
    assert not online_part_refunded(Order.model_validate(base), online_minor=None)
    pending = {**base, "amount_refunded": "10", "refunds": [{"unique_request_id": "u", "status": "PENDING"}]}
    assert not online_part_refunded(Order.model_validate(pending), online_minor=None)


def test_split_order_online_share_comes_from_the_non_wallet_transactions() -> None:
    order = loads_juspay_json(read("order_status_split_partial_charged_custom_wallet.json"))
    txn_id = order["txn_list"][0]["txn_id"]
    order["refunds"] = [
        {"unique_request_id": unique_request_id("o", 1, 1), "status": "SUCCESS", "amount": 40}
    ]
    order["refunds"][0]["txn_id"] = txn_id
    assert online_part_refunded(Order.model_validate(order), online_minor=None) is True
    order["refunds"][0]["amount"] = 39
    assert online_part_refunded(Order.model_validate(order), online_minor=None) is False
