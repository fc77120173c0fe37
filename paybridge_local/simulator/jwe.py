"""Juspay's encrypted (JWE/JWS, "v4") API in the simulator: an independent reading of Juspay's format.

``POST /v4/order-status`` (``{"order_id"}``; GET with a body too, as the HDFC sample sends it) and
``POST /v4/orders/{order_id}/refunds`` (``{"unique_request_id","amount"}``) take a JWE, in the split form
``{"header","encryptedKey","iv","encryptedPayload","tag"}`` or as ``{"JWT": "<compact>"}``. The simulator
reads the key id from the JWE header, decrypts with Juspay's private key of that key pair, verifies the
inner JWS (RS256, JSON or compact) with the merchant's public key, answers exactly what the plain API
answers for the same call, and seals that answer the other way: signed with Juspay's key, encrypted to the
merchant's, in the request's form. Requests it cannot authenticate get a plain 401 (it cannot know whom to
encrypt to); the body's signature is the authentication, so no Basic header is needed.

Key pairs are registered like the dashboard's "upload public key": the merchant's public key in, Juspay's
public key out (``POST /__sim/jwe/keys``). Imports nothing from the product: it must be able to disagree.
"""

from __future__ import annotations

import base64
import json
import re
import threading
import uuid
from collections import deque
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any
from urllib.parse import quote

from joserfc import jwe, jws
from joserfc.errors import JoseError
from joserfc.jwk import RSAKey

from paybridge_local.simulator.journal import LOG_LIMIT

__all__ = ["JweGateway"]

JsonDict = dict[str, Any]
#: The plain API: (method, path, form) -> (status, JSON body).
Dispatch = Callable[[str, str, dict[str, str]], tuple[int, Any]]

_SPLIT = ("header", "encryptedKey", "iv", "encryptedPayload", "tag")
_REGISTRY = jwe.JWERegistry(algorithms=["RSA-OAEP-256", "RSA-OAEP", "A256GCM"])
_ORDER_STATUS = "/v4/order-status"
_REFUNDS = re.compile(r"^/v4/orders/(?P<order_id>[^/]+)/refunds$")
_KEY = re.compile(r"^/__sim/jwe/keys/(?P<key_id>[^/]+)$")


def _error(status: int, error_code: str, message: str, code: str) -> tuple[int, JsonDict]:
    return status, {
        "status": "ERROR",
        "error_code": error_code,
        "error_message": message,
        "error_info": {
            "request_id": str(uuid.uuid4()),
            "developer_message": message,
            "user_message": message,
            "code": code,
        },
    }


def _unauthorized(message: str) -> tuple[int, JsonDict]:
    return _error(401, "access_denied", message, "UNAUTHORIZED")


def _b64_json(segment: str) -> Any:
    padded = segment + "=" * (-len(segment) % 4)
    return json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))


class _RefusedError(Exception):
    def __init__(self, status: int, body: JsonDict) -> None:
        super().__init__(f"HTTP {status}")
        self.status = status
        self.body = body


class _KeyPair:
    def __init__(self, merchant_public: RSAKey, juspay_private: RSAKey) -> None:
        self.merchant_public = merchant_public
        self.juspay_private = juspay_private


