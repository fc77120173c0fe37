"""POST /sdk/initiate and /sdk/process through the local API (IAM), signing with the template's KMS key."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from paybridge_local.api_gateway import LocalApiGateway
from paybridge_local.stack import LocalStack
from tests.helpers import http, signed


def kms_public_key(stack: LocalStack) -> rsa.RSAPublicKey:
    """The signing key's public half, read from KMS independently of the code under test."""
    der = stack.session.client("kms").get_public_key(KeyId=stack.output("SdkSigningKey", "Arn"))["PublicKey"]
    key = serialization.load_der_public_key(der)
    assert isinstance(key, rsa.RSAPublicKey)
    return key


def verify(stack: LocalStack, text: str, signature: str) -> None:
    kms_public_key(stack).verify(
        base64.b64decode(signature), text.encode("utf-8"), padding.PKCS1v15(), hashes.SHA256()
    )


def process_body(**overrides: Any) -> str:
    body = {"order_id": "ord42", "amount": "150.00", "currency": "INR", "customer_id": "cust42"}
    body.update(overrides)
    return json.dumps(body)


def test_initiate_payload_is_signed_with_the_kms_key(gateway: LocalApiGateway, stack: LocalStack) -> None:
    response = signed(gateway, "POST", "/sdk/initiate", json.dumps({"customer_id": "cust42"}))

    assert response.status_code == 200, response.get_data(as_text=True)
    payload = response.json["payload"]
    assert payload["action"] == "initiate"
    assert payload["merchantKeyId"] == "local-sdk-key"
    assert json.loads(payload["signaturePayload"])["customer_id"] == "cust42"
    verify(stack, payload["signaturePayload"], payload["signature"])


def test_process_payload_offers_the_wallet_and_records_the_order(
    gateway: LocalApiGateway, stack: LocalStack
) -> None:
    credit = signed(
        gateway,
        "POST",
        "/wallets/cust42/credits",
        json.dumps({"amount": "100.00", "currency": "INR", "idempotency_key": "top-up-1"}),
    )
    assert credit.status_code in (200, 201), credit.get_data(as_text=True)

    response = signed(gateway, "POST", "/sdk/process", process_body())

    assert response.status_code == 200, response.get_data(as_text=True)
    inner = response.json["payload"]
    verify(stack, inner["orderDetails"], inner["signature"])  # the exact string sent is what was signed
    details = json.loads(inner["orderDetails"])
    assert (details["order_id"], details["amount"], details["customer_id"]) == ("ord42", "150.00", "cust42")
    [offer] = json.loads(details["metadata.merchant_container_list"])
    assert offer["payment_method_type"] == "MERCHANT_CONTAINER"
    assert (str(offer["balance_amount"]), str(offer["eligible_amount"])) == ("100", "100")
    record = stack.session.client("dynamodb").get_item(
        TableName=stack.output("OrdersTable"), Key={"order_id": {"S": "ord42"}}
    )["Item"]
    assert record["signed_amount_minor"]["N"] == "15000"
    assert record["signed_wallet_offered_minor"]["N"] == "10000"
    assert record["signed_customer_id"]["S"] == "cust42"


def test_no_wallet_no_offer(gateway: LocalApiGateway) -> None:
    response = signed(gateway, "POST", "/sdk/process", process_body(order_id="ord43", customer_id="nowallet"))
    assert response.status_code == 200
    assert "metadata.merchant_container_list" not in json.loads(response.json["payload"]["orderDetails"])


def test_re_signing_same_terms_is_fine_other_terms_conflict(gateway: LocalApiGateway) -> None:
    assert signed(gateway, "POST", "/sdk/process", process_body(order_id="ord44")).status_code == 200
    assert signed(gateway, "POST", "/sdk/process", process_body(order_id="ord44")).status_code == 200
    changed = signed(gateway, "POST", "/sdk/process", process_body(order_id="ord44", amount="151.00"))
    assert changed.status_code == 409
    assert changed.json["details"] == {"field": "order_id"}


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        (process_body(order_id="has space"), 422, "order_id"),
        (process_body(order_id="a" * 65), 422, "order_id"),
        (process_body(amount="0"), 422, "amount"),
        (process_body(amount="1.005"), 422, "amount"),
        (process_body(currency="rupees"), 422, "currency"),
        (json.dumps({"order_id": "o1", "amount": "1.00"}), 400, "customer_id"),
        ("{not json", 400, None),
    ],
)
def test_bad_input_names_the_field(
    gateway: LocalApiGateway, body: str, status: int, field: str | None
) -> None:
    response = signed(gateway, "POST", "/sdk/process", body)
    assert response.status_code == status, response.get_data(as_text=True)
    if field:
        assert response.json["details"]["field"] == field


def test_unsigned_requests_are_refused(gateway: LocalApiGateway) -> None:
    assert http(gateway, "POST", "/sdk/process", body=process_body()).status_code == 403
    assert http(gateway, "POST", "/sdk/initiate", body="{}").status_code == 403
