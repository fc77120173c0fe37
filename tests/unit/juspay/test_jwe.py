"""The encrypted API's envelope (``paybridge.juspay.jwe``): round trips, tampering, wrong keys, secrets."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from joserfc.jwk import RSAKey
from pydantic import SecretStr

from paybridge.config import JuspayConfig
from paybridge.errors import ConfigurationError
from paybridge.juspay import JuspayClient
from paybridge.juspay.jwe import (
    JWE_FIELDS,
    JweKeys,
    open_envelope,
    open_response,
    parse_jwe_keys,
    seal_envelope,
    seal_request,
)
from paybridge.settings.groups import Juspay

CLAIMS = b'{"order_id":"ord-1","amount":"10.00"}'


@pytest.fixture(scope="module")
def merchant() -> RSAKey:
    return RSAKey.generate_key(2048)


@pytest.fixture(scope="module")
def juspay() -> RSAKey:
    return RSAKey.generate_key(2048)


@pytest.fixture(scope="module")
def stranger() -> RSAKey:
    return RSAKey.generate_key(2048)


def public(key: RSAKey) -> RSAKey:
    return RSAKey.import_key(key.as_pem(private=False))


@pytest.fixture(scope="module")
def keys(merchant: RSAKey, juspay: RSAKey) -> JweKeys:
    return JweKeys("key-1", merchant, public(juspay))


def as_body(envelope: dict[str, str]) -> bytes:
    return json.dumps(envelope).encode()


def header_of(segment: str) -> Any:
    return json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))


def juspay_answer(claims: bytes, juspay: RSAKey, merchant: RSAKey) -> dict[str, str]:
    """What Juspay sends back: signed with its key, encrypted to the merchant's."""
    return seal_envelope(claims, key_id="key-1", signing_key=juspay, recipient_key=public(merchant))


def test_a_request_is_signed_by_the_merchant_and_only_juspay_can_open_it(
    keys: JweKeys, merchant: RSAKey, juspay: RSAKey, stranger: RSAKey
) -> None:
    sealed = seal_request(CLAIMS, keys)
    assert sorted(sealed) == sorted(JWE_FIELDS)
    assert header_of(sealed["header"]) == {
        "alg": "RSA-OAEP-256",
        "enc": "A256GCM",
        "cty": "JWT",
        "kid": "key-1",
    }
    assert b"ord-1" not in as_body(sealed)
    # Juspay's side: its private key decrypts, the merchant's public key verifies.
    opened = open_envelope(as_body(sealed), decryption_key=juspay, verification_key=public(merchant))
    assert opened == CLAIMS
    with pytest.raises(ValueError, match="could not be decrypted"):
        open_envelope(as_body(sealed), decryption_key=stranger, verification_key=public(merchant))
    with pytest.raises(ValueError, match="signature did not verify"):
        open_envelope(as_body(sealed), decryption_key=juspay, verification_key=public(stranger))


def test_an_answer_opens_in_the_split_form_and_as_a_compact_jwt(
    keys: JweKeys, merchant: RSAKey, juspay: RSAKey
) -> None:
    answer = juspay_answer(b'{"status":"CHARGED"}', juspay, merchant)
    assert open_response(as_body(answer), keys) == b'{"status":"CHARGED"}'
    compact = ".".join(answer[name] for name in JWE_FIELDS)
    assert open_response(json.dumps({"JWT": compact}).encode(), keys) == b'{"status":"CHARGED"}'


def test_a_changed_byte_anywhere_is_refused(keys: JweKeys, merchant: RSAKey, juspay: RSAKey) -> None:
    answer = juspay_answer(b'{"status":"CHARGED"}', juspay, merchant)
    for name in ("encryptedPayload", "tag", "iv", "header"):
        tampered = dict(answer)
        value = tampered[name]
        tampered[name] = value[:-2] + ("A" if value[-2] != "A" else "B") + value[-1]
        with pytest.raises(ValueError, match="could not be decrypted"):
            open_response(as_body(tampered), keys)


def test_an_answer_signed_by_anyone_but_juspay_is_refused(
    keys: JweKeys, merchant: RSAKey, stranger: RSAKey
) -> None:
    # Encrypted to the merchant correctly, but signed with a key that is not Juspay's.
    forged = seal_envelope(
        b'{"status":"CHARGED"}', key_id="key-1", signing_key=stranger, recipient_key=public(merchant)
    )
    with pytest.raises(ValueError, match="signature did not verify"):
        open_response(as_body(forged), keys)


