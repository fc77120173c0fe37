"""The simulator's encrypted (v4) endpoints over raw HTTP: both body forms, the key registry, and refusals.

Requests are built here with joserfc directly (not the product's code), as a merchant following Juspay's
guide would, so the simulator is checked against the format rather than against the client.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
import requests
from joserfc import jwe, jws
from joserfc.jwk import RSAKey

from paybridge_local.simulator import JuspaySimulator
from tests.juspay_helpers import MERCHANT_ID, SimControl

SPLIT = "order_status_split_partial_charged_custom_wallet.json"
ORDER = "testing-order-147"
FIELDS = ("header", "encryptedKey", "iv", "encryptedPayload", "tag")
REGISTRY = jwe.JWERegistry(algorithms=["RSA-OAEP-256", "RSA-OAEP", "A256GCM"])


@pytest.fixture(scope="module")
def merchant() -> RSAKey:
    return RSAKey.generate_key(2048)


@pytest.fixture
def juspay_public(sim: JuspaySimulator, merchant: RSAKey) -> RSAKey:
    """Registers the merchant's public key as the dashboard would; returns Juspay's public key."""
    response = requests.post(
        f"{sim.url}/__sim/jwe/keys",
        json={"key_id": "kid-1", "merchant_public_key": merchant.as_pem(private=False).decode()},
        timeout=5,
    )
    assert response.status_code == 201, response.text
    assert response.json()["key_id"] == "kid-1"
    return RSAKey.import_key(response.json()["juspay_public_key"])


def seal(
    claims: dict[str, Any],
    signer: RSAKey,
    recipient: RSAKey,
    *,
    alg: str = "RSA-OAEP-256",
    kid: str = "kid-1",
) -> str:
    signed = jws.serialize_compact({"alg": "RS256", "kid": kid}, json.dumps(claims).encode(), signer)
    inner = json.dumps(dict(zip(("header", "payload", "signature"), signed.split("."), strict=True)))
    return jwe.encrypt_compact(
        {"alg": alg, "enc": "A256GCM", "cty": "JWT", "kid": kid}, inner.encode(), recipient, registry=REGISTRY
    )


def post(
    sim: JuspaySimulator, path: str, body: Any, *, method: str = "POST", merchant_id: str = MERCHANT_ID
) -> requests.Response:
    return requests.request(
        method,
        sim.url + path,
        data=json.dumps(body),
        headers={
            "Content-Type": "application/json",
            "x-merchantid": merchant_id,
            "x-routing-id": "testing-customer-two",
        },
        timeout=5,
    )


def open_answer(body: dict[str, Any], merchant: RSAKey, juspay_public: RSAKey) -> Any:
    compact = body["JWT"] if "JWT" in body else ".".join(body[name] for name in FIELDS)
    decrypted = jwe.decrypt_compact(compact, merchant, registry=REGISTRY)
    assert decrypted.protected["kid"] == "kid-1"
    assert decrypted.plaintext is not None
    inner = json.loads(decrypted.plaintext)
    signed = ".".join(inner[name] for name in ("header", "payload", "signature"))
    return json.loads(jws.deserialize_compact(signed, juspay_public, algorithms=["RS256"]).payload)


def test_order_status_in_the_compact_jwt_form_answers_in_that_form(
    sim: JuspaySimulator, control: SimControl, merchant: RSAKey, juspay_public: RSAKey
) -> None:
    control.put_sample(SPLIT)
    # Juspay's api-reference sample: {"JWT": "<compact>"}; its Node SDK's older RSA-OAEP is accepted too.
    response = post(
        sim, "/v4/order-status", {"JWT": seal({"order_id": ORDER}, merchant, juspay_public, alg="RSA-OAEP")}
    )
    assert response.status_code == 200, response.text
    assert list(response.json()) == ["JWT"]
    order = open_answer(response.json(), merchant, juspay_public)
    assert order == requests.get(f"{sim.url}/__sim/orders/{ORDER}", timeout=5).json()


def test_order_status_by_get_with_a_split_body_as_the_hdfc_sample_sends_it(
    sim: JuspaySimulator, control: SimControl, merchant: RSAKey, juspay_public: RSAKey
) -> None:
    control.put_sample(SPLIT)
    split = dict(zip(FIELDS, seal({"order_id": ORDER}, merchant, juspay_public).split("."), strict=True))
    response = post(sim, "/v4/order-status", split, method="GET")
    assert response.status_code == 200, response.text
    assert sorted(response.json()) == sorted(FIELDS)
    assert open_answer(response.json(), merchant, juspay_public)["status"] == "PARTIAL_CHARGED"


def test_a_refused_refund_is_answered_encrypted_with_the_plain_apis_envelope(
    sim: JuspaySimulator, control: SimControl, merchant: RSAKey, juspay_public: RSAKey
) -> None:
    control.put_sample(SPLIT)
    claims = {"unique_request_id": "rf-1", "amount": "999.00"}
    response = post(sim, f"/v4/orders/{ORDER}/refunds", {"JWT": seal(claims, merchant, juspay_public)})
    assert response.status_code == 400
    assert open_answer(response.json(), merchant, juspay_public)["error_code"] == "invalid.amount.exceeded"


def test_requests_that_cannot_be_authenticated_get_a_plain_401(
    sim: JuspaySimulator, control: SimControl, merchant: RSAKey, juspay_public: RSAKey
) -> None:
    control.put_sample(SPLIT)
    stranger = RSAKey.generate_key(2048)
    cases = {
        "signed by another key": seal({"order_id": ORDER}, stranger, juspay_public),
        "encrypted to another key": seal({"order_id": ORDER}, merchant, stranger),
        "unknown key id": seal({"order_id": ORDER}, merchant, juspay_public, kid="kid-9"),
    }
    for case, token in cases.items():
        response = post(sim, "/v4/order-status", {"JWT": token})
        assert response.status_code == 401, case
        assert response.json()["error_code"] == "access_denied", case
    good = {"JWT": seal({"order_id": ORDER}, merchant, juspay_public)}
    assert post(sim, "/v4/order-status", good, merchant_id="someone_else").status_code == 401
    # A changed byte of the ciphertext.
    header, key, iv, payload, tag = good["JWT"].split(".")
    flipped = payload[:-2] + ("A" if payload[-2] != "A" else "B") + payload[-1]
    assert (
        post(sim, "/v4/order-status", {"JWT": ".".join((header, key, iv, flipped, tag))}).status_code == 401
    )
    # Retired in the dashboard: the same request is no longer accepted.
    assert requests.delete(f"{sim.url}/__sim/jwe/keys/kid-1", timeout=5).status_code == 200
    assert post(sim, "/v4/order-status", good).status_code == 401
    assert requests.get(f"{sim.url}/__sim/jwe/keys", timeout=5).json() == []


@pytest.mark.parametrize("body", [{"order_id": ORDER}, {"JWT": "a.b"}, {"header": "x"}, "text"])
def test_a_body_that_is_not_a_jwe_is_a_400(sim: JuspaySimulator, body: Any) -> None:
    response = post(sim, "/v4/order-status", body)
    assert response.status_code == 400
    assert response.json()["error_code"] == "invalid_request"


def test_unknown_v4_paths_and_methods(sim: JuspaySimulator) -> None:
    assert post(sim, "/v4/orders/x", {}).status_code == 404
    assert post(sim, f"/v4/orders/{ORDER}/refunds", {}, method="GET").status_code == 405
    log = requests.get(f"{sim.url}/__sim/requests", timeout=5).json()
    assert [(r["method"], r["path"]) for r in log] == [
        ("POST", "/v4/orders/x"),
        ("GET", f"/v4/orders/{ORDER}/refunds"),
    ]
