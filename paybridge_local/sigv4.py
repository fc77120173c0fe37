"""Checks AWS Signature Version 4 on requests to IAM-protected routes, as API Gateway does.

The canonical request is rebuilt from the request *as received*, following AWS's rules, rather than with a
client library's signer (a client's signer makes the choices of a client: botocore drops ``user-agent`` from
the signed headers and trusts ``x-amz-content-sha256``, which a server must not):

* the path as sent (percent-encoded) is URI-encoded once more, segment by segment (non-S3 services encode
  twice: once on the wire, once here);
* query names and values are decoded (``+`` is a space) and re-encoded with RFC 3986's unreserved set, then
  sorted;
* every header the client says it signed must be present, its value trimmed with inner spaces collapsed;
* the payload hash is always computed over the body received, so a body changed after signing fails even
  when the client signed an ``x-amz-content-sha256`` header;
* the credential scope's date must be the date of ``x-amz-date``, and a session token is accepted only with
  the temporary credentials the local STS issued with it.
"""

from __future__ import annotations

import hashlib
import hmac
import posixpath
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import quote, unquote_plus

_AUTH = re.compile(
    r"^AWS4-HMAC-SHA256\s+Credential=(?P<akid>[^/]+)/(?P<date>\d{8})/(?P<region>[^/]+)/(?P<service>[^/]+)"
    r"/aws4_request,\s*SignedHeaders=(?P<signed>[^,]+),\s*Signature=(?P<signature>[0-9a-f]{64})$"
)
MAX_SKEW = timedelta(minutes=15)
SERVICE = "execute-api"
_UNRESERVED = "-_.~"
_SPACES = re.compile(r"\s+")


class SignatureError(Exception):
    """The request is not signed, or not signed right. ``message`` is what API Gateway would answer."""


@dataclass(frozen=True)
class Identity:
    """Who signed the request (what API Gateway puts in ``requestContext.identity``)."""

    access_key: str
    user_arn: str


@dataclass(frozen=True)
class Credential:
    """What the local IAM knows about an access key: its secret, the session token that must come with it
    (temporary credentials only) and whose key it is."""

    secret_key: str
    user_arn: str
    session_token: str | None = None
    expires_at: datetime | None = None


#: access key id → its credential, or None when the key is unknown.
CredentialLookup = Callable[[str], Credential | None]


def static_credentials(
    access_key: str, secret_key: str, account_id: str = "123456789012"
) -> CredentialLookup:
    """The local stack's one long-term key (an IAM user's key: no session token)."""
    credential = Credential(secret_key=secret_key, user_arn=f"arn:aws:iam::{account_id}:user/{access_key}")
    return lambda akid: credential if akid == access_key else None


def chain(*lookups: CredentialLookup) -> CredentialLookup:
    """The first lookup that knows the key answers."""

    def lookup(akid: str) -> Credential | None:
        for candidate in lookups:
            found = candidate(akid)
            if found is not None:
                return found
        return None

    return lookup


@dataclass(frozen=True)
class SignedRequest:
    """A request as the gateway received it: the path and query exactly as sent, headers with repeats."""

    method: str
    raw_path: str
    raw_query: str
    headers: Sequence[tuple[str, str]]
    body: bytes


