"""Signers for Juspay SDK payloads: RSASSA-PKCS1-v1_5 with SHA-256 over the exact bytes sent.

Two implementations behind one interface (:class:`Signer`):

* :class:`KmsSigner` (default): the private key is an asymmetric KMS key (``RSA_2048``, ``SIGN_VERIFY``) and
  never leaves KMS.
* :class:`PemSigner` (alternative): a PEM private key kept in Secrets Manager, for merchants who must bring
  Juspay a key they already registered. The key is held in memory only for signing.

Both produce the same bytes for the same key and message (PKCS#1 v1.5 is deterministic), so a caller never
needs to know which one it has. Neither ever logs or exposes key material; ``repr`` shows the key id only.
"""

from __future__ import annotations

import hashlib
import json
from typing import TYPE_CHECKING, Final, Protocol, runtime_checkable

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

if TYPE_CHECKING:
    from mypy_boto3_kms import KMSClient
    from mypy_boto3_secretsmanager import SecretsManagerClient

#: The only algorithm Juspay accepts for SDK payload signatures.
KMS_SIGNING_ALGORITHM: Final = "RSASSA_PKCS1_V1_5_SHA_256"
#: KMS refuses RAW messages longer than this; longer messages are hashed here and sent as a DIGEST.
KMS_RAW_MESSAGE_LIMIT: Final = 4096
#: Juspay asks for (at least) 2048-bit RSA keys.
MIN_RSA_KEY_BITS: Final = 2048


@runtime_checkable
class Signer(Protocol):
    """Signs SDK payloads for Juspay.

    ``key_id`` is the ``merchantKeyId`` Juspay shows for the public key uploaded to its dashboard.
    """

    @property
    def key_id(self) -> str:
        """The ``merchantKeyId`` sent beside every signature."""
        ...

    def sign(self, message: bytes) -> bytes:
        """Raw RSASSA-PKCS1-v1_5/SHA-256 signature of ``message`` (the caller base64-encodes it)."""
        ...

    def public_key_pem(self) -> bytes:
        """The public key as PEM ``SubjectPublicKeyInfo`` (``BEGIN PUBLIC KEY``), for Juspay's dashboard."""
        ...


def _require_key_id(merchant_key_id: str) -> str:
    if not merchant_key_id or merchant_key_id != merchant_key_id.strip():
        raise ValueError("merchant_key_id must be a non-empty string without surrounding whitespace")
    return merchant_key_id


def _require_rsa_public_key(key: object) -> rsa.RSAPublicKey:
    if not isinstance(key, rsa.RSAPublicKey):
        raise ValueError("the signing key must be an RSA key")
    if key.key_size < MIN_RSA_KEY_BITS:
        raise ValueError(f"the signing key must have at least {MIN_RSA_KEY_BITS} bits, not {key.key_size}")
    return key


