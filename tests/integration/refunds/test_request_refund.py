"""``request_refund`` (the entry point the merchant API will call) against moto and the simulator."""

from __future__ import annotations

import threading
from dataclasses import replace
from decimal import Decimal

import pytest

from paybridge.bus import EventPublisher
from paybridge.errors import (
    BadRequestError,
    ConflictError,
    JuspayAuthenticationError,
    JuspayError,
    PublishError,
    UnprocessableError,
)
from paybridge.logic.issue_refund import RefundDependencies, RefundOutcome, request_refund
from paybridge.models.juspay import loads_juspay_json
from paybridge.models.refund import unique_request_id
from paybridge_local.stack import LocalStack
from tests.helpers import sample_path
from tests.integration.refunds.support import (
    CUSTOMER,
    bus_events,
    juspay_refunds,
    online_txn_id,
    refund_calls,
    refunds_of,
    split_order,
)
from tests.juspay_helpers import SimControl

#: The customer of ``order_status_charged_nb.json``.
NB_CUSTOMER = "cst_wiqou3224"


def charged_order(order_id: str) -> dict[str, object]:
    order = loads_juspay_json(sample_path("order_status_charged_nb.json").read_text())
    order.update({"order_id": order_id, "status": "CHARGED", "amount": 100, "refunds": []})
    return dict(order)


def refund(
    deps: RefundDependencies,
    order_id: str,
    key: str,
    amount: str = "10.00",
    *,
    txn_id: str | None = None,
    customer_id: str = NB_CUSTOMER,
) -> RefundOutcome:
    # The merchant route passes the order's customer (Juspay's x-routing-id); so do these calls.
    return request_refund(
        order_id=order_id,
        amount=Decimal(amount),
        idempotency_key=key,
        deps=deps,
        txn_id=txn_id,
        customer_id=customer_id,
    )


def test_order_refunds_get_a_sequence_each_and_repeat_by_key(
    refund_deps: RefundDependencies, control: SimControl, stack: LocalStack
) -> None:
    control.put_order(charged_order("ord_dr_1"))

    first = refund(refund_deps, "ord_dr_1", "return-a")
    second = refund(refund_deps, "ord_dr_1", "return-b", amount="5.5")
    again = refund(refund_deps, "ord_dr_1", "return-a")

    assert (first.seq, first.unique_request_id, first.status, first.created) == (
        1,
        "rf-ord_dr_1-1-1",
        "PENDING",
        True,
    )
    assert (second.seq, second.unique_request_id, second.amount) == (2, "rf-ord_dr_1-2-1", "5.50")
    assert again == replace(first, created=False)
    calls = refund_calls(control, "/orders/ord_dr_1/refunds")
    assert [c["form"] for c in calls] == [
        {"unique_request_id": "rf-ord_dr_1-1-1", "amount": "10.00"},
        {"unique_request_id": "rf-ord_dr_1-2-1", "amount": "5.50"},
    ]
    assert [r.kind for r in refunds_of(stack, "ord_dr_1")] == ["order", "order"]
    assert len(bus_events(stack, "RefundIssued")) == 2


def test_a_key_reused_for_other_data_is_a_conflict(
    refund_deps: RefundDependencies, control: SimControl
) -> None:
    control.put_order(charged_order("ord_dr_2"))
    refund(refund_deps, "ord_dr_2", "k1")
    with pytest.raises(ConflictError):
        refund(refund_deps, "ord_dr_2", "k1", amount="11.00")
    with pytest.raises(ConflictError):
        refund(refund_deps, "ord_dr_2", "k1", txn_id="some-txn")
    assert len(refund_calls(control, "/orders/ord_dr_2/refunds")) == 1


@pytest.mark.parametrize(
    ("amount", "key", "error"),
    [
        ("10.001", "k", UnprocessableError),
        ("0", "k", UnprocessableError),
        ("-1", "k", UnprocessableError),
        ("10", "", BadRequestError),
        ("10", "k" * 129, BadRequestError),
    ],
)
def test_invalid_requests_store_and_call_nothing(
    refund_deps: RefundDependencies,
    control: SimControl,
    stack: LocalStack,
    amount: str,
    key: str,
    error: type,
) -> None:
    with pytest.raises(error):
        refund(refund_deps, "ord_dr_3", key, amount=amount)
    assert refunds_of(stack, "ord_dr_3") == []
    assert control.requests_log() == []


def test_duplicate_call_reads_the_refund_juspay_already_has(
    refund_deps: RefundDependencies, control: SimControl, stack: LocalStack
) -> None:
    control.put_order(charged_order("ord_dr_4"))
    uid = unique_request_id("ord_dr_4", 1, 1)
    # An earlier call with this id landed at Juspay; the one now answers duplicate.call.
    refund_deps.juspay.refund_order(
        "ord_dr_4", unique_request_id=uid, amount=Decimal("10"), customer_id=NB_CUSTOMER
    )
    control.settle(uid, "SUCCESS")
    duplicate = {"status_id": -1, "status": "ERROR", "error_code": "duplicate.call", "error_message": "dup"}
    control.fault(method="POST", path="/orders/ord_dr_4/refunds", status=400, body=duplicate)

    outcome = refund(refund_deps, "ord_dr_4", "k")

    assert (outcome.unique_request_id, outcome.status) == (uid, "SUCCESS")
    assert len(juspay_refunds(control, "ord_dr_4")) == 1
    assert len(bus_events(stack, "RefundSucceeded")) == 1