def test_an_answer_encrypted_to_another_key_is_refused(
    keys: JweKeys, juspay: RSAKey, stranger: RSAKey
) -> None:
    # E.g. after a rotation, encrypted to a merchant key this secret no longer holds.
    other = seal_envelope(b"{}", key_id="key-0", signing_key=juspay, recipient_key=public(stranger))
    with pytest.raises(ValueError, match="could not be decrypted"):
        open_response(as_body(other), keys)


@pytest.mark.parametrize("body", [b"", b"not json", b"{}", b'{"JWT": 5}', b'{"header": "a"}', b"[1]"])
def test_a_body_that_is_not_an_envelope_is_refused(keys: JweKeys, body: bytes) -> None:
    with pytest.raises(ValueError, match="not an encrypted body"):
        open_response(body, keys)


def secret(merchant: RSAKey, juspay: RSAKey, **changes: Any) -> str:
    document: dict[str, Any] = {
        "api_key": "k",
        "jwe_key_id": "key-1",
        "jwe_merchant_private_key": merchant.as_pem(private=True).decode(),
        "jwe_juspay_public_key": juspay.as_pem(private=False).decode(),
    }
    document.update(changes)
    return json.dumps({k: v for k, v in document.items() if v is not None})


def test_keys_are_read_from_the_api_key_secret(merchant: RSAKey, juspay: RSAKey) -> None:
    keys = parse_jwe_keys(secret(merchant, juspay))
    assert keys.key_id == "key-1"
    assert keys.merchant_private_key.is_private
    assert not keys.juspay_public_key.is_private
    # Neither key shows in a repr (a log line, a traceback).
    assert "BEGIN" not in repr(keys)
    assert "PRIVATE" not in repr(keys)
    sealed = seal_request(CLAIMS, keys)
    assert open_envelope(as_body(sealed), decryption_key=juspay, verification_key=public(merchant)) == CLAIMS


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"jwe_key_id": None}, "jwe_key_id is missing"),
        ({"jwe_key_id": " "}, "jwe_key_id is missing"),
        ({"jwe_merchant_private_key": None}, "jwe_merchant_private_key is missing"),
        ({"jwe_merchant_private_key": "-----BEGIN PRIVATE KEY-----\nsecretstuff\n"}, "not an RSA key"),
        ({"jwe_juspay_public_key": "secretstuff"}, "jwe_juspay_public_key is not an RSA key"),
    ],
)
def test_a_broken_secret_names_the_field_never_the_value(
    merchant: RSAKey, juspay: RSAKey, changes: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValueError, match=message) as raised:
        parse_jwe_keys(secret(merchant, juspay, **changes))
    assert "secretstuff" not in str(raised.value)
    assert "BEGIN" not in str(raised.value)


def test_a_public_key_where_the_private_key_belongs_is_refused(merchant: RSAKey, juspay: RSAKey) -> None:
    with pytest.raises(ValueError, match="must be a private key"):
        parse_jwe_keys(
            secret(merchant, juspay, jwe_merchant_private_key=merchant.as_pem(private=False).decode())
        )


def test_a_plain_api_key_secret_holds_no_jwe_keys() -> None:
    with pytest.raises(ValueError, match="must be JSON"):
        parse_jwe_keys("just-the-api-key")


def test_the_mode_comes_from_juspay_api_mode_and_nothing_else_is_accepted() -> None:
    secret = {"JUSPAY_API_KEY_SECRET_NAME": "juspay-api-key"}
    assert Juspay.from_env(secret).juspay_config().api_mode == "plain"
    assert Juspay.from_env({**secret, "JUSPAY_API_MODE": "Encrypted"}).juspay_config().api_mode == "encrypted"
    with pytest.raises(ConfigurationError) as wrong:
        Juspay.from_env({**secret, "JUSPAY_API_MODE": "jwe"})
    assert wrong.value.details == {"invalid": ["JUSPAY_API_MODE"]}


def test_an_encrypted_client_needs_its_keys(keys: JweKeys) -> None:
    config = JuspayConfig(merchant_id="m", api_mode="encrypted")
    with pytest.raises(ValueError, match="no JWE keys"):
        JuspayClient(config, SecretStr("k"))
    assert JuspayClient(config, SecretStr("k"), jwe_keys=keys) is not None
