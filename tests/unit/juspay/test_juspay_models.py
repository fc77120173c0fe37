"""Every strict-JSON order, refund, mandate and session sample parses, with its key fields asserted."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from paybridge.models.juspay import (
    KNOWN_MANDATE_STATUSES,
    KNOWN_ORDER_STATUSES,
    KNOWN_REFUND_STATUSES,
    JuspayErrorEnvelope,
    Mandate,
    MandateCancelRecurringResponse,
    MandateExecutionResponse,
    MandateList,
    MandateNotification,
    Order,
    Refund,
    Session,
    loads_juspay_json,
)
from tests.juspay_helpers import load_sample, samples_dir, strict_json_samples

D = Decimal

# name → (order_id, status, amount, currency, customer_id,
#         [(txn_id, txn status, payment_method_type, txn_amount)])
ORDER_SAMPLES: dict[str, tuple[str, str, Decimal | None, str | None, str | None, list[tuple[Any, ...]]]] = {
    "create_order_response.json": ("14183944763", "CREATED", None, None, None, []),
    "update_order_response.json": ("JPAYNEW035", "NEW", D(90), "INR", "cst_wiqou3224", []),
    "order_status_charged_nb.json": (
        "JPAYNEW032",
        "CHARGED",
        D(9000),
        "INR",
        "cst_wiqou3224",
        [("merchantId-JPAYNEW032-1", "CHARGED", "NB", D(9000))],
    ),
    "order_status_charged_emi.json": (
        "XXXX1234",
        "CHARGED",
        D(15122),
        "INR",
        "CUSTOMER",
        [("", "CHARGED", "", D(15122))],
    ),
    "order_status_charged_wallet_with_refund.json": (
        "145678234",
        "CHARGED",
        D(1),
        "INR",
        "test_customer",
        [("merchantId-145678234-1", "CHARGED", "WALLET", D(1))],
    ),
    "order_status_cod_initiated.json": (
        "1690960292",
        "COD_INITIATED",
        D(100),
        "INR",
        None,
        [("ms-1690960292-1", "COD_INITIATED", "CASH", D(250))],
    ),
    "order_status_mandate_register_upi.json": (
        "234823498237423894273498",
        "CHARGED",
        D(1),
        "INR",
        "cst_lz7zmpemoo5okv",
        [("juspay-234823498237423894273498-1", "CHARGED", "UPI", D(1))],
    ),
    "order_status_after_cancel_recurring_txn.json": (
        "test_recurring_1697711432",
        "JUSPAY_DECLINED",
        D(1),
        "INR",
        "cst_2h0dwktdpsefeyk6",
        [("juspay_test-test_recurring_1697711432-1", "JUSPAY_DECLINED", "NB", D(1))],
    ),
    "order_status_partial_charged_simpl_multiclaim.json": (
        "o1702617427",
        "PARTIAL_CHARGED",
        D(3),
        "INR",
        "cth_iRT3ZLCcNdnigB63",
        [("azharamin-o1702617427-1", "PARTIAL_CHARGED", "WALLET", D(3))],
    ),
    "order_status_split_partial_charged_custom_wallet.json": (
        "testing-order-147",
        "PARTIAL_CHARGED",
        D(50),
        "INR",
        "testing-customer-two",
        [
            ("neeraj_juspay_prod-testing-order-147-3-1", "CHARGED", "CARD", D(40)),
            ("neeraj_juspay_prod-testing-order-147-3-2", "TO_BE_CHARGED", "MERCHANT_CONTAINER", D(10)),
        ],
    ),
    "order_status_split_settlement_vendor_split.json": (
        "splitsettlement_1619009418_test",
        "CHARGED",
        D(5),
        "INR",
        "cst_1845074",
        [("splitsettlement_1619009418_test", "CHARGED", "CARD", D(5))],
    ),
    # Wallet pays the whole order: one MERCHANT_CONTAINER transaction without txn_detail.
    "order_status_to_be_charged_wallet_only.json": (
        "testing-order-145",
        "TO_BE_CHARGED",
        D(50),
        "INR",
        "testing-customer-two",
        [("neeraj_juspay_prod-testing-order-145-1", "TO_BE_CHARGED", "MERCHANT_CONTAINER", None)],
    ),
    "refund_order_response_pending.json": (
        "JP1636474794",
        "CHARGED",
        D(1),
        "INR",
        "testcardenc1",
        [("merchant_success-JP1636474794-1", "CHARGED", "CARD", D(1))],
    ),
    # The top-level shape without txn_detail: the transaction's amount is unknown, not guessed.
    "refund_response_split_settlement.json": (
        "splitsettlement_1619009418_test",
        "CHARGED",
        D(5),
        "INR",
        "cst_1845074",
        [("splitsettlement_1619009418_test", "CHARGED", "CARD", None)],
    ),
}


@pytest.mark.parametrize("name", sorted(ORDER_SAMPLES))
def test_order_samples_parse_with_key_fields(name: str) -> None:
    order_id, status, amount, currency, customer_id, txns = ORDER_SAMPLES[name]
    order = Order.model_validate(load_sample(name))
    assert (order.order_id, order.status, order.amount, order.currency, order.customer_id) == (
        order_id,
        status,
        amount,
        currency,
        customer_id,
    )
    got = [(t.txn_id, t.status, t.payment_method_type, t.txn_amount) for t in order.transactions()]
    assert got == txns
    assert order.is_split == (name == "order_status_split_partial_charged_custom_wallet.json")


def test_every_strict_order_sample_is_covered() -> None:
    # A new order-shaped sample must be added to ORDER_SAMPLES with its key fields.
    names = strict_json_samples(
        "order_status_", "create_order", "update_order", "refund_order", "refund_response"
    )
    names.remove("order_status_v4_jwt_response.json")  # encrypted {"JWT": ...}: not an order until decrypted
    assert sorted(names) == sorted(ORDER_SAMPLES)


def test_split_order_wallet_share_is_txn_amount_not_net_amount() -> None:
    order = Order.model_validate(load_sample("order_status_split_partial_charged_custom_wallet.json"))
    online, wallet = order.transactions()
    assert wallet.is_merchant_container
    assert not online.is_merchant_container
    assert wallet.payment_method == "SPENCERS_WALLET"
    assert wallet.txn_amount == D(10)
    assert wallet.txn_detail is not None
    assert wallet.txn_detail.net_amount == D(50)
    assert order.amount_minor == 5000
    assert order.txn_id is None
    assert order.txn_detail is None


def test_order_refund_samples() -> None:
    pending = Order.model_validate(load_sample("refund_order_response_pending.json"))
    assert [(r.unique_request_id, r.status, r.amount, r.refund_type) for r in pending.refunds] == [
        ("TEST1637681731", "PENDING", D(1), "STANDARD")
    ]
    assert pending.find_refund("TEST1637681731") is pending.refunds[0]
    assert pending.find_refund("other") is None
    wallet = Order.model_validate(load_sample("order_status_charged_wallet_with_refund.json"))
    assert [(r.unique_request_id, r.status, r.arn) for r in wallet.refunds] == [
        ("refund_1590649567", "SUCCESS", "0149717932")
    ]
    split = Order.model_validate(load_sample("refund_response_split_settlement.json"))
    assert split.refunds[0].status == "SUCCESS"
    assert split.amount_refunded == D(1)
    assert split.model_extra is not None
    assert split.model_extra["split_settlement_response"]["split_applied"] is True


@pytest.mark.parametrize(
    ("name", "uid", "txn_id", "order_id", "refund_type", "sent"),
    [
        (
            "refund_txn_id_response_pending.json",
            "refund_122_3472",
            "merchant_success-JP1636706983-2",
            "JP1636706983",
            "STANDARD",
            False,
        ),
        (
            "refund_instant_response_pending.json",
            "paytmv2_12231723_50",
            "merchantid-ord_123-1",
            "ord_123",
            "INSTANT",
            True,
        ),
    ],
)
def test_txn_refund_samples(
    name: str, uid: str, txn_id: str, order_id: str, refund_type: str, sent: bool
) -> None:
    refund = Refund.model_validate(load_sample(name))
    assert (refund.unique_request_id, refund.txn_id, refund.order_id) == (uid, txn_id, order_id)
    assert (refund.status, refund.amount, refund.refund_type, refund.sent_to_gateway) == (
        "PENDING",
        D(1),
        refund_type,
        sent,
    )


def test_mandate_block_of_order() -> None:
    order = Order.model_validate(load_sample("order_status_mandate_register_upi.json"))
    assert order.mandate is not None
    assert (order.mandate.mandate_id, order.mandate.status, order.mandate.max_amount) == (
        "3XMEcS1z2212Gq7fbfVYbzj",
        "ACTIVE",
        D(1000),
    )
    assert order.mandate.frequency == "MONTHLY"


@pytest.mark.parametrize(
    ("name", "mandate_id", "status"),
    [
        ("mandate_status_check_response_active.json", "hyhTD5Ga4jJ2KXZwwnyh4A", "ACTIVE"),
        ("mandate_status_check_response_failure.json", "uEzrKHH8sowcSwdGAUg2Tw", "FAILURE"),
        ("mandate_status_check_response_revoked.json", "uEzrKHH8sowcSwdGAUg2Tw", "REVOKED"),
        ("mandate_revoke_response_card.json", "ns3UFqGKHLWXNGDREXDE67", "REVOKED"),
        ("mandate_revoke_response_upi.json", "7SucJZ2PCyoGY5vvW8Xa26", "REVOKED"),
        ("mandate_pause_response.json", "gksEbj93j24Z5Cbw4MWUa", "PAUSED"),
        ("mandate_resume_response.json", "gksEbj93j24Z5Cbw4MWUa", "ACTIVE"),
    ],
)
def test_mandate_samples(name: str, mandate_id: str, status: str) -> None:
    mandate = Mandate.model_validate(load_sample(name))
    assert (mandate.mandate_id, mandate.status, mandate.mandate_status) == (mandate_id, status, status)
    assert status in KNOWN_MANDATE_STATUSES


def test_mandate_status_check_details() -> None:
    mandate = Mandate.model_validate(load_sample("mandate_status_check_response_active.json"))
    assert (mandate.customer_id, mandate.order_id, mandate.max_amount, mandate.currency) == (
        "cst_z1fsoxwyhvp5gj13",
        "juspayKTestTxns849",
        D(20),
        "INR",
    )
    assert mandate.payment_info == {"payment_method": "PAY", "payment_method_type": "UPI"}
    paused = Mandate.model_validate(load_sample("mandate_pause_response.json"))
    assert paused.response_message == "Mandate is Paused."
    assert paused.pause_end_date == "2022-09-30T00:00:00Z"


@pytest.mark.parametrize(
    ("name", "total", "statuses"),
    [
        ("mandate_list_response_upi.json", 4, ["CREATED", "FAILURE", "REVOKED", "ACTIVE"]),
        ("mandate_list_response_card.json", 2, ["ACTIVE"]),
        ("mandate_list_response_nb.json", 2, ["ACTIVE", "ACTIVE"]),
    ],
)
def test_mandate_list_samples(name: str, total: int, statuses: list[str]) -> None:
    listing = MandateList.model_validate(load_sample(name))
    assert listing.total == total
    assert listing.object == "list"
    assert [m.status for m in listing.mandates] == statuses
    assert all(m.mandate_id for m in listing.mandates)


def test_other_mandate_samples() -> None:
    execution = MandateExecutionResponse.model_validate(load_sample("mandate_execution_response.json"))
    assert (execution.txn_id, execution.status, execution.order_id) == (
        "merchant_id-order_id-1",
        "PENDING_VBV",
        "order_id",
    )
    cancel = MandateCancelRecurringResponse.model_validate(
        load_sample("mandate_cancel_recurring_txn_response.json")
    )
    assert (cancel.order_id, cancel.txn_status) == ("test_recurring_1697711432", "JUSPAY_DECLINED")
    for name, ident in (
        ("mandate_pre_debit_notify_response.json", "1957069"),
        ("mandate_notification_status_response.json", "1957074"),
    ):
        notification = MandateNotification.model_validate(load_sample(name))
        assert (notification.id, notification.status) == (ident, "SUCCESS")
        assert notification.mandate is not None
        assert notification.mandate.mandate_id


def test_every_strict_mandate_sample_has_a_model() -> None:
    models: dict[str, type[BaseModel]] = {
        "mandate_list_": MandateList,
        "mandate_execution_": MandateExecutionResponse,
        "mandate_cancel_recurring": MandateCancelRecurringResponse,
        "mandate_pre_debit_notify": MandateNotification,
        "mandate_notification_status": MandateNotification,
    }
    names = strict_json_samples("mandate_")
    assert len(names) == 14
    for name in names:
        model = next((m for prefix, m in models.items() if name.startswith(prefix)), Mandate)
        assert model.model_validate(load_sample(name)) is not None


@pytest.mark.parametrize(
    ("name", "order_id", "client_auth_token_prefix"),
    [
        ("session_response_v1.json", "testing-order-one", "tkn_"),
        ("session_response_v2_mandate.json", "yourUniqueOrderId", "tkn_"),
        ("session_response_merchant_container.json", "test123", "tkn_"),
        ("session_response_split_cod.json", "testing-order-one", "tkn_"),
    ],
)
def test_session_samples(name: str, order_id: str, client_auth_token_prefix: str) -> None:
    session = Session.model_validate(load_sample(name))
    assert (session.status, session.order_id) == ("NEW", order_id)
    assert session.sdk_payload is not None
    payload = session.sdk_payload["payload"]
    assert payload["orderId"] == order_id
    assert payload["clientAuthToken"].startswith(client_auth_token_prefix)
    assert session.payment_links is not None
    assert session.payment_links["web"].startswith("https://")
    assert "tkn_" not in repr(session)
    assert sorted(strict_json_samples("session_response")) == sorted(
        [
            "session_response_v1.json",
            "session_response_v2_mandate.json",
            "session_response_merchant_container.json",
            "session_response_split_cod.json",
        ]
    )


def test_error_envelope_sample() -> None:
    envelope = JuspayErrorEnvelope.model_validate(load_sample("order_fulfillment_response_400.json"))
    assert (envelope.status, envelope.error_code) == ("ERROR", "No txn Found")
    assert envelope.error_message is not None
    assert envelope.error_message.startswith("No successfull txn")
    assert envelope.error_info is not None
    assert envelope.error_info["request_id"]
    assert envelope.is_not_found is False
    assert JuspayErrorEnvelope.model_validate(
        {"status_id": 40, "status": "NOT_FOUND", "order_id": "x"}
    ).is_not_found


@pytest.mark.parametrize(
    "name",
    [
        "webhook_order_partial_charged_merchant_container_split.json",
        "webhook_order_failed_authentication_failed_merchant_container_split.json",
        "webhook_order_refunded.json",
        "webhook_order_succeeded.json",
    ],
)
def test_webhook_content_order_parses(name: str) -> None:
    event = load_sample(name)
    order = Order.model_validate(event["content"]["order"])
    assert order.order_id
    assert order.status == event["content"]["order"]["status"]
    assert order.transactions(), "each webhook order carries at least one transaction"


def test_non_strict_samples_are_what_the_index_says() -> None:
    # These official samples are malformed JSON; nothing parses them, so no test depends on them.
    for name in ("order_status_charged_card_with_refund.json", "order_status_charged_upi.json"):
        with pytest.raises(json.JSONDecodeError):
            json.loads((samples_dir() / name).read_text(encoding="utf-8"))


# --- Tolerance --------------------------------------------------------------------------------------------
def test_numbers_as_strings_and_unknown_values_are_accepted() -> None:
    order = Order.model_validate(
        {
            "order_id": "o1",
            "status": "SOMETHING_NEW",
            "status_id": "21",
            "amount": "1000.50",
            "gateway_id": "abc",
            "refunds": None,
            "brand_new_field": {"x": 1},
            "txn_detail": {"txn_id": "t1", "txn_amount": "10", "status": "CHARGED", "gateway_id": "12"},
        }
    )
    assert order.status == "SOMETHING_NEW"
    assert "SOMETHING_NEW" not in KNOWN_ORDER_STATUSES
    assert order.status_id == 21
    assert order.gateway_id == "abc"
    assert order.amount == D("1000.50")
    assert order.amount_minor == 100050
    assert order.refunds == []
    assert order.model_extra == {"brand_new_field": {"x": 1}}
    assert order.txn_detail is not None
    assert order.txn_detail.gateway_id == 12
    assert order.transactions()[0].txn_amount == D(10)


@pytest.mark.parametrize("bad", [10.5, "ten", "NaN", True, [1]])
def test_amount_refuses_floats_and_garbage(bad: object) -> None:
    with pytest.raises(ValidationError):
        Order.model_validate({"order_id": "o1", "status": "NEW", "amount": bad})


def test_empty_amount_is_none() -> None:
    order = Order.model_validate({"order_id": "o1", "status": "NEW", "amount": " "})
    assert order.amount is None
    assert order.amount_minor is None
    assert order.transactions() == []


def test_transaction_status_falls_back_to_txn_detail_then_order() -> None:
    split = Order.model_validate(
        {
            "order_id": "o",
            "status": "PARTIAL_CHARGED",
            "txn_list": [{"txn_detail": {"txn_id": "t9", "status": "CHARGED"}}],
        }
    )
    assert [(t.txn_id, t.status) for t in split.transactions()] == [("t9", "CHARGED")]
    single = Order.model_validate({"order_id": "o", "status": "TO_BE_CHARGED", "txn_id": "t1"})
    assert single.transactions()[0].status == "TO_BE_CHARGED"
    assert single.transactions()[0].txn_amount is None


def test_loads_juspay_json_never_makes_floats() -> None:
    data = loads_juspay_json('{"amount": 10.10, "n": 3}')
    assert data == {"amount": D("10.10"), "n": 3}
    assert isinstance(data["amount"], Decimal)


def test_known_status_constants() -> None:
    assert {"CHARGED", "PARTIAL_CHARGED", "TO_BE_CHARGED"} <= KNOWN_ORDER_STATUSES
    assert {"PENDING", "SUCCESS", "FAILURE", "MANUAL_REVIEW"} == KNOWN_REFUND_STATUSES


def test_reprs_leave_out_contact_data_tokens_and_unknown_fields() -> None:
    order = Order.model_validate(load_sample("order_status_split_partial_charged_custom_wallet.json"))
    text = repr(order) + str(order)
    assert "test@mail.com" not in text
    assert "9876543210" not in text
    assert "payment_page_sdk_payload" not in text
    assert "testing-order-147" in text
    mandate = Mandate.model_validate(load_sample("mandate_status_check_response_failure.json"))
    assert "8861150466@ybl" not in repr(mandate)
    assert "35b555e1" not in repr(mandate)


def test_masked_secondary_amounts_are_kept_as_strings() -> None:
    order = Order.model_validate(load_sample("webhook_order_refunded.json")["content"]["order"])
    assert order.txn_detail is not None
    assert order.txn_detail.tax_amount == "FILTERED"
    assert order.refunds, "the ORDER_REFUNDED sample carries its refunds"
    with pytest.raises(ValidationError):
        Order.model_validate({"order_id": "o", "status": "NEW", "txn_detail": {"tax_amount": 1.5}})


@pytest.mark.parametrize("name", strict_json_samples("webhook_mandate_"))
def test_webhook_mandate_content_parses(name: str) -> None:
    event = load_sample(name)
    mandate = Mandate.model_validate(event["content"]["mandate"])
    assert mandate.mandate_id
    assert mandate.status
