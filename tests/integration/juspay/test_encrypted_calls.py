"""Encrypted Order Status and order refunds (``api_mode="encrypted"``) against the simulator over HTTP:
the same answers as the plain API, the v4 paths on the wire, errors mapped to the same classes, and a key
rotated in Secrets Manager used without a redeploy."""

from __future__ import annotations

import json
import time
from decimal import Decimal
from typing import Any

import boto3
import pytest
import requests
from aws_lambda_powertools.utilities import parameters
from moto import mock_aws

from paybridge.errors import (
    JuspayAuthenticationError,
    JuspayBadRequestError,
    JuspayError,
    JuspayNotFoundError,
    JuspayUnavailableError,
)
from paybridge.juspay import JuspayClient
from paybridge.juspay.factory import juspay_client
from paybridge.juspay.jwe import parse_jwe_keys
from paybridge.settings.orders import GetOrderSettings
from paybridge_local.jwe_keys import LocalJweKeys, local_jwe_keys, register_with
from paybridge_local.simulator import JuspaySimulator
from tests.juspay_helpers import API_KEY, MERCHANT_ID, SimControl, make_client

SPLIT = "order_status_split_partial_charged_custom_wallet.json"
ORDER, CUSTOMER = "testing-order-147", "testing-customer-two"
D = Decimal


def secret_for(keys: LocalJweKeys) -> str:
    return json.dumps({"api_key": API_KEY, **keys.secret_fields()})


@pytest.fixture
def encrypted(sim: JuspaySimulator) -> JuspayClient:
    """A client in encrypted mode whose key pair the simulator knows."""
    register_with(sim)
    return make_client(sim.url, api_mode="encrypted", jwe_keys=parse_jwe_keys(secret_for(local_jwe_keys())))


def jwe_calls(sim: JuspaySimulator) -> list[dict[str, Any]]:
    body: list[dict[str, Any]] = requests.get(f"{sim.url}/__sim/jwe/calls", timeout=5).json()
    return body


def test_order_status_goes_encrypted_and_reads_as_the_plain_call(
    encrypted: JuspayClient, client: JuspayClient, control: SimControl, sim: JuspaySimulator
) -> None:
    control.put_sample(SPLIT)
    order = encrypted.get_order_status(ORDER, customer_id=CUSTOMER)
    assert order == client.get_order_status(ORDER, customer_id=CUSTOMER)
    assert (order.status, order.amount) == ("PARTIAL_CHARGED", D(50))
    first, _plain = control.requests_log()
    assert (first["method"], first["path"]) == ("POST", "/v4/order-status")
    assert first["headers"]["x-routing-id"] == CUSTOMER
    # On the wire only the split JWE: the order id travels inside it.
    assert sorted(first["json"]) == ["encryptedKey", "encryptedPayload", "header", "iv", "tag"]
    assert ORDER not in json.dumps(first["json"])
    [call] = jwe_calls(sim)
    assert call == {
        "method": "POST",
        "path": "/v4/order-status",
        "key_id": "local-jwt-key",
        "form": "split",
        "inner_method": "GET",
        "inner_path": f"/orders/{ORDER}",
        "status": 200,
    }


def test_an_order_refund_goes_encrypted_and_a_repeat_is_the_same_refund(
    encrypted: JuspayClient, control: SimControl, sim: JuspaySimulator
) -> None:
    control.put_sample(SPLIT)
    first = encrypted.refund_order(
        ORDER, unique_request_id="rf-enc-1", amount=D("10.00"), customer_id=CUSTOMER
    )
    again = encrypted.refund_order(
        ORDER, unique_request_id="rf-enc-1", amount=D("10.00"), customer_id=CUSTOMER
    )
    assert [(r.unique_request_id, r.status, r.amount) for r in first.refunds] == [
        ("rf-enc-1", "PENDING", D(10))
    ]
    assert again.refunds == first.refunds
    paths = [(r["method"], r["path"]) for r in control.requests_log()]
    assert paths == [("POST", f"/v4/orders/{ORDER}/refunds")] * 2
    assert [c["inner_path"] for c in jwe_calls(sim)] == [f"/orders/{ORDER}/refunds"] * 2
    # Juspay documents no encrypted Txn-ID refund: that one stays on the Basic-auth API.
    txn = first.transactions()[0].txn_id
    assert txn is not None
    encrypted.refund_txn(
        txn, unique_request_id="rf-enc-2", amount=D("1.00"), customer_id=CUSTOMER, order_id=ORDER
    )
    assert control.requests_log()[-1]["path"] == "/refunds"