def _spki_pem(key: rsa.RSAPublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


class KmsSigner:
    """Signs with an asymmetric KMS key (``RSA_2048``, ``SIGN_VERIFY``).

    Needs ``kms:Sign`` (and ``kms:GetPublicKey`` for :meth:`public_key_pem`) on the key.

    ``kms_client`` is created by the caller (once per container), never at import. Messages up to 4096 bytes
    are sent as ``RAW`` (KMS hashes them); longer ones are hashed with SHA-256 here and sent as ``DIGEST``.
    Both give the signature a verifier computes over the original message.
    """

    def __init__(self, kms_client: KMSClient, key_arn_or_alias: str, merchant_key_id: str) -> None:
        if not key_arn_or_alias:
            raise ValueError("key_arn_or_alias must name a KMS key")
        self._kms = kms_client
        self._kms_key = key_arn_or_alias
        self._key_id = _require_key_id(merchant_key_id)
        self._public_pem: bytes | None = None

    @property
    def key_id(self) -> str:
        """The ``merchantKeyId`` registered with Juspay for this KMS key's public half."""
        return self._key_id

    def sign(self, message: bytes) -> bytes:
        """Signs ``message`` in KMS and returns the raw signature bytes.

        botocore errors (throttling, a disabled key, missing permission) propagate unchanged: they are not
        the client's fault and the handler answers them as a server error.
        """
        if not message:
            raise ValueError("cannot sign an empty message")
        if len(message) <= KMS_RAW_MESSAGE_LIMIT:
            response = self._kms.sign(
                KeyId=self._kms_key,
                Message=message,
                MessageType="RAW",
                SigningAlgorithm=KMS_SIGNING_ALGORITHM,
            )
        else:
            # KMS caps RAW input at 4096 bytes; for PKCS#1 v1.5 signing the SHA-256 digest ourselves and
            # asking for a DIGEST signature yields exactly the same signature as a RAW one would.
            response = self._kms.sign(
                KeyId=self._kms_key,
                Message=hashlib.sha256(message).digest(),
                MessageType="DIGEST",
                SigningAlgorithm=KMS_SIGNING_ALGORITHM,
            )
        return response["Signature"]

    def public_key_pem(self) -> bytes:
        """Fetches (once) the KMS public key and returns it as PEM.

        Refuses keys that cannot produce Juspay signatures (wrong usage, algorithm or size), so a
        misconfigured key fails loudly instead of producing signatures Juspay rejects.
        """
        if self._public_pem is None:
            response = self._kms.get_public_key(KeyId=self._kms_key)
            if response.get("KeyUsage") != "SIGN_VERIFY":
                raise ValueError("the KMS key must have KeyUsage SIGN_VERIFY")
            if KMS_SIGNING_ALGORITHM not in response.get("SigningAlgorithms", []):
                raise ValueError(f"the KMS key does not support {KMS_SIGNING_ALGORITHM}")
            key = _require_rsa_public_key(serialization.load_der_public_key(response["PublicKey"]))
            self._public_pem = _spki_pem(key)
        return self._public_pem

    def __repr__(self) -> str:
        return f"KmsSigner(key_id={self._key_id!r})"


class PemSigner:
    """Signs locally with an RSA private key given as PEM (PKCS#1 or PKCS#8, optionally encrypted)."""

    def __init__(
        self, private_key_pem: bytes, merchant_key_id: str, *, password: bytes | None = None
    ) -> None:
        self._key_id = _require_key_id(merchant_key_id)
        try:
            key = serialization.load_pem_private_key(private_key_pem, password=password)
        except (ValueError, TypeError, UnsupportedAlgorithm):
            # Say what is wrong in our own words and drop the chain: nothing about the key reaches a log.
            raise ValueError(
                "private_key_pem is not a readable PEM private key (or the password is wrong)"
            ) from None
        if not isinstance(key, rsa.RSAPrivateKey):
            raise ValueError("the signing key must be an RSA key")
        _require_rsa_public_key(key.public_key())
        self._private_key: rsa.RSAPrivateKey = key
        # Built once: they hold no state, and the key is the only per-signer input.
        self._padding = padding.PKCS1v15()
        self._hash = hashes.SHA256()

    @classmethod
    def from_secret_string(cls, secret: str, merchant_key_id: str) -> PemSigner:
        """Builds a signer from a Secrets Manager ``SecretString``.

        Accepted forms: the PEM text itself, or a JSON object ``{"private_key": "<PEM>"}`` (what the console's
        key/value editor stores).
        """
        text = secret.strip()
        if text.startswith("{"):
            try:
                document = json.loads(text)
            except json.JSONDecodeError:
                raise ValueError("the secret is neither PEM text nor a JSON object") from None
            pem = document.get("private_key")  # text starting with "{" can only parse to an object
            if not isinstance(pem, str):
                raise ValueError('the secret JSON must hold the PEM under "private_key"')
            text = pem
        return cls(text.encode("utf-8"), merchant_key_id)

    @classmethod
    def from_secrets_manager(
        cls, secrets_client: SecretsManagerClient, secret_id: str, merchant_key_id: str
    ) -> PemSigner:
        """Reads the PEM from Secrets Manager (``SecretString`` or ``SecretBinary``) and builds a signer."""
        response = secrets_client.get_secret_value(SecretId=secret_id)
        # The stubs mark both members as always present; in reality exactly one of them is.
        secret_string: str | None = response.get("SecretString")
        if secret_string is not None:
            return cls.from_secret_string(secret_string, merchant_key_id)
        return cls(response["SecretBinary"], merchant_key_id)

    @property
    def key_id(self) -> str:
        """The ``merchantKeyId`` registered with Juspay for this key's public half."""
        return self._key_id

    def sign(self, message: bytes) -> bytes:
        """RSASSA-PKCS1-v1_5 / SHA-256 signature of ``message``."""
        if not message:
            raise ValueError("cannot sign an empty message")
        return self._private_key.sign(message, self._padding, self._hash)

    def public_key_pem(self) -> bytes:
        """The public half as PEM ``SubjectPublicKeyInfo``."""
        return _spki_pem(self._private_key.public_key())

    def __repr__(self) -> str:
        return f"PemSigner(key_id={self._key_id!r})"
