"""SigV4 checking on IAM routes, against signatures made by botocore as a client would."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from paybridge_local import sigv4

URL = "http://127.0.0.1:3000/wallets/c1?x=1"


def signed(
    access: str = "testing", secret: str = "testing", service: str = "execute-api", body: bytes = b"{}"
) -> dict[str, str]:
    request = AWSRequest(method="POST", url=URL, data=body, headers={"Content-Type": "application/json"})
    SigV4Auth(Credentials(access, secret), service, "ap-south-1").add_auth(request)
    headers = dict(request.headers.items())
    headers["Host"] = "127.0.0.1:3000"
    return headers


def check(headers: dict[str, str], body: bytes = b"{}", now: datetime | None = None) -> sigv4.Identity:
    return sigv4.verify(
        method="POST",
        url=URL,
        headers=headers,
        body=body,
        access_key="testing",
        secret_key="testing",
        region="ap-south-1",
        now=now,
    )


def test_valid_signature_gives_identity() -> None:
    identity = check(signed())
    assert identity.access_key == "testing"


@pytest.mark.parametrize(
    ("headers", "body", "message"),
    [
        ({}, b"{}", "Missing Authentication Token"),
        ({"Authorization": "AWS4-HMAC-SHA256 nonsense"}, b"{}", "requires"),
        (signed(secret="other"), b"{}", "does not match"),
        (signed(access="someone"), b"{}", "invalid"),
        (signed(service="s3"), b"{}", "scoped"),
        (signed(), b'{"tampered": 1}', "does not match"),
    ],
    ids=["unsigned", "malformed", "wrong-secret", "wrong-key", "wrong-service", "tampered-body"],
)
def test_bad_signatures_are_refused(headers: dict[str, str], body: bytes, message: str) -> None:
    with pytest.raises(sigv4.SignatureError, match=message):
        check(headers, body)


def test_stale_and_undated_requests_are_refused() -> None:
    with pytest.raises(sigv4.SignatureError, match="expired"):
        check(signed(), now=datetime.now(UTC) + timedelta(minutes=20))
    headers = signed()
    headers["X-Amz-Date"] = "yesterday"
    with pytest.raises(sigv4.SignatureError, match="X-Amz-Date"):
        check(headers)
