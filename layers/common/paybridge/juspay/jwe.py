"""Juspay's encrypted (v4) API envelope: a JWS signed by the sender, encrypted (JWE) to the receiver.

Requests: the claims (the call's JSON) are signed RS256 with the merchant's private key, the JWS is written
as ``{"header","payload","signature"}`` JSON, and that text is encrypted RSA-OAEP-256 + A256GCM
(``cty: JWT``) to Juspay's public key; both headers carry the key id Juspay's dashboard shows for the key
pair. The JWE is sent split into ``{"header","encryptedKey","iv","encryptedPayload","tag"}`` (the form of
Juspay's samples and its Node SDK). Responses come back the same way, signed by Juspay and encrypted to the
merchant; they are read in either the split form or ``{"JWT": "<compact JWE>"}`` (Juspay's other sample),
and the inner JWS as JSON or compact.

Key material is read from the Juspay API key secret (``parse_jwe_keys``); the messages of every error here
name fields, never values.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from joserfc import jwe, jws
from joserfc.errors import JoseError
from joserfc.jwk import RSAKey

__all__ = [
    "JWE_FIELDS",
    "JweKeys",
    "open_envelope",
    "open_response",
    "parse_jwe_keys",
    "seal_envelope",
    "seal_request",
]

#: The split JWE form's fields, in compact serialisation order.
JWE_FIELDS = ("header", "encryptedKey", "iv", "encryptedPayload", "tag")
_JWS_FIELDS = ("header", "payload", "signature")
_SIGNING_ALG = "RS256"
#: Juspay's docs ask for RSA-OAEP-256; its Node SDK sends RSA-OAEP. Both are read, the first is sent.
_KEY_ALGS = ("RSA-OAEP-256", "RSA-OAEP")
_CONTENT_ENC = "A256GCM"
_REGISTRY = jwe.JWERegistry(algorithms=[*_KEY_ALGS, _CONTENT_ENC])
_MIN_KEY_BITS = 2048

#: Secret fields (beside ``api_key``) that hold the key pair Juspay's dashboard issued.
SECRET_KEY_ID = "jwe_key_id"  # noqa: S105 - field names, not secrets
SECRET_PRIVATE_KEY = "jwe_merchant_private_key"  # noqa: S105
SECRET_JUSPAY_PUBLIC_KEY = "jwe_juspay_public_key"  # noqa: S105


@dataclass(frozen=True)
class JweKeys:
    """The merchant's signing/decryption key and Juspay's verification/encryption key, under one key id."""

    key_id: str
    merchant_private_key: RSAKey = field(repr=False)
    juspay_public_key: RSAKey = field(repr=False)


def _rsa_key(text: object, name: str, *, private: bool) -> RSAKey:
    if not isinstance(text, str) or not text.strip():
        raise ValueError(f"Juspay API key secret: {name} is missing")
    try:
        key = RSAKey.import_key(text.strip())
    except (JoseError, ValueError, TypeError):
        raise ValueError(f"Juspay API key secret: {name} is not an RSA key in PEM") from None
    if private and not key.is_private:
        raise ValueError(f"Juspay API key secret: {name} must be a private key")
    if key.raw_value.key_size < _MIN_KEY_BITS:
        raise ValueError(f"Juspay API key secret: {name} must be at least {_MIN_KEY_BITS} bits")
    return key


def parse_jwe_keys(secret_string: str) -> JweKeys:
    """The JWE key pair from the Juspay API key secret's JSON (see README, Encrypted Juspay calls).

    ``jwe_key_id``: the key's id in Juspay's dashboard; ``jwe_merchant_private_key``: the merchant's RSA
    private key (PEM); ``jwe_juspay_public_key``: Juspay's RSA public key (PEM).
    """
    try:
        document = json.loads(secret_string)
    except ValueError:
        document = None
    if not isinstance(document, dict):
        raise ValueError("Juspay API key secret must be JSON to hold the encrypted API's keys")
    key_id = document.get(SECRET_KEY_ID)
    if not isinstance(key_id, str) or not key_id.strip():
        raise ValueError(f"Juspay API key secret: {SECRET_KEY_ID} is missing")
    return JweKeys(
        key_id=key_id.strip(),
        merchant_private_key=_rsa_key(document.get(SECRET_PRIVATE_KEY), SECRET_PRIVATE_KEY, private=True),
        juspay_public_key=_rsa_key(
            document.get(SECRET_JUSPAY_PUBLIC_KEY), SECRET_JUSPAY_PUBLIC_KEY, private=False
        ),
    )


def seal_envelope(
    claims: bytes, *, key_id: str, signing_key: RSAKey, recipient_key: RSAKey
) -> dict[str, str]:
    """``claims`` signed with ``signing_key``, then encrypted to ``recipient_key``: the split JWE form."""
    signed = jws.serialize_compact({"alg": _SIGNING_ALG, "kid": key_id}, claims, signing_key)
    inner = json.dumps(dict(zip(_JWS_FIELDS, signed.split("."), strict=True)), separators=(",", ":"))
    protected = {"alg": _KEY_ALGS[0], "enc": _CONTENT_ENC, "cty": "JWT", "kid": key_id}
    token = jwe.encrypt_compact(protected, inner.encode(), recipient_key, registry=_REGISTRY)
    return dict(zip(JWE_FIELDS, token.split("."), strict=True))


def _compact_jwe(body: bytes) -> str:
    try:
        document: Any = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise ValueError("not an encrypted body: not JSON") from None
    if isinstance(document, dict) and isinstance(document.get("JWT"), str):
        return str(document["JWT"])
    if isinstance(document, dict) and all(isinstance(document.get(name), str) for name in JWE_FIELDS):
        return ".".join(document[name] for name in JWE_FIELDS)
    raise ValueError('not an encrypted body: neither the split JWE form nor {"JWT": ...}')


def _compact_jws(plaintext: bytes) -> str:
    text = plaintext.decode("ascii", "replace").strip()
    if text.startswith("{"):
        try:
            document = json.loads(text)
        except ValueError:
            raise ValueError("the decrypted JWS is not JSON") from None
        if isinstance(document, dict) and all(isinstance(document.get(name), str) for name in _JWS_FIELDS):
            return ".".join(document[name] for name in _JWS_FIELDS)
        raise ValueError("the decrypted JWS lacks header, payload or signature")
    return text


def open_envelope(body: bytes, *, decryption_key: RSAKey, verification_key: RSAKey) -> bytes:
    """The claims of an envelope sealed to ``decryption_key`` and signed by ``verification_key``'s owner.

    Raises ``ValueError`` when the body is not an envelope, cannot be decrypted with this key (a wrong
    key, a changed byte: AES-GCM authenticates), or its signature does not verify.
    """
    compact = _compact_jwe(body)
    try:
        decrypted = jwe.decrypt_compact(compact, decryption_key, registry=_REGISTRY)
    except (JoseError, ValueError) as exc:
        raise ValueError(f"the JWE could not be decrypted ({type(exc).__name__})") from None
    if decrypted.plaintext is None:
        raise ValueError("the JWE has no content")
    try:
        verified = jws.deserialize_compact(
            _compact_jws(decrypted.plaintext), verification_key, algorithms=[_SIGNING_ALG]
        )
    except (JoseError, ValueError) as exc:
        raise ValueError(f"the JWS signature did not verify ({type(exc).__name__})") from None
    return bytes(verified.payload)


def seal_request(claims: bytes, keys: JweKeys) -> dict[str, str]:
    """A request body for Juspay's v4 API: signed by the merchant, encrypted to Juspay."""
    return seal_envelope(
        claims,
        key_id=keys.key_id,
        signing_key=keys.merchant_private_key,
        recipient_key=keys.juspay_public_key,
    )


def open_response(body: bytes, keys: JweKeys) -> bytes:
    """The JSON bytes of a v4 answer: decrypted with the merchant's key, verified with Juspay's."""
    return open_envelope(
        body, decryption_key=keys.merchant_private_key, verification_key=keys.juspay_public_key
    )
