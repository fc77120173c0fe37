"""Fixtures of the SDK signing unit tests: one RSA key per session, a fixed clock, Juspay's samples."""

from __future__ import annotations

import base64
import itertools
import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from paybridge.signer import PemSigner

REPO_ROOT = Path(__file__).resolve().parents[3]
SAMPLES_DIR = REPO_ROOT.parent / "shared" / "juspay-samples"
#: The instant of Juspay's signed sample (its orderDetails timestamp is 1571922200845).
SAMPLE_INSTANT = datetime(2019, 10, 24, 13, 3, 20, 845000, tzinfo=UTC)
MERCHANT_KEY_ID = "2980"


@pytest.fixture(scope="session")
def rsa_key() -> rsa.RSAPrivateKey:
    """A fresh 2048-bit key (generated once: key generation is the slow part)."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="session")
def private_pem(rsa_key: rsa.RSAPrivateKey) -> bytes:
    return rsa_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


@pytest.fixture(scope="session")
def public_pem(rsa_key: rsa.RSAPrivateKey) -> bytes:
    return rsa_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


@pytest.fixture
def pem_signer(private_pem: bytes) -> PemSigner:
    return PemSigner(private_pem, MERCHANT_KEY_ID)


@pytest.fixture
def clock() -> Callable[[], datetime]:
    return lambda: SAMPLE_INSTANT


@pytest.fixture
def request_ids() -> Callable[[], str]:
    counter = itertools.count(1)
    return lambda: f"req-{next(counter)}"


@pytest.fixture
def verify() -> Callable[[bytes, bytes, str], bool]:
    """Independent verifier: (public key PEM, message bytes, base64 signature) → valid?"""

    def check(public_key_pem: bytes, message: bytes, signature_b64: str) -> bool:
        key = serialization.load_pem_public_key(public_key_pem)
        assert isinstance(key, rsa.RSAPublicKey)
        try:
            key.verify(
                base64.b64decode(signature_b64, validate=True), message, padding.PKCS1v15(), hashes.SHA256()
            )
        except InvalidSignature:
            return False
        return True

    return check


@pytest.fixture(scope="session")
def samples_dir() -> Path:
    if not SAMPLES_DIR.is_dir():
        pytest.skip(f"Juspay samples not found at {SAMPLES_DIR}")
    return SAMPLES_DIR


@pytest.fixture(scope="session")
def sample_process_payload(samples_dir: Path) -> dict[str, Any]:
    """Juspay's signed Payment Page process payload, as published (strict JSON)."""
    document: dict[str, Any] = json.loads(
        (samples_dir / "sdk_process_payload_signed_payment_page.json").read_text()
    )
    return document
