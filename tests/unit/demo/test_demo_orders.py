"""The demo's Juspay orders: Juspay's samples under fresh ids, with Juspay's transaction id pattern."""

from __future__ import annotations

from demo.orders import MERCHANT, cod_split, failed_split, split_card, split_upi, wallet_only, with_attempt


def test_a_split_sample_takes_the_order_customer_and_attempt_ids() -> None:
    order = split_card("ord7", "cust7", attempt=2)
    assert (order["order_id"], order["customer_id"], order["status"]) == ("ord7", "cust7", "PARTIAL_CHARGED")
    online, wallet = order["txn_list"]
    assert online["txn_id"] == online["txn_detail"]["txn_id"] == f"{MERCHANT}-ord7-2-1"
    assert wallet["txn_id"] == wallet["txn_detail"]["txn_id"] == f"{MERCHANT}-ord7-2-2"
    assert {t["txn_detail"]["order_id"] for t in order["txn_list"]} == {"ord7"}
    assert (online["payment_method_type"], wallet["payment_method_type"]) == ("CARD", "MERCHANT_CONTAINER")


def test_every_builder_keeps_the_samples_shape_and_amounts() -> None:
    upi = split_upi("o1", "c1")
    assert [t["payment_method_type"] for t in upi["txn_list"]] == ["UPI", "MERCHANT_CONTAINER"]
    assert upi["amount"] == sum(t["txn_detail"]["txn_amount"] for t in upi["txn_list"])
    failed = failed_split("o2", "c2")
    assert [t["status"] for t in failed["txn_list"]] == ["AUTHENTICATION_FAILED", "TO_BE_CHARGED"]
    alone = wallet_only("o3", "c3")
    assert (alone["status"], alone["payment_method_type"], alone["txn_id"]) == (
        "TO_BE_CHARGED",
        "MERCHANT_CONTAINER",
        f"{MERCHANT}-o3-1",
    )
    cod = cod_split("o4", "c4")
    assert cod["status"] == "TO_BE_CHARGED"
    cash = cod["txn_list"][0]
    assert (cash["payment_method_type"], cash["status"], cash["txn_detail"]["status"]) == (
        "CASH",
        "COD_INITIATED",
        "COD_INITIATED",
    )


def test_another_attempt_moves_the_statuses_and_leaves_the_original_alone() -> None:
    paid = split_card("ord8", "cust8", attempt=1)
    pending = with_attempt(paid, attempt=3, status="PENDING_VBV", online_status="PENDING_VBV")
    assert pending["status"] == "PENDING_VBV"
    assert pending["txn_list"][0]["txn_detail"]["status"] == "PENDING_VBV"
    assert pending["txn_list"][1]["txn_id"] == f"{MERCHANT}-ord8-3-2"
    assert (paid["status"], paid["txn_list"][0]["txn_id"]) == ("PARTIAL_CHARGED", f"{MERCHANT}-ord8-1-1")
