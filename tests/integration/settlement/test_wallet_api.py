"""The merchant wallet API through the local API Gateway: SigV4 (AWS_IAM) checked, real handlers, moto."""

from __future__ import annotations

import json
from typing import Any

import pytest

from paybridge_local.api_gateway import LocalApiGateway
from paybridge_local.stack import LocalStack
from tests.helpers import EVENTS, http
from tests.integration.settlement.conftest import credit, signed, signed_headers


def test_first_credit_creates_the_wallet_and_a_replay_answers_the_same_entry(
    gateway: LocalApiGateway,
) -> None:
    first = credit(gateway, "cust-1", "100.00", "topup-1")
    replay = credit(gateway, "cust-1", "100.00", "topup-1")

    assert first.status_code == 201, first.get_data(as_text=True)
    assert first.json["status"] == "CREDITED"
    assert first.json["balance"] == "100.00"
    assert replay.status_code == 200
    assert replay.json["status"] == "ALREADY_DONE"
    assert replay.json["entry"] == first.json["entry"]
    assert replay.json["balance"] == "100.00"


def test_wallet_lists_entries_newest_first_with_major_unit_strings(gateway: LocalApiGateway) -> None:
    for key, amount in (("a", "100"), ("b", "0.50"), ("c", "12.34")):
        assert credit(gateway, "cust-2", amount, key).status_code == 201

    response = signed(gateway, "GET", "/wallets/cust-2")

    assert response.status_code == 200
    body = response.json
    assert (body["customer_id"], body["currency"], body["balance"], body["status"]) == (
        "cust-2",
        "INR",
        "112.84",
        "ACTIVE",
    )
    assert [(e["seq"], e["type"], e["amount"], e["reference"]) for e in body["entries"]] == [
        (3, "CREDIT", "12.34", "c"),
        (2, "CREDIT", "0.50", "b"),
        (1, "CREDIT", "100.00", "a"),
    ]
    assert [e["balance_after"] for e in body["entries"]] == ["112.84", "100.50", "100.00"]
    assert all(e["order_id"] is None and e["created_at"] for e in body["entries"])


def test_missing_wallet_is_404(gateway: LocalApiGateway) -> None:
    response = signed(gateway, "GET", "/wallets/nobody")
    assert response.status_code == 404
    assert response.json["error"] == "not_found"


def test_same_key_with_another_amount_is_409(gateway: LocalApiGateway) -> None:
    assert credit(gateway, "cust-3", "10.00", "k").status_code == 201
    response = credit(gateway, "cust-3", "10.01", "k")
    assert response.status_code == 409
    assert response.json["details"] == {"field": "idempotency_key"}


def test_currency_is_fixed_by_the_first_credit(gateway: LocalApiGateway) -> None:
    assert credit(gateway, "cust-4", "10.00", "k1").status_code == 201
    response = credit(gateway, "cust-4", "10.00", "k2", currency="USD")
    assert response.status_code == 422
    assert response.json["details"] == {"field": "currency"}


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({"currency": "INR", "idempotency_key": "k"}, 400, "amount"),
        ({"amount": True, "currency": "INR", "idempotency_key": "k"}, 400, "amount"),
        ({"amount": "1e3", "currency": "INR", "idempotency_key": "k"}, 422, "amount"),
        ({"amount": " 5.00 ", "currency": "INR", "idempotency_key": "k"}, 422, "amount"),
        ({"amount": "\u0665.\u0660\u0660", "currency": "INR", "idempotency_key": "k"}, 422, "amount"),
        ({"amount": "1", "currency": "INR", "idempotency_key": "k", "note": "x"}, 400, "note"),
        ({"amount": "10", "idempotency_key": "k"}, 400, "currency"),
        ({"amount": "10", "currency": "INR"}, 400, "idempotency_key"),
        ({"amount": "-1", "currency": "INR", "idempotency_key": "k"}, 422, "amount"),
        ({"amount": "0", "currency": "INR", "idempotency_key": "k"}, 422, "amount"),
        ({"amount": "1.001", "currency": "INR", "idempotency_key": "k"}, 422, "amount"),
        ({"amount": "ten", "currency": "INR", "idempotency_key": "k"}, 422, "amount"),
        ({"amount": "NaN", "currency": "INR", "idempotency_key": "k"}, 422, "amount"),
        ({"amount": "99999999999", "currency": "INR", "idempotency_key": "k"}, 422, "amount"),
        ({"amount": "1", "currency": "inr", "idempotency_key": "k"}, 422, "currency"),
        ({"amount": "1", "currency": "RUPEE", "idempotency_key": "k"}, 422, "currency"),
        ({"amount": "1", "currency": "INR", "idempotency_key": ""}, 422, "idempotency_key"),
        ({"amount": "1", "currency": "INR", "idempotency_key": "x" * 65}, 422, "idempotency_key"),
        ({"amount": "1", "currency": "INR", "idempotency_key": "a b"}, 422, "idempotency_key"),
    ],
)
def test_invalid_credit_bodies_name_the_field(
    gateway: LocalApiGateway, body: dict[str, Any], status: int, field: str
) -> None:
    response = signed(gateway, "POST", "/wallets/cust-5/credits", body)
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.json["details"]["field"] == field
    assert signed(gateway, "GET", "/wallets/cust-5").status_code == 404


@pytest.mark.parametrize("raw", [b"not json", b"[1]", b"\xff"])
def test_unparseable_body_is_400(gateway: LocalApiGateway, raw: bytes) -> None:
    response = signed(gateway, "POST", "/wallets/cust-6/credits", raw)
    assert response.status_code == 400
    assert response.json["error"] == "bad_request"


def test_bad_customer_id_is_400(gateway: LocalApiGateway) -> None:
    response = signed(gateway, "GET", "/wallets/" + "x" * 129)
    assert response.status_code == 400
    assert response.json["details"]["field"] == "customer_id"


def test_unsigned_and_wrongly_signed_calls_are_403(gateway: LocalApiGateway) -> None:
    body = json.dumps({"amount": "1", "currency": "INR", "idempotency_key": "k"}).encode()
    unsigned = http(
        gateway, "POST", "/wallets/cust-7/credits", body=body, headers={"Content-Type": "application/json"}
    )
    wrong_secret = http(
        gateway,
        "POST",
        "/wallets/cust-7/credits",
        body=body,
        headers=signed_headers("POST", "/wallets/cust-7/credits", body, secret="not-the-secret"),
    )
    tampered = http(
        gateway,
        "POST",
        "/wallets/cust-7/credits",
        body=body.replace(b'"1"', b'"9"'),
        headers=signed_headers("POST", "/wallets/cust-7/credits", body),
    )
    unsigned_get = http(gateway, "GET", "/wallets/cust-7")

    assert [r.status_code for r in (unsigned, wrong_secret, tampered, unsigned_get)] == [403, 403, 403, 403]
    assert signed(gateway, "GET", "/wallets/cust-7").status_code == 404  # nothing was credited


def test_canned_wallet_api_events_run_through_the_handlers(stack: LocalStack) -> None:
    credit_event = json.loads((EVENTS / "api_credit_wallet.json").read_text())
    get_event = json.loads((EVENTS / "api_get_wallet.json").read_text())

    created = stack.runtime.invoke("CreditWalletFunction", credit_event)
    replayed = stack.runtime.invoke("CreditWalletFunction", credit_event)
    read = stack.runtime.invoke("GetWalletFunction", get_event)

    assert (created["statusCode"], replayed["statusCode"], read["statusCode"]) == (201, 200, 200)
    assert json.loads(read["body"])["balance"] == "100.00"