def test_duplicate_call_for_a_refund_juspay_does_not_list_is_retried_later(
    refund_deps: RefundDependencies, control: SimControl, stack: LocalStack
) -> None:
    control.put_order(charged_order("ord_dr_5"))
    duplicate = {"status": "ERROR", "error_code": "duplicate.call", "error_message": "dup"}
    control.fault(method="POST", path="/orders/ord_dr_5/refunds", status=400, body=duplicate)

    with pytest.raises(JuspayError):
        refund(refund_deps, "ord_dr_5", "k")
    assert [r.status for r in refunds_of(stack, "ord_dr_5")] == ["REQUESTED"]

    assert refund(refund_deps, "ord_dr_5", "k").status == "PENDING"
    assert [r["unique_request_id"] for r in juspay_refunds(control, "ord_dr_5")] == ["rf-ord_dr_5-1-1"]


def test_an_answer_without_our_refund_keeps_the_id_for_a_retry(
    refund_deps: RefundDependencies, control: SimControl, stack: LocalStack
) -> None:
    order = charged_order("ord_dr_6")
    control.put_order(order)
    control.fault(method="POST", path="/orders/ord_dr_6/refunds", status=200, body=order)

    with pytest.raises(JuspayError, match="does not list"):
        refund(refund_deps, "ord_dr_6", "k")
    [record] = refunds_of(stack, "ord_dr_6")
    assert (record.status, record.unique_request_id) == ("REQUESTED", "rf-ord_dr_6-1-1")


def test_unknown_transaction_is_rejected(
    refund_deps: RefundDependencies, control: SimControl, stack: LocalStack
) -> None:
    outcome = refund(refund_deps, "ord_dr_7", "k", txn_id="no-such-txn")
    assert outcome.status == "REJECTED"
    [record] = refunds_of(stack, "ord_dr_7")
    assert record.error_code == "not_found"
    [failed] = bus_events(stack, "RefundFailed")
    assert failed["detail"]["status"] == "REJECTED"


def test_a_wrong_api_key_is_raised_and_the_refund_waits_with_its_id(
    refund_deps: RefundDependencies, control: SimControl, stack: LocalStack
) -> None:
    control.put_order(split_order("ord_dr_8"))
    control.fault(method="POST", path="/refunds", status=401)
    with pytest.raises(JuspayAuthenticationError):
        refund(
            refund_deps, "ord_dr_8", "k", amount="40", txn_id=online_txn_id("ord_dr_8"), customer_id=CUSTOMER
        )
    assert (
        refund(
            refund_deps, "ord_dr_8", "k", amount="40", txn_id=online_txn_id("ord_dr_8"), customer_id=CUSTOMER
        ).status
        == "PENDING"
    )
    assert {c["form"]["unique_request_id"] for c in refund_calls(control)} == {"rf-ord_dr_8-1-1"}


def test_a_lost_announcement_is_published_by_the_next_touch(
    refund_deps: RefundDependencies, control: SimControl, stack: LocalStack
) -> None:
    control.put_order(charged_order("ord_dr_9"))
    broken = replace(refund_deps, publisher=EventPublisher(stack.session.client("events"), "no-such-bus"))

    with pytest.raises(PublishError):
        refund(broken, "ord_dr_9", "k")
    [record] = refunds_of(stack, "ord_dr_9")
    assert (record.status, record.announced) == ("PENDING", None)

    refund(refund_deps, "ord_dr_9", "k")
    [record] = refunds_of(stack, "ord_dr_9")
    assert record.announced == "PENDING"
    assert len(bus_events(stack, "RefundIssued")) == 1
    assert len(refund_calls(control, "/orders/ord_dr_9/refunds")) == 1


def test_concurrent_requests_with_one_key_make_one_refund(
    refund_deps: RefundDependencies, control: SimControl, stack: LocalStack
) -> None:
    control.put_order(charged_order("ord_dr_10"))
    outcomes: list[RefundOutcome] = []
    errors: list[BaseException] = []
    start = threading.Barrier(6)

    def run(key: str) -> None:
        start.wait()
        try:
            outcomes.append(refund(refund_deps, "ord_dr_10", key, amount="1.00"))
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(key,)) for key in ["same"] * 4 + ["other-1", "other-2"]]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    records = refunds_of(stack, "ord_dr_10")
    assert sorted(r.seq for r in records) == [1, 2, 3]
    assert len({o.unique_request_id for o in outcomes if o.created}) == 3
    assert sum(o.created for o in outcomes) == 3
    assert len(juspay_refunds(control, "ord_dr_10")) == 3
