"""KmsSigner against moto's KMS and PemSigner with a key read from moto's Secrets Manager.

Every signature is checked with a public key obtained independently of the signer under test (KMS's
GetPublicKey, or the locally generated key) through ``cryptography``.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest
from botocore.exceptions import ClientError
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from paybridge.logic.sdk_payloads import MERCHANT_CONTAINER_LIST_KEY, build_process_payload, offer_wallet
from paybridge.models.sdk import parse_process_request
from paybridge.signer import KmsSigner, PemSigner, Signer


def kms_public_key(kms: Any, key_id: str) -> rsa.RSAPublicKey:
    """The public key straight from KMS (DER SubjectPublicKeyInfo), not through the signer."""
    key = serialization.load_der_public_key(kms.get_public_key(KeyId=key_id)["PublicKey"])
    assert isinstance(key, rsa.RSAPublicKey)
    return key


def assert_valid(public_key: rsa.RSAPublicKey, message: bytes, signature: bytes) -> None:
    public_key.verify(signature, message, padding.PKCS1v15(), hashes.SHA256())


def signed_order(signer: Signer, clock: Callable[[], datetime]) -> tuple[str, str, int]:
    request = parse_process_request(
        {"order_id": "ORD20240621A", "amount": "1230.00", "customer_id": "customer100", "udf1": "Star50 ₹"}
    )
    offer = offer_wallet(
        payment_method="JUSPAY_WALLET",
        display_name="Juspay Wallet",
        balance_minor=12300,
        order_amount_minor=123000,
    )
    result = build_process_payload(
        request,
        signer=signer,
        merchant_id="Merchant",
        client_id="test",
        clock=clock,
        request_id_factory=lambda: "1112345575790-0088665",
        wallet_offer=offer,
    )
    inner = result.payload["payload"]
    assert MERCHANT_CONTAINER_LIST_KEY in json.loads(inner["orderDetails"])
    return inner["orderDetails"], inner["signature"], result.order.wallet_offered_minor


# --- KMS -------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("key_ref", ["arn", "alias/paybridge-sdk-signing"])
def test_kms_signature_verifies_with_kms_public_key(kms: Any, signing_key_arn: str, key_ref: str) -> None:
    signer = KmsSigner(kms, signing_key_arn if key_ref == "arn" else key_ref, "merchant-key-7")
    message = '{"order_id":"ORD1","amount":"1.00","customer_id":"c ₹"}'.encode()
    signature = signer.sign(message)
    public_key = kms_public_key(kms, signing_key_arn)
    assert public_key.key_size == 2048
    assert_valid(public_key, message, signature)
    with pytest.raises(InvalidSignature):
        assert_valid(public_key, message.replace(b"1.00", b"9.00"), signature)
    # KMS itself agrees.
    verdict = kms.verify(
        KeyId=signing_key_arn,
        Message=message,
        MessageType="RAW",
        Signature=signature,
        SigningAlgorithm="RSASSA_PKCS1_V1_5_SHA_256",
    )
    assert verdict["SignatureValid"] is True


def test_kms_public_key_pem_is_the_kms_key(kms: Any, signing_key_arn: str) -> None:
    signer = KmsSigner(kms, "alias/paybridge-sdk-signing", "merchant-key-7")
    pem = signer.public_key_pem()
    assert pem.startswith(b"-----BEGIN PUBLIC KEY-----\n")
    expected = kms_public_key(kms, signing_key_arn).public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    assert pem == expected


def test_process_payload_signed_in_kms_verifies(
    kms: Any, signing_key_arn: str, clock: Callable[[], datetime]
) -> None:
    signer = KmsSigner(kms, signing_key_arn, "merchant-key-7")
    order_details, signature_b64, wallet_share = signed_order(signer, clock)
    assert wallet_share == 12300
    assert_valid(
        kms_public_key(kms, signing_key_arn), order_details.encode("utf-8"), base64.b64decode(signature_b64)
    )


def test_kms_key_for_encryption_is_refused(kms: Any) -> None:
    key_id = kms.create_key(KeySpec="RSA_2048", KeyUsage="ENCRYPT_DECRYPT")["KeyMetadata"]["KeyId"]
    signer = KmsSigner(kms, key_id, "merchant-key-7")
    with pytest.raises(ValueError, match="SIGN_VERIFY"):
        signer.public_key_pem()
    with pytest.raises(ClientError):
        signer.sign(b"message")


def test_kms_errors_propagate(kms: Any, signing_key_arn: str) -> None:
    signer = KmsSigner(kms, "alias/not-created", "merchant-key-7")
    calls: list[Callable[[], bytes]] = [lambda: signer.sign(b"message"), signer.public_key_pem]
    for call in calls:
        with pytest.raises(ClientError) as caught:
            call()
        assert caught.value.response["Error"]["Code"] == "NotFoundException"


# --- Secrets Manager + PEM -------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def local_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def pem_text(key: rsa.RSAPrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    ).decode()


@pytest.mark.parametrize("form", ["pem", "json", "binary"])
def test_pem_signer_from_secrets_manager(
    secretsmanager: Any, local_key: rsa.RSAPrivateKey, clock: Callable[[], datetime], form: str
) -> None:
    pem = pem_text(local_key)
    if form == "pem":
        secretsmanager.create_secret(Name="paybridge/sdk-signing-key", SecretString=pem)
    elif form == "json":
        secretsmanager.create_secret(
            Name="paybridge/sdk-signing-key", SecretString=json.dumps({"private_key": pem})
        )
    else:
        secretsmanager.create_secret(Name="paybridge/sdk-signing-key", SecretBinary=pem.encode())

    signer = PemSigner.from_secrets_manager(secretsmanager, "paybridge/sdk-signing-key", "12323")
    assert signer.key_id == "12323"
    order_details, signature_b64, _ = signed_order(signer, clock)
    assert_valid(local_key.public_key(), order_details.encode("utf-8"), base64.b64decode(signature_b64))
    assert "BEGIN" not in repr(signer)


def test_missing_secret_propagates(secretsmanager: Any) -> None:
    with pytest.raises(ClientError) as caught:
        PemSigner.from_secrets_manager(secretsmanager, "paybridge/absent", "12323")
    assert caught.value.response["Error"]["Code"] == "ResourceNotFoundException"


def test_kms_and_pem_signers_agree_for_the_same_key(
    kms: Any, signing_key_arn: str, local_key: rsa.RSAPrivateKey
) -> None:
    """Both implementations produce PKCS#1 v1.5 signatures: each verifies under its own public key only."""
    message = b'{"order_id":"X1"}'
    kms_signature = KmsSigner(kms, signing_key_arn, "k").sign(message)
    pem_signature = PemSigner(pem_text(local_key).encode(), "k").sign(message)
    assert len(kms_signature) == len(pem_signature) == 256
    assert_valid(kms_public_key(kms, signing_key_arn), message, kms_signature)
    assert_valid(local_key.public_key(), message, pem_signature)
    with pytest.raises(InvalidSignature):
        assert_valid(local_key.public_key(), message, kms_signature)
