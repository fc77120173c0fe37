"""Property tests: amounts survive every rendering exactly, and the signed bytes are always the bytes sent."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from paybridge.errors import UnprocessableError
from paybridge.logic.sdk_payloads import MERCHANT_CONTAINER_LIST_KEY, build_process_payload, offer_wallet
from paybridge.models.money import MAX_REQUEST_AMOUNT as MAX_AMOUNT
from paybridge.models.money import from_minor
from paybridge.models.sdk import json_number, parse_process_request
from paybridge.signer import PemSigner

MAX_MINOR = int(MAX_AMOUNT * 100)
FIXED_CLOCK: Callable[[], datetime] = lambda: datetime(2024, 2, 29, 23, 59, 59, 999000, tzinfo=UTC)  # noqa: E731
minor_amounts = st.integers(min_value=1, max_value=MAX_MINOR)
# Settings shared by the tests that sign (RSA signing is ~1 ms, keep the example count modest).
signing = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def body(amount: object, **extra: object) -> dict[str, object]:
    return {"order_id": "ORD1", "amount": amount, "customer_id": "cust-1", **extra}


@given(minor_amounts)
def test_amount_string_round_trips_through_the_request(minor: int) -> None:
    major = from_minor(minor, "INR")
    for form in (str(major), format(major.normalize(), "f"), major):
        request = parse_process_request(body(form))
        assert request.amount_minor == minor


@given(
    st.decimals(
        min_value=Decimal("0.01"), max_value=MAX_AMOUNT, places=2, allow_nan=False, allow_infinity=False
    )
)
def test_any_two_decimal_amount_is_accepted_exactly(amount: Decimal) -> None:
    assert parse_process_request(body(str(amount))).amount == amount


@given(
    st.integers(min_value=0, max_value=MAX_MINOR // 10),
    st.integers(min_value=1, max_value=9),
)
def test_a_third_decimal_digit_is_always_refused(cents: int, third_digit: int) -> None:
    text = f"{from_minor(cents, 'INR')}{third_digit}"
    with pytest.raises(UnprocessableError) as caught:
        parse_process_request(body(text))
    assert caught.value.details["field"] == "amount"


@given(st.integers(min_value=0, max_value=10**15), st.sampled_from(["INR", "JPY", "BHD", "USD"]))
def test_json_number_is_exact(minor: int, currency: str) -> None:
    literal = json_number(minor, currency)
    assert "e" not in literal.lower()
    assert json.loads(literal, parse_float=Decimal, parse_int=Decimal) == from_minor(minor, currency)


@signing
@given(
    order_minor=minor_amounts,
    balance_minor=st.integers(min_value=-10, max_value=MAX_MINOR),
    description=st.text(
        alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), min_size=1, max_size=255
    ),
)
def test_signed_payload_properties(
    pem_signer: PemSigner, order_minor: int, balance_minor: int, description: str
) -> None:
    """Any order and wallet: exact amounts, min(balance, order) offered, signed bytes == sent bytes."""
    request = parse_process_request(body(str(from_minor(order_minor, "INR")), description=description))
    offer = offer_wallet(
        payment_method="JUSPAY_WALLET",
        display_name="Juspay Wallet",
        balance_minor=balance_minor,
        order_amount_minor=order_minor,
    )
    signed: list[bytes] = []

    class Recorder:
        key_id = pem_signer.key_id

        def sign(self, message: bytes) -> bytes:
            signed.append(message)
            return pem_signer.sign(message)

        def public_key_pem(self) -> bytes:
            return pem_signer.public_key_pem()

    result = build_process_payload(
        request,
        signer=Recorder(),
        merchant_id="m1",
        client_id="c1",
        clock=FIXED_CLOCK,
        request_id_factory=lambda: "r",
        wallet_offer=offer,
    )
    order_details = result.payload["payload"]["orderDetails"]
    assert signed == [order_details.encode("utf-8")]
    details = json.loads(order_details)
    assert details["description"] == description
    assert details["amount"] == result.payload["payload"]["amount"] == str(from_minor(order_minor, "INR"))
    assert Decimal(details["amount"]) * 100 == order_minor
    assert details["timestamp"] == "1709251199999"

    expected_share = max(0, min(balance_minor, order_minor))
    assert result.order.amount_minor == order_minor
    assert result.order.wallet_offered_minor == expected_share
    if expected_share == 0:
        assert MERCHANT_CONTAINER_LIST_KEY not in details
    else:
        (entry,) = json.loads(details[MERCHANT_CONTAINER_LIST_KEY], parse_float=Decimal, parse_int=Decimal)
        assert entry["eligible_amount"] == from_minor(expected_share, "INR")
        assert entry["balance_amount"] == from_minor(balance_minor, "INR")
