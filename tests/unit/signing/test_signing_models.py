"""Validation of the SDK signing requests and of the wallet offer: every bad field is named, 400 vs 422."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from pydantic import ValidationError

from paybridge.errors import BadRequestError, PaybridgeError, UnprocessableError
from paybridge.models.sdk import (
    InitiateRequest,
    WalletOffer,
    json_number,
    merchant_container_list_json,
    parse_initiate_request,
    parse_process_request,
)

VALID_PROCESS: dict[str, Any] = {"order_id": "R1096438018", "amount": "1.00", "customer_id": "1234567890"}


def process_error(**changes: Any) -> PaybridgeError:
    body = {**VALID_PROCESS, **changes}
    with pytest.raises(PaybridgeError) as caught:
        parse_process_request(body)
    return caught.value


# --- ProcessRequest: accepted input ----------------------------------------------------------------------
def test_minimal_process_request_has_defaults() -> None:
    request = parse_process_request(VALID_PROCESS)
    assert request.currency == "INR"
    assert request.amount == Decimal("1.00")
    assert request.amount_minor == 100
    assert request.udfs() == {}
    assert request.metadata is None


def test_full_process_request_keeps_every_value_verbatim() -> None:
    body = {
        **VALID_PROCESS,
        "customer_email": "test@gmail.com",
        "customer_phone": "9739534710",
        "first_name": "Zoë",
        "last_name": "Rao",
        "return_url": "https://sandbox.juspay.in/end?x=1",
        "description": "Two mangoes — ripe",
        "language": "english",
        "udf1": "a",
        "udf10": "j",
        "metadata": {"webhook_url": "https://example.com/hook", "source.app": "ios"},
    }
    request = parse_process_request(body)
    assert request.model_dump(exclude_none=True, mode="json") == {**body, "amount": "1.00", "currency": "INR"}
    assert request.udfs() == {"udf1": "a", "udf10": "j"}


@pytest.mark.parametrize(
    ("amount", "minor"),
    [
        ("1", 100),
        ("1.5", 150),
        ("1.50", 150),
        ("1.500", 150),
        (100, 10000),
        (Decimal("0.01"), 1),
        ("9999999999.99", 999999999999),
    ],
)
def test_amount_forms_accepted(amount: object, minor: int) -> None:
    assert parse_process_request({**VALID_PROCESS, "amount": amount}).amount_minor == minor


@pytest.mark.parametrize("order_id", ["A", "a1B2c3", "1" * 20])
def test_order_id_accepted(order_id: str) -> None:
    assert parse_process_request({**VALID_PROCESS, "order_id": order_id}).order_id == order_id


@pytest.mark.parametrize(
    "customer_id", ["1234567890", "test_customer", "testing-customer-one", "a.b@c+d", "x" * 128]
)
def test_customer_id_accepted(customer_id: str) -> None:
    assert parse_process_request({**VALID_PROCESS, "customer_id": customer_id}).customer_id == customer_id


# --- ProcessRequest: refused input -----------------------------------------------------------------------
@pytest.mark.parametrize(
    "order_id",
    ["", "1" * 65, "abc.123", "abc#123", "abc 123", " abc", "ordér1", "R1096438018\n"],
)
def test_order_id_follows_the_one_order_id_rule(order_id: str) -> None:
    error = process_error(order_id=order_id)
    assert isinstance(error, UnprocessableError)
    assert error.status_code == 422
    assert error.details["field"] == "order_id"


@pytest.mark.parametrize(
    ("amount", "code"),
    [
        ("0", "amount_positive"),
        ("0.00", "amount_positive"),
        ("-1.00", "amount_format"),
        ("1.005", "amount_precision"),
        ("0.001", "amount_precision"),
        ("10000000000.00", "amount_too_large"),
        ("abc", "amount_format"),
        ("", "amount_format"),
        ("NaN", "amount_format"),
        ("Infinity", "amount_format"),
    ],
)
def test_amount_value_rules(amount: str, code: str) -> None:
    error = process_error(amount=amount)
    assert isinstance(error, UnprocessableError)
    assert error.details["field"] == "amount"
    assert error.details["errors"][0]["code"] == code


@pytest.mark.parametrize("amount", [1.5, 1.0, True, None, [], {"value": "1"}])
def test_amount_float_and_other_types_refused_as_bad_request(amount: object) -> None:
    error = process_error(amount=amount)
    assert isinstance(error, BadRequestError)
    assert error.status_code == 400
    assert error.details["field"] == "amount"


def test_amount_decimals_follow_zero_decimal_currency() -> None:
    error = process_error(amount="1.5", currency="JPY")
    assert isinstance(error, UnprocessableError)
    assert error.details["errors"][0] == {
        "field": "amount",
        "code": "amount_precision",
        "message": "must be a whole number",
    }
    assert parse_process_request({**VALID_PROCESS, "amount": "150", "currency": "JPY"}).amount_minor == 150


def test_three_decimal_currency_still_limited_to_two_decimals() -> None:
    assert process_error(amount="1.125", currency="BHD").details["field"] == "amount"
    assert parse_process_request({**VALID_PROCESS, "amount": "1.25", "currency": "BHD"}).amount_minor == 1250


@pytest.mark.parametrize("currency", ["inr", "IN", "INRR", "", "I1R"])
def test_currency_must_be_iso_code(currency: str) -> None:
    error = process_error(currency=currency)
    assert isinstance(error, UnprocessableError)
    # The amount is valid, so only the currency is named.
    assert [e["field"] for e in error.details["errors"]] == ["currency"]


@pytest.mark.parametrize("customer_id", ["", " 123", "-abc", "a b", "a" * 129, "a/b"])
def test_customer_id_rules(customer_id: str) -> None:
    error = process_error(customer_id=customer_id)
    assert isinstance(error, UnprocessableError)
    assert error.details["field"] == "customer_id"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("customer_email", "not-an-email"),
        ("customer_email", "a@b"),
        ("customer_email", "x" * 250 + "@example.com"),
        ("customer_phone", "12345"),
        ("customer_phone", "98765-43210"),
        ("customer_phone", "+91 9876543210"),
        ("return_url", "ftp://example.com/x"),
        ("return_url", "/relative/path"),
        ("return_url", "https://exa mple.com/"),
        ("return_url", "https://example.com/" + "x" * 2048),
        ("description", ""),
        ("description", "d" * 256),
        ("first_name", "n" * 65),
        ("language", "English"),
        ("udf1", "u" * 256),
        ("udf10", ""),
        ("udf1", "\ud800"),
        ("description", "bad \udfff surrogate"),
    ],
)
def test_optional_field_rules_name_the_field(field: str, value: str) -> None:
    error = process_error(**{field: value})
    assert isinstance(error, UnprocessableError)
    assert error.details["field"] == field


@pytest.mark.parametrize("field", ["order_id", "amount", "customer_id"])
def test_missing_required_field_is_bad_request(field: str) -> None:
    body = {k: v for k, v in VALID_PROCESS.items() if k != field}
    with pytest.raises(BadRequestError) as caught:
        parse_process_request(body)
    assert caught.value.details["field"] == field
    assert caught.value.details["errors"][0]["code"] == "missing"


def test_unknown_field_is_refused_not_dropped() -> None:
    error = process_error(udf11="x")
    assert isinstance(error, BadRequestError)
    assert error.details["field"] == "udf11"


@pytest.mark.parametrize(("field", "value"), [("customer_id", 1234567890), ("order_id", 12), ("udf2", 5)])
def test_wrong_json_type_is_bad_request(field: str, value: object) -> None:
    error = process_error(**{field: value})
    assert isinstance(error, BadRequestError)
    assert error.details["field"] == field


@pytest.mark.parametrize("body", [None, [], "order", 42])
def test_body_that_is_not_an_object(body: object) -> None:
    with pytest.raises(BadRequestError) as caught:
        parse_process_request(body)
    assert caught.value.details["field"] == "body"


def test_metadata_rules() -> None:
    assert process_error(metadata={"a b": "x"}).details["errors"][0]["code"] == "metadata_key"
    assert process_error(metadata={"": "x"}).details["field"] == "metadata"
    assert (
        process_error(metadata={f"k{i}": "v" for i in range(21)}).details["errors"][0]["code"]
        == "metadata_size"
    )
    reserved = process_error(metadata={"merchant_container_list": "[]"})
    assert isinstance(reserved, UnprocessableError)
    assert reserved.details["errors"][0]["code"] == "metadata_reserved"
    wrong_type = process_error(metadata={"k": 1})
    assert isinstance(wrong_type, BadRequestError)
    assert wrong_type.details["field"] == "metadata.k"
    assert process_error(metadata={"k": ""}).details["field"] == "metadata.k"
    assert parse_process_request({**VALID_PROCESS, "metadata": {}}).metadata == {}
    assert parse_process_request({**VALID_PROCESS, "metadata": None}).metadata is None


def test_every_bad_field_is_listed_and_first_one_named() -> None:
    error = process_error(order_id="bad id", amount="0", customer_email="nope")
    assert isinstance(error, UnprocessableError)
    assert error.details["field"] == "order_id"
    assert [e["field"] for e in error.details["errors"]] == ["order_id", "amount", "customer_email"]
    assert error.message == "invalid order_id: must be 1-64 letters, digits, _ or -"


def test_shape_error_wins_over_value_errors() -> None:
    error = process_error(order_id="bad id", customer_id=None)
    assert isinstance(error, BadRequestError)
    assert {e["field"] for e in error.details["errors"]} == {"order_id", "customer_id"}


def test_errors_never_echo_contact_data_and_drop_the_pydantic_cause() -> None:
    secret_email = "private.person@example.org"
    secret_phone = "12-34-56-78-90"
    error = process_error(customer_email=secret_email + "!", customer_phone=secret_phone)
    rendered = json.dumps(error.to_body()) + str(error) + repr(error.details)
    assert "private.person" not in rendered
    assert "12-34" not in rendered
    assert error.__cause__ is None
    assert error.__suppress_context__ is True


def test_request_models_are_frozen() -> None:
    request = parse_process_request(VALID_PROCESS)
    with pytest.raises(ValidationError):
        request.order_id = "other"  # type: ignore[misc]


# --- InitiateRequest -------------------------------------------------------------------------------------
def test_initiate_request_valid() -> None:
    request = parse_initiate_request(
        {
            "customer_id": "cust_1",
            "mobile_number": "+919876543210",
            "email_address": "a@b.co",
            "first_name": "A",
        }
    )
    assert request == InitiateRequest(
        customer_id="cust_1", mobile_number="+919876543210", email_address="a@b.co", first_name="A"
    )


@pytest.mark.parametrize(
    ("body", "field", "error_type"),
    [
        ({}, "customer_id", BadRequestError),
        ({"customer_id": "a b"}, "customer_id", UnprocessableError),
        ({"customer_id": "c", "mobile_number": "abc"}, "mobile_number", UnprocessableError),
        ({"customer_id": "c", "email_address": "abc"}, "email_address", UnprocessableError),
        ({"customer_id": "c", "last_name": ""}, "last_name", UnprocessableError),
        ({"customer_id": "c", "order_id": "x"}, "order_id", BadRequestError),
    ],
)
def test_initiate_request_errors(body: dict[str, Any], field: str, error_type: type[PaybridgeError]) -> None:
    with pytest.raises(error_type) as caught:
        parse_initiate_request(body)
    assert caught.value.details["field"] == field


# --- WalletOffer and merchant_container_list -------------------------------------------------------------
def wallet(**changes: Any) -> WalletOffer:
    fields: dict[str, Any] = {
        "payment_method": "JUSPAY_WALLET",
        "display_name": "Juspay Wallet",
        "balance_minor": 300000,
        "eligible_minor": 200000,
        **changes,
    }
    return WalletOffer(**fields)


def test_container_entry_renders_exact_numbers_and_only_set_options() -> None:
    assert wallet().container_entry_json() == (
        '{"payment_method":"JUSPAY_WALLET","payment_method_type":"MERCHANT_CONTAINER",'
        '"display_name":"Juspay Wallet","balance_amount":3000,"eligible_amount":2000}'
    )
    full = wallet(
        balance_minor=150055,
        eligible_minor=150050,
        icon_url="https://juspay.png",
        pre_selected=True,
        allow_user_modify_amount=False,
    )
    entry = json.loads(full.container_entry_json(), parse_float=Decimal)
    assert entry == {
        "payment_method": "JUSPAY_WALLET",
        "payment_method_type": "MERCHANT_CONTAINER",
        "display_name": "Juspay Wallet",
        "balance_amount": Decimal("1500.55"),
        "eligible_amount": Decimal("1500.5"),
        "allow_user_modify_amount": False,
        "walletIconURL": "https://juspay.png",
        "isPreSelected": True,
    }


def test_container_list_is_a_json_array_and_escapes_names() -> None:
    rendered = merchant_container_list_json(
        [wallet(display_name='Spencer\'s "Wallet" ₹'), wallet(pre_selected=False)]
    )
    entries = json.loads(rendered)
    assert [e["display_name"] for e in entries] == ['Spencer\'s "Wallet" ₹', "Juspay Wallet"]
    assert entries[1]["isPreSelected"] is False
    assert "₹" in rendered  # kept as UTF-8, like the rest of orderDetails
    assert merchant_container_list_json([]) == "[]"


@pytest.mark.parametrize(
    ("minor", "currency", "expected"),
    [
        (0, "INR", "0"),
        (1, "INR", "0.01"),
        (10, "INR", "0.1"),
        (300000, "INR", "3000"),
        (150055, "INR", "1500.55"),
        (1500, "JPY", "1500"),
        (1250, "BHD", "1.25"),
        (1001, "BHD", "1.001"),
    ],
)
def test_json_number(minor: int, currency: str, expected: str) -> None:
    assert json_number(minor, currency) == expected


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"eligible_minor": 300001}, None),
        ({"eligible_minor": 0}, "eligible_minor"),
        ({"balance_minor": -1, "eligible_minor": 1}, "balance_minor"),
        ({"balance_minor": 3000.0}, "balance_minor"),
        ({"eligible_minor": True}, "eligible_minor"),
        ({"payment_method": "JUSPAY WALLET"}, "payment_method"),
        ({"display_name": ""}, "display_name"),
        ({"currency": "rupees"}, "currency"),
        ({"icon_url": "javascript:alert(1)"}, "icon_url"),
    ],
)
def test_wallet_offer_rules(changes: dict[str, Any], field: str | None) -> None:
    with pytest.raises(ValidationError) as caught:
        wallet(**changes)
    expected_locs = [(field,)] if field else [()]  # the eligible > balance rule is model-wide
    assert [err["loc"] for err in caught.value.errors()] == expected_locs


@pytest.mark.parametrize("minutes", [0, -5, 1441])
def test_expiry_minutes_must_be_between_a_minute_and_a_day(minutes: int) -> None:
    error = process_error(expiry_minutes=minutes)
    assert isinstance(error, UnprocessableError)
    assert error.details["field"] == "expiry_minutes"


@pytest.mark.parametrize("minutes", ["15", 15.5, True])
def test_expiry_minutes_must_be_a_json_integer(minutes: object) -> None:
    error = process_error(expiry_minutes=minutes)
    assert isinstance(error, PaybridgeError)
    assert error.status_code in (400, 422)
    assert error.details["field"] == "expiry_minutes"


def test_expiry_minutes_is_optional() -> None:
    assert parse_process_request(VALID_PROCESS).expiry_minutes is None
    assert parse_process_request({**VALID_PROCESS, "expiry_minutes": 1440}).expiry_minutes == 1440