def test_refusals_map_to_the_plain_api_error_classes(
    encrypted: JuspayClient, control: SimControl, sim: JuspaySimulator
) -> None:
    control.put_sample(SPLIT)
    with pytest.raises(JuspayNotFoundError):
        encrypted.get_order_status("no-such-order", customer_id=CUSTOMER)
    with pytest.raises(JuspayBadRequestError) as refused:
        encrypted.refund_order(ORDER, unique_request_id="rf-big", amount=D("999.00"), customer_id=CUSTOMER)
    assert refused.value.error_code == "invalid.amount.exceeded"
    control.fault(path="/v4/order-status", status=503, times=5)
    with pytest.raises(JuspayUnavailableError):
        encrypted.get_order_status(ORDER, customer_id=CUSTOMER)
    # Juspay no longer knows the key pair (retired in its dashboard): a plain 401.
    assert requests.delete(f"{sim.url}/__sim/jwe/keys/local-jwt-key", timeout=5).status_code == 200
    with pytest.raises(JuspayAuthenticationError):
        encrypted.get_order_status(ORDER, customer_id=CUSTOMER)


def test_an_answer_not_sealed_by_juspay_is_refused(encrypted: JuspayClient, control: SimControl) -> None:
    control.put_sample(SPLIT)
    # Something between us and Juspay answers 200 with a plain order: it is not taken as Juspay's word.
    control.fault(path="/v4/order-status", status=200, body={"order_id": ORDER, "status": "CHARGED"}, times=1)
    with pytest.raises(JuspayError, match="could not be decrypted and verified") as raised:
        encrypted.get_order_status(ORDER, customer_id=CUSTOMER)
    assert type(raised.value) is JuspayError


def test_a_request_signed_with_a_key_juspay_does_not_hold_is_refused(
    sim: JuspaySimulator, control: SimControl
) -> None:
    control.put_sample(SPLIT)
    # The simulator knows key-pair "local-jwt-key" with other halves than this client signs with.
    mine, theirs = local_jwe_keys("rotated-a"), local_jwe_keys("rotated-b")
    sim.jwe.register(mine.key_id, theirs.merchant_public_pem, mine.juspay_private_pem)
    client = make_client(sim.url, api_mode="encrypted", jwe_keys=parse_jwe_keys(secret_for(mine)))
    with pytest.raises(JuspayAuthenticationError):
        client.get_order_status(ORDER, customer_id=CUSTOMER)


def test_a_key_rotated_in_the_secret_is_used_once_the_cached_value_expires(
    sim: JuspaySimulator, control: SimControl
) -> None:
    control.put_sample(SPLIT)
    old, new = local_jwe_keys("key-2026-q3"), local_jwe_keys("key-2026-q4")
    register_with(sim, old)
    parameters.clear_caches()
    with mock_aws():
        secrets = boto3.client("secretsmanager", region_name="ap-south-1")
        arn = secrets.create_secret(Name="juspay-api-key", SecretString=secret_for(old))["ARN"]
        settings = GetOrderSettings.from_env(
            {
                "ORDERS_TABLE": "orders",
                "SECRET_MAX_AGE_SECONDS": "1",
                "JUSPAY_BASE_URL": sim.url,
                "JUSPAY_MERCHANT_ID": MERCHANT_ID,
                "JUSPAY_API_KEY_SECRET_NAME": arn,
                "JUSPAY_API_MODE": "encrypted",
                "JUSPAY_MAX_RETRIES": "0",
            }
        )
        assert (
            juspay_client(settings).get_order_status(ORDER, customer_id=CUSTOMER).status == "PARTIAL_CHARGED"
        )
        # The merchant adds the new pair in Juspay's dashboard, then puts it in the secret. No deploy.
        register_with(sim, new)
        secrets.put_secret_value(SecretId=arn, SecretString=secret_for(new))
        juspay_client(settings).get_order_status(ORDER, customer_id=CUSTOMER)  # cached: still the old key
        time.sleep(1.1)
        # Juspay retires the old pair: the next call after the cache expired must already use the new one.
        requests.delete(f"{sim.url}/__sim/jwe/keys/{old.key_id}", timeout=5).raise_for_status()
        assert (
            juspay_client(settings).get_order_status(ORDER, customer_id=CUSTOMER).status == "PARTIAL_CHARGED"
        )
    parameters.clear_caches()
    assert [c["key_id"] for c in jwe_calls(sim)] == [old.key_id, old.key_id, new.key_id]
