"""The soak checker on hand-made data: a clean run passes, and every invariant fires on data breaking it."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from tests.soak.checker import INVARIANTS, check


def txn(txn_id: str, kind: str, status: str, amount: str) -> dict[str, Any]:
    return {
        "txn_id": txn_id,
        "payment_method_type": kind,
        "status": status,
        "txn_detail": {"txn_id": txn_id, "status": status, "txn_amount": amount},
    }


def clean() -> dict[str, Any]:
    """One split order: attempt 1 failed, attempt 2 charged 60.00 online + 40.00 wallet, settled once."""
    juspay = {
        "order_id": "o1",
        "status": "PARTIAL_CHARGED",
        "txn_list": [
            txn("m-o1-1-1", "UPI", "AUTHORIZATION_FAILED", "70.00"),
            txn("m-o1-1-2", "MERCHANT_CONTAINER", "TO_BE_CHARGED", "30.00"),
            txn("m-o1-2-1", "CARD", "CHARGED", "60.00"),
            txn("m-o1-2-2", "MERCHANT_CONTAINER", "TO_BE_CHARGED", "40.00"),
        ],
        "refunds": [],
    }
    return {
        "orders": {
            "o1": {
                "customer_id": "c1",
                "signed": 200,
                "api_status": 200,
                "juspay": juspay,
                "settlement": {"status": "SETTLED"},
            }
        },
        "wallets": {
            "c1": {
                "balance": "60.00",
                "entries": [
                    {"seq": 2, "type": "DEBIT", "amount": "40.00", "order_id": "o1"},
                    {"seq": 1, "type": "CREDIT", "amount": "100.00", "order_id": None},
                ],
            }
        },
        "credits_minor": {"c1": 10000},
        "events": [
            {
                "source": "juspay",
                "detail-type": "ORDER_PARTIAL_CHARGED",
                "detail": {"event_id": "e1", "order_id": "o1"},
            },
            {"source": "paybridge", "detail-type": "OrderSettled", "detail": {"order_id": "o1"}},
        ],
        "webhooks": [{"event_id": "e1", "order_id": "o1", "delivered": True, "attempts": []}],
    }


def fired(data: dict[str, Any]) -> set[str]:
    return {v.invariant for v in check(data).violations}


def entries(data: dict[str, Any]) -> list[dict[str, Any]]:
    result: list[dict[str, Any]] = data["wallets"]["c1"]["entries"]
    return result


def add_event(data: dict[str, Any], detail_type: str, source: str = "paybridge", **detail: Any) -> None:
    data["events"].append(
        {"source": source, "detail-type": detail_type, "detail": {"order_id": "o1", **detail}}
    )


def test_a_clean_run_passes_and_counts_what_happened() -> None:
    report = check(clean())
    assert report.violations == []
    assert report.by_invariant() == dict.fromkeys(INVARIANTS, 0)
    assert report.counts["ledger"] == {"DEBIT": 1}
    assert report.counts["settlement_status"] == {"SETTLED": 1}


def test_double_debit() -> None:
    data = clean()
    entries(data).insert(0, {"seq": 3, "type": "DEBIT", "amount": "40.00", "order_id": "o1"})
    data["wallets"]["c1"]["balance"] = "20.00"
    assert "double_debit" in fired(data)


def test_debit_of_an_order_juspay_never_charged() -> None:
    data = clean()
    juspay = data["orders"]["o1"]["juspay"]
    juspay["status"] = "JUSPAY_DECLINED"
    juspay["txn_list"][2] = txn("m-o1-2-1", "CARD", "JUSPAY_DECLINED", "60.00")
    data["orders"]["o1"]["settlement"] = {"status": "FAILED"}
    assert fired(data) == {"debit_not_confirmed"}


def test_debit_of_another_attempts_wallet_share() -> None:
    data = clean()
    entries(data)[0]["amount"] = "30.00"  # attempt 1's share
    data["wallets"]["c1"]["balance"] = "70.00"
    assert fired(data) == {"debit_not_confirmed"}


def test_debit_kept_after_the_online_part_was_refunded() -> None:
    data = clean()
    refund = {"unique_request_id": "d-o1", "status": "SUCCESS", "amount": 60, "txn_id": "m-o1-2-1"}
    data["orders"]["o1"]["juspay"]["refunds"] = [refund]
    assert fired(data) == {"debit_after_refund"}
    # Credited back once: fine.
    entries(data).insert(0, {"seq": 3, "type": "REVERSAL", "amount": "40.00", "order_id": "o1"})
    data["wallets"]["c1"]["balance"] = "100.00"
    add_event(data, "WalletShareReversed")
    assert fired(data) == set()


def test_a_partial_refund_may_keep_the_wallet_share() -> None:
    data = clean()
    data["orders"]["o1"]["juspay"]["refunds"] = [{"status": "SUCCESS", "amount": "59.99"}]
    assert fired(data) == set()


def cancelled() -> dict[str, Any]:
    data = clean()
    data["orders"]["o1"]["settlement"] = {"status": "CANCELLED"}
    del entries(data)[0]
    data["wallets"]["c1"]["balance"] = "100.00"
    data["events"] = [e for e in data["events"] if e["detail-type"] != "OrderSettled"]
    add_event(data, "OrderCancelled")
    add_event(data, "RefundRequested")
    return data


@pytest.mark.parametrize(
    ("refunds", "violated"),
    [
        ([], True),  # never refunded
        ([{"status": "PENDING", "amount": 60, "txn_id": "m-o1-2-1"}], True),
        ([{"status": "FAILURE", "amount": 60, "txn_id": "m-o1-2-1"}], True),
        ([{"status": "SUCCESS", "amount": 30, "txn_id": "m-o1-2-1"}], True),  # in part only
        (
            [{"status": "SUCCESS", "amount": 30}, {"status": "SUCCESS", "amount": 30, "txn_id": "m-o1-2-1"}],
            False,
        ),
        ([{"status": "SUCCESS", "amount": 60, "txn_id": "m-o1-2-1"}], False),
        ([{"status": "SUCCESS", "amount": 60}, {"status": "SUCCESS", "amount": 60}], True),  # twice
    ],
)
def test_cancelled_order_refunded_exactly_once(refunds: list[dict[str, Any]], violated: bool) -> None:
    data = cancelled()
    data["orders"]["o1"]["juspay"]["refunds"] = refunds
    assert fired(data) == ({"cancelled_not_refunded"} if violated else set())


def test_cancelled_order_still_debited() -> None:
    data = clean()
    data["orders"]["o1"]["settlement"] = {"status": "CANCELLED"}
    data["orders"]["o1"]["juspay"]["refunds"] = [{"status": "SUCCESS", "amount": 60}]
    add_event(data, "OrderCancelled")
    assert "cancelled_not_refunded" in fired(data)


def test_credit_back_larger_than_the_debit() -> None:
    data = clean()
    entries(data).insert(0, {"seq": 3, "type": "REVERSAL", "amount": "40.01", "order_id": "o1"})
    data["wallets"]["c1"]["balance"] = "100.01"
    add_event(data, "WalletShareReversed")
    assert "credit_back_exceeds" in fired(data)


@pytest.mark.parametrize(
    ("juspay_status", "settlement", "extra_event", "violated"),
    [
        ("PARTIAL_CHARGED", "SETTLED", None, False),
        ("PARTIAL_CHARGED", "UNKNOWN", None, True),
        ("PARTIAL_CHARGED", "PENDING", None, True),
        ("PARTIAL_CHARGED", None, None, True),
        ("AUTHORIZATION_FAILED", "FAILED", None, False),
        ("AUTHORIZATION_FAILED", "PENDING", None, True),
        ("PENDING_VBV", "PENDING", None, False),
        ("PENDING_VBV", "STALE", None, False),
        ("PENDING_VBV", None, None, True),
        ("PENDING_VBV", None, "OrderStale", False),
    ],
)
def test_every_order_final_or_followed(
    juspay_status: str, settlement: str | None, extra_event: str | None, violated: bool
) -> None:
    data = clean()
    juspay_now(data, juspay_status, settlement, extra_event)
    assert ("not_final_or_followed" in fired(data)) is violated


@pytest.mark.parametrize(
    ("settlement", "violated"), [("PENDING", True), ("STALE", False), ("ABANDONED", False)]
)
def test_followed_to_the_deadline_a_pending_order_is_stale(settlement: str, violated: bool) -> None:
    data = clean()
    data["followed_to_deadline"] = True
    juspay_now(data, "PENDING_VBV", settlement, None)
    assert ("not_final_or_followed" in fired(data)) is violated


def juspay_now(
    data: dict[str, Any], juspay_status: str, settlement: str | None, extra_event: str | None
) -> None:
    order = data["orders"]["o1"]
    order["juspay"]["status"] = juspay_status
    if juspay_status != "PARTIAL_CHARGED":  # nothing charged: no debit either
        order["juspay"]["txn_list"][2] = txn("m-o1-2-1", "CARD", juspay_status, "60.00")
        del entries(data)[0]
        data["wallets"]["c1"]["balance"] = "100.00"
        data["events"] = [e for e in data["events"] if e["detail-type"] != "OrderSettled"]
    order["settlement"] = {"status": settlement} if settlement else None
    if extra_event:
        add_event(data, extra_event)


@pytest.mark.parametrize(
    "break_it",
    [
        lambda d: d["webhooks"][0].update(delivered=False),  # Juspay gave up delivering
        lambda d: d["events"].pop(0),  # accepted, never on the bus
        lambda d: d["events"].pop(1),  # a debit without its OrderSettled
        lambda d: d["orders"]["o1"].update(signed=500),
        lambda d: d["orders"]["o1"].update(api_status=502),
        lambda d: d["wallets"].update(c1=None),
    ],
)
def test_nothing_lost(break_it: Any) -> None:
    data = clean()
    break_it(data)
    assert "lost" in fired(data)


def test_duplicate_publications() -> None:
    data = clean()
    data["events"].append(copy.deepcopy(data["events"][0]))
    assert fired(data) == {"duplicate_event"}
    data = clean()
    add_event(data, "OrderSettled")
    assert fired(data) == {"duplicate_event"}


@pytest.mark.parametrize(
    ("balance", "credit"),
    [("60.01", "100.00"), ("-40.00", "0.00"), ("160.00", "200.00")],
)
def test_ledger_inconsistent(balance: str, credit: str) -> None:
    data = clean()
    data["wallets"]["c1"]["balance"] = balance
    entries(data)[1]["amount"] = credit
    assert "ledger_inconsistent" in fired(data)


def test_odd_data_never_raises() -> None:
    assert check({}).violations == []
    report = check({"orders": {"x": {}}, "wallets": {"c": None}, "webhooks": [{}], "events": [{}]})
    assert {v.invariant for v in report.violations} == {"lost"}


def test_an_order_driven_past_its_deadline_is_counted_not_judged() -> None:
    data = clean()
    juspay_now(data, "PENDING_VBV", "PENDING", None)
    data.update(followed_to_deadline=True, deadline_s=60)
    data["orders"]["o1"]["seconds"] = 61.5
    report = check(data)
    assert report.violations == []
    assert report.counts["driven_past_deadline"] == 1
    data["orders"]["o1"]["seconds"] = 59
    assert fired(data) == {"not_final_or_followed"}


def test_a_step_the_run_could_not_do_makes_it_incomplete() -> None:
    data = clean()
    data["orders"]["o1"]["driver_errors"] = ["deliver: HTTP 404 no webhook event"]
    assert fired(data) == {"run_incomplete"}


def ours(status: str = "SUCCESS", seq: int = 1) -> dict[str, Any]:
    return {
        "seq": seq,
        "unique_request_id": f"rf-o1-{seq}-1",
        "status": status,
        "reason": "wallet_debit_failed:x",
    }


@pytest.mark.parametrize(
    ("records", "violations"),
    [
        ([ours()], set()),
        ([], {"cancelled_not_refunded"}),  # never requested
        ([ours(), ours(seq=2)], {"cancelled_not_refunded"}),  # requested twice
        ([ours("PENDING")], {"not_final_or_followed"}),  # not followed to its end
        ([ours("REQUESTED")], {"not_final_or_followed"}),
        ([ours("REJECTED")], set()),  # Juspay refused (the dashboard refunded first): the money check decides
    ],
)
def test_the_systems_cancellation_refund(records: list[dict[str, Any]], violations: set[str]) -> None:
    data = cancelled()
    data["orders"]["o1"]["juspay"]["refunds"] = [{"status": "SUCCESS", "amount": 60, "txn_id": "m-o1-2-1"}]
    data["orders"]["o1"]["system_refunds"] = records
    assert fired(data) == violations


def test_refunds_route_failing_is_lost_and_missing_is_tolerated() -> None:
    data = cancelled()
    data["orders"]["o1"]["juspay"]["refunds"] = [{"status": "SUCCESS", "amount": 60}]
    data["orders"]["o1"].update(system_refunds=None, refunds_api_status=503)
    assert fired(data) == {"lost"}
    data["orders"]["o1"]["refunds_api_status"] = 404  # a stack without the route
    assert fired(data) == set()
