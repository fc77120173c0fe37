"""PemSigner and KmsSigner (against an in-memory KMS that follows KMS's RAW/DIGEST semantics)."""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Callable
from typing import Any, cast

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa, utils

from paybridge.signer import KMS_RAW_MESSAGE_LIMIT, KmsSigner, PemSigner, Signer

Verify = Callable[[bytes, bytes, str], bool]


class FakeKms:
    """Stands in for a KMS client: RAW messages are hashed by "KMS", DIGEST messages are used as the hash.

    Like KMS it refuses RAW messages over 4096 bytes and digests of the wrong length, so a signer sending the
    wrong MessageType fails here (moto ignores MessageType, so only this fake checks the DIGEST path).
    """

    def __init__(
        self,
        key: rsa.RSAPrivateKey,
        *,
        key_usage: str = "SIGN_VERIFY",
        algorithms: tuple[str, ...] = ("RSASSA_PKCS1_V1_5_SHA_256", "RSASSA_PSS_SHA_256"),
        public_der: bytes | None = None,
    ) -> None:
        self.key = key
        self.key_usage = key_usage
        self.algorithms = list(algorithms)
        self.public_der = public_der or key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        self.sign_calls: list[dict[str, Any]] = []
        self.get_public_key_calls = 0

    def sign(self, *, KeyId: str, Message: bytes, MessageType: str, SigningAlgorithm: str) -> dict[str, Any]:
        self.sign_calls.append(
            {
                "KeyId": KeyId,
                "Message": Message,
                "MessageType": MessageType,
                "SigningAlgorithm": SigningAlgorithm,
            }
        )
        assert SigningAlgorithm == "RSASSA_PKCS1_V1_5_SHA_256"
        if MessageType == "RAW":
            assert len(Message) <= 4096, "KMS refuses RAW messages over 4096 bytes"
            signature = self.key.sign(Message, padding.PKCS1v15(), hashes.SHA256())
        else:
            assert MessageType == "DIGEST"
            assert len(Message) == 32, "a SHA-256 digest is 32 bytes"
            signature = self.key.sign(Message, padding.PKCS1v15(), utils.Prehashed(hashes.SHA256()))
        return {"KeyId": KeyId, "Signature": signature, "SigningAlgorithm": SigningAlgorithm}

    def get_public_key(self, *, KeyId: str) -> dict[str, Any]:
        self.get_public_key_calls += 1
        return {
            "KeyId": KeyId,
            "PublicKey": self.public_der,
            "KeyUsage": self.key_usage,
            "KeySpec": "RSA_2048",
            "SigningAlgorithms": self.algorithms,
        }


def kms_signer(fake: FakeKms, merchant_key_id: str = "kms-key-1") -> KmsSigner:
    return KmsSigner(cast(Any, fake), "alias/paybridge-sdk-signing", merchant_key_id)


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


# --- PemSigner -------------------------------------------------------------------------------------------
def test_pem_signer_signature_verifies_and_is_pkcs1v15_sha256(
    pem_signer: PemSigner, public_pem: bytes, verify: Verify
) -> None:
    message = '{"order_id":"R1","amount":"1.00","note":"₹ ü"}'.encode()
    signature = pem_signer.sign(message)
    assert len(signature) == 256  # 2048-bit key
    assert verify(public_pem, message, b64(signature))
    assert not verify(public_pem, message + b" ", b64(signature))
    assert pem_signer.sign(message) == signature  # PKCS#1 v1.5 is deterministic
    assert pem_signer.key_id == "2980"
    assert pem_signer.public_key_pem() == public_pem
    assert pem_signer.public_key_pem().startswith(b"-----BEGIN PUBLIC KEY-----")


def test_pem_signer_accepts_pkcs1_and_encrypted_pem(
    rsa_key: rsa.RSAPrivateKey, public_pem: bytes, verify: Verify
) -> None:
    pkcs1 = rsa_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )
    encrypted = rsa_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(b"pass phrase"),
    )
    for signer in (PemSigner(pkcs1, "k1"), PemSigner(encrypted, "k1", password=b"pass phrase")):
        assert verify(public_pem, b"message", b64(signer.sign(b"message")))


def test_pem_signer_wrong_password_or_garbage_gives_a_clean_error(rsa_key: rsa.RSAPrivateKey) -> None:
    encrypted = rsa_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(b"right"),
    )
    for pem, password in (
        (encrypted, b"wrong"),
        (encrypted, None),
        (b"-----BEGIN PRIVATE KEY-----\nAAAA", None),
    ):
        with pytest.raises(ValueError, match="not a readable PEM private key") as caught:
            PemSigner(pem, "k1", password=password)
        assert caught.value.__cause__ is None
        assert caught.value.__suppress_context__


def test_pem_signer_refuses_non_rsa_and_short_keys() -> None:
    ec_pem = ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    with pytest.raises(ValueError, match="must be an RSA key"):
        PemSigner(ec_pem, "k1")
    short_key = rsa.generate_private_key(public_exponent=65537, key_size=1024)  # noqa: S505 - must be refused
    short_pem = short_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    with pytest.raises(ValueError, match="at least 2048 bits, not 1024"):
        PemSigner(short_pem, "k1")


