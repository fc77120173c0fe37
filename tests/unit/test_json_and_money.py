"""JSON without floats, and money in integer minor units."""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from paybridge import jsonutil
from paybridge.errors import PaybridgeError
from paybridge.models.money import (
    MAX_REQUEST_AMOUNT,
    AmountError,
    exponent,
    format_major,
    from_minor,
    parse_amount,
    request_amount,
    to_minor,
)
from paybridge.models.order_api import RefundOrderRequest, UpdateOrderRequest
from paybridge.models.sdk import parse_process_request
from paybridge.models.validation import parse_request
from paybridge.models.wallet import CreditRequest


def test_decimal_written_as_number_with_exact_text() -> None:
    text = jsonutil.dumps({"amount": Decimal("1000.00"), "n": 3, "s": 'é"', "l": [True, None, False]})
    assert text == '{"amount":1000.00,"n":3,"s":"\\u00e9\\"","l":[true,null,false]}'
    assert jsonutil.loads(text)["amount"] == Decimal("1000.00")


def test_sort_keys_is_recursive() -> None:
    assert jsonutil.dumps({"b": {"d": 1, "c": 2}, "a": (1,)}, sort_keys=True) == '{"a":[1],"b":{"c":2,"d":1}}'


@pytest.mark.parametrize("value", [1.5, Decimal("NaN"), object()])
def test_floats_and_unknown_types_are_refused(value: object) -> None:
    with pytest.raises(TypeError):
        jsonutil.dumps({"x": value})


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.text()
    | st.decimals(allow_nan=False, allow_infinity=False),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=5), children, max_size=4)
    ),
    max_leaves=20,
)


@given(json_values)
def test_round_trip_is_exact(value: object) -> None:
    assert jsonutil.loads(jsonutil.dumps(value)) == value
    json.loads(jsonutil.dumps(value))  # and it is standard JSON


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("100.50", Decimal("100.50")),
        (100, Decimal(100)),
        (" 7 ", Decimal(7)),
        (Decimal("0.01"), Decimal("0.01")),
    ],
)
def test_parse_amount(raw: object, expected: Decimal) -> None:
    assert parse_amount(raw) == expected


@pytest.mark.parametrize("raw", [1.5, True, "abc", "Infinity", None, [1]])
def test_parse_amount_refuses(raw: object) -> None:
    with pytest.raises(ValueError):
        parse_amount(raw)


def test_minor_units() -> None:
    assert to_minor(Decimal("100.50")) == 10050
    assert to_minor(Decimal("5"), "JPY") == 5
    assert exponent("kwd") == 3
    assert from_minor(10050) == Decimal("100.50")
    assert format_major(5, "INR") == "0.05"
    with pytest.raises(ValueError):
        to_minor(Decimal("1.005"))
    assert to_minor(Decimal("1.005"), strict=False) == 101


@given(st.integers(min_value=0, max_value=10**15), st.sampled_from(["INR", "JPY", "KWD"]))
def test_minor_major_round_trip(minor: int, currency: str) -> None:
    assert to_minor(from_minor(minor, currency), currency) == minor
    assert to_minor(parse_amount(format_major(minor, currency)), currency) == minor


@pytest.mark.parametrize(
    ("raw", "currency", "code"),
    [
        (1.5, None, "amount_type"),
        (True, None, "amount_type"),
        (None, None, "amount_type"),
        ("abc", None, "amount_format"),
        ("NaN", None, "amount_format"),
        ("0.00", None, "amount_positive"),
        ("-1", None, "amount_format"),
        ("10000000000.00", None, "amount_too_large"),
        ("1.005", None, "amount_precision"),
        ("1.5", "JPY", "amount_precision"),
        ("1.005", "KWD", "amount_precision"),  # Juspay's two decimals, even where the currency has three
    ],
)
def test_request_amount_names_the_rule_broken(raw: object, currency: str | None, code: str) -> None:
    with pytest.raises(AmountError) as raised:
        request_amount(raw, currency)
    assert raised.value.code == code
    assert str(raw) not in str(raised.value) or code == "amount_too_large"


@pytest.mark.parametrize(
    ("raw", "currency", "expected"),
    [
        ("100.50", None, Decimal("100.50")),
        ("1.500", "INR", Decimal("1.5")),
        (7, "JPY", Decimal(7)),
        (Decimal("12.25"), "INR", Decimal("12.25")),  # an exact JSON number
        ("9999999999.99", None, MAX_REQUEST_AMOUNT),
    ],
)
def test_request_amount_accepts(raw: object, currency: str | None, expected: Decimal) -> None:
    assert request_amount(raw, currency) == expected


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("0", "amount_positive"),
        ("1.005", "amount_precision"),
        ("x1", "amount_format"),
        ("10000000000", "amount_too_large"),
        ("1e3", "amount_format"),
        (" 5.00 ", "amount_format"),
        ("\u0665.\u0660\u0660", "amount_format"),  # Arabic-Indic digits: Decimal() would take them
        ("-5", "amount_format"),
    ],
)
def test_every_route_applies_the_same_amount_rule(raw: str, code: str) -> None:
    def code_of(call: Callable[[], object]) -> str:
        with pytest.raises(PaybridgeError) as raised:
            call()
        details = raised.value.details
        return str(details["errors"][0]["code"] if "errors" in details else details["code"])

    codes = {
        "sdk_process": code_of(
            lambda: parse_process_request({"order_id": "o1", "amount": raw, "customer_id": "c1"})
        ),
        "update_order": code_of(lambda: parse_request(UpdateOrderRequest, {"amount": raw})),
        "refund_order": code_of(
            lambda: parse_request(RefundOrderRequest, {"amount": raw, "idempotency_key": "k1"})
        ),
        "credit_wallet": code_of(
            lambda: parse_request(CreditRequest, {"amount": raw, "currency": "INR", "idempotency_key": "k1"})
        ),
    }
    assert set(codes.values()) == {code}, codes


def test_request_depth_is_counted_in_levels_and_refused_past_the_limit() -> None:
    from paybridge.jsonutil import MAX_REQUEST_DEPTH, RequestJSONError, _depth, loads_request

    assert _depth(1) == 0
    assert _depth({}) == _depth([]) == 1
    assert _depth({"a": [1, {"b": []}], "c": {"d": 2}}) == 4
    at_limit = "[" * MAX_REQUEST_DEPTH + "]" * MAX_REQUEST_DEPTH
    assert loads_request(at_limit) is not None
    with pytest.raises(RequestJSONError) as raised:
        loads_request("[" * (MAX_REQUEST_DEPTH + 1) + "]" * (MAX_REQUEST_DEPTH + 1))
    assert raised.value.code == "json_too_deep"
    assert _depth(json.loads('{"a":' * 200 + "1" + "}" * 200)) == MAX_REQUEST_DEPTH + 1  # stops early