class JweGateway:
    """The encrypted endpoints and their key registry (``/__sim/jwe/...``)."""

    def __init__(self, merchant_id: str, log_limit: int = LOG_LIMIT) -> None:
        self.merchant_id = merchant_id
        self._keys: dict[str, _KeyPair] = {}
        self._calls: deque[JsonDict] = deque(maxlen=log_limit)  # the newest log_limit calls
        self._lock = threading.Lock()

    @staticmethod
    def owns(path: str) -> bool:
        """Whether ``path`` is one of this module's: the v4 API or its control API."""
        return path.startswith(("/v4/", "/__sim/jwe/"))

    def register(self, key_id: str, merchant_public_key: str, juspay_private_key: str | None = None) -> str:
        """Adds (or replaces) key pair ``key_id``; returns Juspay's public key (PEM) for the merchant.

        Without ``juspay_private_key`` the simulator makes Juspay's key pair, as the dashboard does.
        """
        merchant = RSAKey.import_key(merchant_public_key)
        juspay = RSAKey.import_key(juspay_private_key) if juspay_private_key else RSAKey.generate_key(2048)
        if not juspay.is_private:
            raise ValueError("juspay_private_key must be a private key")
        with self._lock:
            self._keys[key_id] = _KeyPair(merchant, juspay)
        return juspay.as_pem(private=False).decode("ascii")

    def calls(self) -> list[JsonDict]:
        """Every v4 call decrypted so far (``GET /__sim/jwe/calls``), oldest first."""
        with self._lock:
            return [dict(call) for call in self._calls]

    def handle(
        self, method: str, path: str, headers: Mapping[str, str], body: bytes, dispatch: Dispatch
    ) -> tuple[int, Any]:
        """Answers a request under ``/v4/`` or ``/__sim/jwe/`` (see ``owns``)."""
        if path.startswith("/__sim/jwe/"):
            return self._control(method, path, body)
        return self._api(method, path, headers, body, dispatch)

    # --- The encrypted API -------------------------------------------------------------------------------
    def _api(
        self, method: str, path: str, headers: Mapping[str, str], body: bytes, dispatch: Dispatch
    ) -> tuple[int, Any]:
        refund = _REFUNDS.match(path)
        if path != _ORDER_STATUS and refund is None:
            return _error(404, "not_found", f"No such API: {path}", "RESOURCE_NOT_FOUND")
        if method != "POST" and not (method == "GET" and path == _ORDER_STATUS):
            return _error(405, "method_not_allowed", f"{method} not allowed on {path}", "INVALID_REQUEST")
        if headers.get("x-merchantid") != self.merchant_id:
            return _unauthorized("x-merchantid is missing or not this merchant")
        try:
            key_id, pair, claims, form_of_request = self._open(body)
        except _RefusedError as refused:
            return refused.status, refused.body
        if refund is not None:
            inner_method, inner_path = "POST", f"/orders/{refund['order_id']}/refunds"
            form = {str(k): _text(v) for k, v in claims.items()}
        else:
            order_id = claims.get("order_id")
            if not isinstance(order_id, str) or not order_id:
                return _error(400, "invalid_request", "order_id is required", "INVALID_REQUEST")
            inner_method, inner_path, form = "GET", f"/orders/{quote(order_id, safe='')}", {}
        status, answer = dispatch(inner_method, inner_path, form)
        with self._lock:
            self._calls.append(
                {
                    "method": method,
                    "path": path,
                    "key_id": key_id,
                    "form": form_of_request,
                    "inner_method": inner_method,
                    "inner_path": inner_path,
                    "status": status,
                }
            )
        return status, self._seal(answer, key_id, pair, form_of_request)

    def _open(self, body: bytes) -> tuple[str, _KeyPair, JsonDict, str]:
        try:
            document = json.loads(body or b"null")
        except ValueError:
            raise _RefusedError(
                *_error(400, "invalid_request", "body is not JSON", "INVALID_REQUEST")
            ) from None
        if isinstance(document, dict) and isinstance(document.get("JWT"), str):
            compact, form = document["JWT"], "jwt"
        elif isinstance(document, dict) and all(isinstance(document.get(k), str) for k in _SPLIT):
            compact, form = ".".join(document[k] for k in _SPLIT), "split"
        else:
            raise _RefusedError(
                *_error(400, "invalid_request", "body is not an encrypted payload", "INVALID_REQUEST")
            )
        try:
            header = _b64_json(compact.split(".", 1)[0])
        except ValueError:
            raise _RefusedError(
                *_error(400, "invalid_request", "JWE header is not base64url JSON", "INVALID_REQUEST")
            ) from None
        key_id = header.get("kid") if isinstance(header, dict) else None
        with self._lock:
            pair = self._keys.get(key_id) if isinstance(key_id, str) else None
        if pair is None or not isinstance(key_id, str):
            raise _RefusedError(*_unauthorized("unknown or missing key id (kid)"))
        try:
            plaintext = jwe.decrypt_compact(compact, pair.juspay_private, registry=_REGISTRY).plaintext or b""
        except (JoseError, ValueError):
            raise _RefusedError(
                *_unauthorized("the payload could not be decrypted with this key id's key")
            ) from None
        try:
            inner = json.loads(plaintext)
            signed = ".".join(inner[k] for k in ("header", "payload", "signature"))
        except (ValueError, TypeError, KeyError):
            signed = plaintext.decode("ascii", "replace")
        try:
            verified = jws.deserialize_compact(signed, pair.merchant_public, algorithms=["RS256"])
        except (JoseError, ValueError):
            raise _RefusedError(
                *_unauthorized("the signature does not verify with the merchant's public key")
            ) from None
        if verified.protected.get("kid") not in (None, key_id):
            raise _RefusedError(*_unauthorized("the signature's key id differs from the encryption's"))
        try:
            claims = json.loads(verified.payload, parse_float=Decimal)
        except ValueError:
            claims = None
        if not isinstance(claims, dict):
            raise _RefusedError(
                *_error(400, "invalid_request", "the signed payload is not an object", "INVALID_REQUEST")
            )
        return key_id, pair, claims, form

    @staticmethod
    def _seal(answer: Any, key_id: str, pair: _KeyPair, form: str) -> JsonDict:
        claims = _dumps(answer).encode("utf-8")
        signed = jws.serialize_compact({"alg": "RS256", "kid": key_id}, claims, pair.juspay_private)
        inner = json.dumps(dict(zip(("header", "payload", "signature"), signed.split("."), strict=True)))
        protected = {"alg": "RSA-OAEP-256", "enc": "A256GCM", "cty": "JWT", "kid": key_id}
        token = jwe.encrypt_compact(protected, inner.encode(), pair.merchant_public, registry=_REGISTRY)
        if form == "jwt":
            return {"JWT": token}
        return dict(zip(_SPLIT, token.split("."), strict=True))

    # --- Control API -------------------------------------------------------------------------------------
    def _control(self, method: str, path: str, body: bytes) -> tuple[int, Any]:
        if path == "/__sim/jwe/keys" and method == "POST":
            try:
                request = json.loads(body or b"null")
                key_id, public = request["key_id"], request["merchant_public_key"]
                if not isinstance(key_id, str) or not key_id or not isinstance(public, str):
                    raise TypeError
                juspay_public = self.register(key_id, public, request.get("juspay_private_key"))
            except (ValueError, TypeError, KeyError, JoseError):
                return 400, {"error": "need key_id, merchant_public_key (PEM), optional juspay_private_key"}
            return 201, {"key_id": key_id, "juspay_public_key": juspay_public}
        if path == "/__sim/jwe/keys" and method == "GET":
            with self._lock:
                pairs = list(self._keys.items())
            return 200, [
                {"key_id": k, "juspay_public_key": p.juspay_private.as_pem(private=False).decode("ascii")}
                for k, p in pairs
            ]
        if (match := _KEY.match(path)) is not None and method == "DELETE":
            with self._lock:
                removed = self._keys.pop(match["key_id"], None)
            if removed is None:
                return 404, {"error": f"no key {match['key_id']}"}
            return 200, {"retired": match["key_id"]}
        if path == "/__sim/jwe/calls" and method == "GET":
            return 200, self.calls()
        if path == "/__sim/jwe/calls" and method == "DELETE":
            with self._lock:
                self._calls.clear()
            return 200, {"cleared": True}
        return 404, {"error": f"no control operation {method} {path}"}


def _text(value: Any) -> str:
    if isinstance(value, Decimal):
        return format(value, "f")
    return value if isinstance(value, str) else json.dumps(value)


def _dumps(value: Any) -> str:
    # Decimal as a JSON number with its exact digits, as the plain API writes it.
    if isinstance(value, dict):
        return "{" + ",".join(f"{json.dumps(str(k))}:{_dumps(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "[" + ",".join(_dumps(v) for v in value) + "]"
    if isinstance(value, Decimal):
        return format(value, "f")
    return json.dumps(value)