@pytest.mark.parametrize("merchant_key_id", ["", " 2980", "2980\n"])
def test_merchant_key_id_is_required(private_pem: bytes, merchant_key_id: str) -> None:
    with pytest.raises(ValueError, match="merchant_key_id"):
        PemSigner(private_pem, merchant_key_id)
    with pytest.raises(ValueError, match="merchant_key_id"):
        KmsSigner(cast(Any, object()), "alias/x", merchant_key_id)


def test_signers_refuse_empty_messages(pem_signer: PemSigner, rsa_key: rsa.RSAPrivateKey) -> None:
    fake = FakeKms(rsa_key)
    for signer in (pem_signer, kms_signer(fake)):
        with pytest.raises(ValueError, match="empty message"):
            signer.sign(b"")
    assert fake.sign_calls == []


def test_repr_never_shows_key_material(
    pem_signer: PemSigner, private_pem: bytes, rsa_key: rsa.RSAPrivateKey
) -> None:
    assert repr(pem_signer) == "PemSigner(key_id='2980')"
    assert repr(kms_signer(FakeKms(rsa_key))) == "KmsSigner(key_id='kms-key-1')"
    assert private_pem.splitlines()[1].decode() not in f"{pem_signer!r} {pem_signer!s}"


def test_pem_signer_from_secret_string_forms(private_pem: bytes, public_pem: bytes) -> None:
    as_text = private_pem.decode()
    as_json = json.dumps({"private_key": as_text})
    for secret in (as_text, "\n" + as_text + "\n", as_json):
        assert PemSigner.from_secret_string(secret, "k9").public_key_pem() == public_pem
    for bad, message in (
        ("{not json", "neither PEM text nor a JSON object"),
        ('{"pem": "x"}', 'PEM under "private_key"'),
        ('{"private_key": 5}', 'PEM under "private_key"'),
        ("[]", "not a readable PEM private key"),
    ):
        with pytest.raises(ValueError, match=message):
            PemSigner.from_secret_string(bad, "k9")


# --- KmsSigner -------------------------------------------------------------------------------------------
def test_kms_signer_short_message_is_sent_raw(
    rsa_key: rsa.RSAPrivateKey, public_pem: bytes, verify: Verify
) -> None:
    fake = FakeKms(rsa_key)
    signer = kms_signer(fake)
    message = b"x" * KMS_RAW_MESSAGE_LIMIT
    signature = signer.sign(message)
    assert fake.sign_calls == [
        {
            "KeyId": "alias/paybridge-sdk-signing",
            "Message": message,
            "MessageType": "RAW",
            "SigningAlgorithm": "RSASSA_PKCS1_V1_5_SHA_256",
        }
    ]
    assert verify(public_pem, message, b64(signature))


def test_kms_signer_long_message_is_hashed_and_sent_as_digest(
    rsa_key: rsa.RSAPrivateKey, pem_signer: PemSigner, public_pem: bytes, verify: Verify
) -> None:
    fake = FakeKms(rsa_key)
    message = ("é" * 3000).encode()  # 6000 bytes: over KMS's RAW limit
    signature = kms_signer(fake).sign(message)
    assert [c["MessageType"] for c in fake.sign_calls] == ["DIGEST"]
    assert fake.sign_calls[0]["Message"] == hashlib.sha256(message).digest()
    assert verify(public_pem, message, b64(signature))
    # Same key, same message: a DIGEST signature is byte-identical to signing the whole message locally.
    assert signature == pem_signer.sign(message)


def test_kms_signer_satisfies_the_protocol(rsa_key: rsa.RSAPrivateKey, pem_signer: PemSigner) -> None:
    signers: list[Signer] = [kms_signer(FakeKms(rsa_key)), pem_signer]
    assert all(isinstance(s, Signer) for s in signers)


def test_kms_public_key_is_pem_and_fetched_once(rsa_key: rsa.RSAPrivateKey, public_pem: bytes) -> None:
    fake = FakeKms(rsa_key)
    signer = kms_signer(fake)
    assert signer.public_key_pem() == public_pem
    assert signer.public_key_pem() == public_pem
    assert fake.get_public_key_calls == 1


@pytest.mark.parametrize(
    ("fake_changes", "message"),
    [
        ({"key_usage": "ENCRYPT_DECRYPT"}, "KeyUsage SIGN_VERIFY"),
        ({"algorithms": ("RSASSA_PSS_SHA_256",)}, "does not support RSASSA_PKCS1_V1_5_SHA_256"),
    ],
)
def test_kms_public_key_refuses_unfit_keys(
    rsa_key: rsa.RSAPrivateKey, fake_changes: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        kms_signer(FakeKms(rsa_key, **fake_changes)).public_key_pem()


def test_kms_public_key_refuses_non_rsa_key(rsa_key: rsa.RSAPrivateKey) -> None:
    ec_der = (
        ec.generate_private_key(ec.SECP256R1())
        .public_key()
        .public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    with pytest.raises(ValueError, match="must be an RSA key"):
        kms_signer(FakeKms(rsa_key, public_der=ec_der)).public_key_pem()


def test_kms_signer_needs_a_key_reference() -> None:
    with pytest.raises(ValueError, match="key_arn_or_alias"):
        KmsSigner(cast(Any, object()), "", "k1")
