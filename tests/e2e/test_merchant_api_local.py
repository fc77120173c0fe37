"""The merchant API over real HTTP on the local stack: SigV4 required, signing, orders, mandates."""

from __future__ import annotations

import base64
import json
from typing import Any

import boto3
import pytest
import requests
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from tests.e2e.support import call
from tests.helpers import load_sample

pytestmark = pytest.mark.e2e


def test_unsigned_and_wrongly_signed_calls_get_403(local: dict[str, Any]) -> None:
    api = local["outputs"]["urls"]["api"]
    unsigned = requests.get(f"{api}/orders/ord1", timeout=10)
    assert unsigned.status_code == 403
    assert unsigned.json() == {"message": "Missing Authentication Token"}
    forged = requests.get(
        f"{api}/orders/ord1",
        headers={
            "Authorization": "AWS4-HMAC-SHA256 Credential=testing/20260101/ap-south-1/execute-api/"
            "aws4_request, SignedHeaders=host;x-amz-date, Signature=" + "0" * 64,
            "X-Amz-Date": "20260101T000000Z",
        },
        timeout=10,
    )
    assert forged.status_code == 403


def test_process_payload_is_signed_with_the_local_kms_key(local: dict[str, Any]) -> None:
    body = {"order_id": "e2eSign1", "amount": "99.50", "currency": "INR", "customer_id": "e2e-signer"}
    response = call(local, "POST", "/sdk/process", body)

    assert response.status_code == 200, response.text
    inner = response.json()["payload"]
    key_arn = local["outputs"]["resources"]["SdkSigningKey"]["Arn"]
    der = boto3.client("kms", **local["aws"]).get_public_key(KeyId=key_arn)["PublicKey"]
    public_key = serialization.load_der_public_key(der)
    assert isinstance(public_key, rsa.RSAPublicKey)
    public_key.verify(
        base64.b64decode(inner["signature"]),
        inner["orderDetails"].encode(),
        padding.PKCS1v15(),
        hashes.SHA256(),
    )
    assert json.loads(inner["orderDetails"])["amount"] == "99.50"


def test_order_status_and_refund_through_the_simulator(local: dict[str, Any]) -> None:
    sim = local["outputs"]["urls"]["juspay"]
    order = load_sample("order_status_charged_nb.json")
    # Signed here first, so the system knows the order's customer (Juspay's x-routing-id for its calls).
    terms = {"order_id": order["order_id"], "amount": "9000.00", "customer_id": order["customer_id"]}
    assert call(local, "POST", "/sdk/process", terms).status_code == 200
    requests.put(f"{sim}/__sim/orders/{order['order_id']}", json=order, timeout=10).raise_for_status()

    status = call(local, "GET", f"/orders/{order['order_id']}")
    refund = call(
        local, "POST", f"/orders/{order['order_id']}/refunds", {"amount": "5.00", "idempotency_key": "e2e-r1"}
    )
    again = call(
        local, "POST", f"/orders/{order['order_id']}/refunds", {"amount": "5.00", "idempotency_key": "e2e-r1"}
    )

    assert status.status_code == 200
    assert status.json()["order"]["status"] == "CHARGED"
    assert (refund.status_code, again.status_code) == (201, 200)
    refund_calls = [
        r for r in requests.get(f"{sim}/__sim/requests", timeout=10).json() if r["path"].endswith("/refunds")
    ]
    assert len(refund_calls) == 1


def test_mandates_list_and_revoke_against_the_simulator(local: dict[str, Any]) -> None:
    sim = local["outputs"]["urls"]["juspay"]
    mandate = {"status": "ACTIVE", "customer_id": "e2e-mandates", "max_amount": 500}
    requests.put(f"{sim}/__sim/mandates/e2eMandate1", json=mandate, timeout=10).raise_for_status()

    listed = call(local, "GET", "/customers/e2e-mandates/mandates")
    revoked = call(local, "POST", "/mandates/e2eMandate1/revoke")
    checked = call(local, "GET", "/mandates/e2eMandate1")

    assert [m["mandate_id"] for m in listed.json()["mandates"]] == ["e2eMandate1"]
    assert revoked.json()["status"] == "REVOKED"
    assert checked.json()["status"] == "REVOKED"
