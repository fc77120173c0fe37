"""JSON without floats, and money in integer minor units."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from paybridge import jsonutil
from paybridge.models.money import exponent, format_major, from_minor, parse_amount, to_minor


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
