"""Checks AWS Signature Version 4 on requests to IAM-protected routes, as API Gateway does.

The signature is recomputed with botocore's own signer over the headers the client said it signed, and
compared in constant time. Only the local stack's credentials are accepted.
"""

from __future__ import annotations

import hmac
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

_AUTH = re.compile(
    r"^AWS4-HMAC-SHA256\s+Credential=(?P<akid>[^/]+)/(?P<date>\d{8})/(?P<region>[^/]+)/(?P<service>[^/]+)"
    r"/aws4_request,\s*SignedHeaders=(?P<signed>[^,]+),\s*Signature=(?P<signature>[0-9a-f]{64})$"
)
MAX_SKEW = timedelta(minutes=15)
SERVICE = "execute-api"


class SignatureError(Exception):
    """The request is not signed, or not signed right. ``message`` is what API Gateway would answer."""


@dataclass(frozen=True)
class Identity:
    """Who signed the request (what API Gateway puts in ``requestContext.identity``)."""

    access_key: str
    user_arn: str


def verify(
    *,
    method: str,
    url: str,
    headers: Mapping[str, str],
    body: bytes,
    access_key: str,
    secret_key: str,
    region: str,
    now: datetime | None = None,
) -> Identity:
    """Returns the signer's identity, or raises ``SignatureError``."""
    lowered = {k.lower(): v for k, v in headers.items()}
    header = lowered.get("authorization")
    if not header:
        raise SignatureError("Missing Authentication Token")
    match = _AUTH.match(header.strip())
    if not match:
        raise SignatureError("Authorization header requires 'Credential', 'SignedHeaders' and 'Signature'.")
    if match["akid"] != access_key:
        raise SignatureError("The security token included in the request is invalid.")
    if match["service"] != SERVICE or match["region"] != region:
        raise SignatureError("Credential should be scoped to a valid region and service.")
    amz_date = lowered.get("x-amz-date", "")
    try:
        signed_at = datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    except ValueError:
        raise SignatureError(
            "Authorization header requires existence of either a 'X-Amz-Date' header."
        ) from None
    if abs((now or datetime.now(UTC)) - signed_at) > MAX_SKEW:
        raise SignatureError("Signature expired: the request time is too far from the server's time.")
    signed_names = match["signed"].split(";")
    if "host" not in signed_names:
        raise SignatureError("'Host' must be a signed header.")
    request = AWSRequest(
        method=method, url=url, data=body, headers={n: lowered.get(n, "") for n in signed_names}
    )
    request.context["timestamp"] = amz_date
    signer = SigV4Auth(
        Credentials(access_key, secret_key, lowered.get("x-amz-security-token")), SERVICE, region
    )
    canonical = signer.canonical_request(request)
    expected = signer.signature(signer.string_to_sign(request, canonical), request)
    if not hmac.compare_digest(expected, match["signature"]):
        raise SignatureError(
            "The request signature we calculated does not match the signature you provided. "
            "Check your AWS Secret Access Key and signing method."
        )
    return Identity(access_key=access_key, user_arn=f"arn:aws:iam::123456789012:user/{access_key}")