def verify(
    request: SignedRequest, *, credentials: CredentialLookup, region: str, now: datetime | None = None
) -> Identity:
    """Returns the signer's identity, or raises ``SignatureError`` with API Gateway's message."""
    headers = _header_values(request.headers)
    header = ",".join(headers.get("authorization", []))
    if not header:
        raise SignatureError("Missing Authentication Token")
    match = _AUTH.match(header.strip())
    if not match:
        raise SignatureError("Authorization header requires 'Credential', 'SignedHeaders' and 'Signature'.")
    credential = credentials(match["akid"])
    if credential is None:
        raise SignatureError("The security token included in the request is invalid.")
    token = ",".join(headers.get("x-amz-security-token", [])) or None
    if not hmac.compare_digest(token or "", credential.session_token or ""):
        raise SignatureError("The security token included in the request is invalid.")
    if match["service"] != SERVICE or match["region"] != region:
        raise SignatureError("Credential should be scoped to a valid region and service.")
    amz_date = ",".join(headers.get("x-amz-date", []))
    try:
        signed_at = datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    except ValueError:
        raise SignatureError(
            "Authorization header requires existence of either a 'X-Amz-Date' header."
        ) from None
    if match["date"] != amz_date[:8]:
        raise SignatureError(
            f"Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: "
            f"'{match['date']}' != '{amz_date[:8]}', from '{amz_date}'."
        )
    current = now or datetime.now(UTC)
    if abs(current - signed_at) > MAX_SKEW:
        raise SignatureError("Signature expired: the request time is too far from the server's time.")
    if credential.expires_at is not None and current >= credential.expires_at:
        raise SignatureError("The security token included in the request is expired")
    signed_names = match["signed"].split(";")
    if "host" not in signed_names:
        raise SignatureError("'Host' must be a signed header.")
    if signed_names != sorted(set(signed_names)) or any(name not in headers for name in signed_names):
        raise _mismatch()
    canonical = "\n".join(
        [
            request.method.upper(),
            canonical_path(request.raw_path),
            canonical_query(request.raw_query),
            "".join(f"{name}:{_header_value(headers[name])}\n" for name in signed_names),
            match["signed"],
            hashlib.sha256(request.body).hexdigest(),
        ]
    )
    scope = f"{match['date']}/{region}/{SERVICE}/aws4_request"
    to_sign = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope, hashlib.sha256(canonical.encode()).hexdigest()])
    key = _signing_key(credential.secret_key, match["date"], region)
    expected = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, match["signature"]):
        raise _mismatch()
    return Identity(access_key=match["akid"], user_arn=credential.user_arn)


def canonical_path(raw_path: str) -> str:
    """The path as sent, dot segments removed, each segment URI-encoded once more."""
    path = raw_path or "/"
    normalized = posixpath.normpath(path) if path != "/" else "/"
    if normalized.startswith("//"):  # normpath keeps a leading double slash (POSIX), AWS does not
        normalized = "/" + normalized.lstrip("/")
    if path.endswith("/") and not normalized.endswith("/"):
        normalized += "/"
    return quote(normalized, safe="/~")


def canonical_query(raw_query: str) -> str:
    """Names and values decoded, re-encoded with the unreserved set, sorted by name then value."""
    pairs = []
    for item in raw_query.split("&"):
        if not item:
            continue
        name, _, value = item.partition("=")
        pairs.append(
            (quote(unquote_plus(name), safe=_UNRESERVED), quote(unquote_plus(value), safe=_UNRESERVED))
        )
    return "&".join(f"{name}={value}" for name, value in sorted(pairs))


def _header_values(headers: Sequence[tuple[str, str]]) -> dict[str, list[str]]:
    values: dict[str, list[str]] = {}
    for name, value in headers:
        values.setdefault(name.lower(), []).append(value)
    return values


def _header_value(values: list[str]) -> str:
    return ",".join(_SPACES.sub(" ", value.strip()) for value in values)


def _signing_key(secret_key: str, date: str, region: str) -> bytes:
    key = f"AWS4{secret_key}".encode()
    for part in (date, region, SERVICE, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return key


def _mismatch() -> SignatureError:
    return SignatureError(
        "The request signature we calculated does not match the signature you provided. "
        "Check your AWS Secret Access Key and signing method."
    )


def local_sts_credentials(account_id: str = "123456789012") -> CredentialLookup:
    """Temporary credentials the local STS (moto, in this process) issued with ``AssumeRole``.

    Each comes with its session token and expiry, as on AWS; a token that STS did not issue with that very
    key is refused.
    """

    def lookup(akid: str) -> Credential | None:
        from moto.sts.models import sts_backends  # the emulator's own records; imported only when asked

        for backend in sts_backends[account_id].values():
            role = backend.get_assumed_role_from_access_key(akid)
            if role is not None:
                return Credential(
                    secret_key=role.secret_access_key,
                    user_arn=role.arn,
                    session_token=role.session_token,
                    expires_at=role.expiration.replace(tzinfo=UTC),
                )
        return None

    return lookup
