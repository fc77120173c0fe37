"""SigV4 checking on IAM routes, against signatures made by independent clients (botocore's signer and
requests-aws4auth), one test per rule API Gateway applies."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import pytest
import requests
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from requests_aws4auth import AWS4Auth

from paybridge_local import sigv4

HOST = "127.0.0.1:3000"
REGION = "ap-south-1"
STATIC = sigv4.static_credentials("testing", "testing")


def botocore_signed(
    method: str,
    url: str,
    body: bytes = b"{}",
    *,
    access: str = "testing",
    secret: str = "testing",
    service: str = "execute-api",
    token: str | None = None,
    extra: dict[str, str] | None = None,
) -> list[tuple[str, str]]:
    request = AWSRequest(
        method=method, url=url, data=body, headers={"Content-Type": "application/json", **(extra or {})}
    )
    SigV4Auth(Credentials(access, secret, token), service, REGION).add_auth(request)
    return [("Host", HOST), *request.headers.items()]


def aws4auth_signed(
    method: str, url: str, body: bytes = b"", *, token: str | None = None, include: list[str] | None = None
) -> list[tuple[str, str]]:
    auth = AWS4Auth("testing", "testing", REGION, "execute-api", session_token=token)
    if include is not None:
        auth.include_hdrs = include
    prepared = requests.Request(
        method, url, data=body or None, headers={"User-Agent": "merchant/1.0"}
    ).prepare()
    auth(prepared)
    return [("Host", HOST), *prepared.headers.items()]


def received(method: str, url: str, headers: list[tuple[str, str]], body: bytes) -> sigv4.SignedRequest:
    """The request as the gateway sees it on the wire: path and query exactly as sent."""
    parts = urlsplit(url)
    return sigv4.SignedRequest(method, parts.path, parts.query, headers, body)


def check(
    request: sigv4.SignedRequest,
    now: datetime | None = None,
    credentials: sigv4.CredentialLookup = STATIC,
) -> sigv4.Identity:
    return sigv4.verify(request, credentials=credentials, region=REGION, now=now)


URL = f"http://{HOST}/wallets/c1?x=1"


def test_valid_signature_gives_identity() -> None:
    identity = check(received("POST", URL, botocore_signed("POST", URL), b"{}"))
    assert identity.access_key == "testing"
    assert identity.user_arn.endswith(":user/testing")


ENCODED_URLS = {
    "encoded-at": f"http://{HOST}/wallets/a%40b",
    "encoded-utf8": f"http://{HOST}/wallets/caf%C3%A9",
    "utf8-in-query": f"http://{HOST}/wallets/c1?q=%C3%A9",
    "unsorted-repeated": f"http://{HOST}/wallets/c1?b=2&a=1&a=0",
    "bare-name": f"http://{HOST}/wallets/c1?flag",
}


@pytest.mark.parametrize("url", list(ENCODED_URLS.values()), ids=list(ENCODED_URLS))
@pytest.mark.parametrize("client", ["aws4auth", "botocore"])
def test_encodings_api_gateway_accepts_are_accepted(url: str, client: str) -> None:
    signer: Callable[..., list[tuple[str, str]]] = (
        aws4auth_signed if client == "aws4auth" else botocore_signed
    )
    body = b"" if client == "aws4auth" else b"{}"
    assert check(received("GET", url, signer("GET", url, body), body)).access_key == "testing"


def test_a_plus_in_the_query_is_a_space() -> None:
    # requests-aws4auth (like API Gateway) reads "+" as a space; botocore signs a query as given, so only
    # a client that encodes a space as "+" on the wire shows the rule.
    url = f"http://{HOST}/wallets/c1?q=a+b"
    assert check(received("GET", url, aws4auth_signed("GET", url), b"")).access_key == "testing"
    spaced = f"http://{HOST}/wallets/c1?q=a%20b"
    assert (
        check(
            received("GET", url, botocore_signed("GET", spaced), b"{}"),
        ).access_key
        == "testing"
    )


def test_a_signed_user_agent_header_is_part_of_the_signature() -> None:
    url = f"http://{HOST}/wallets/c1"
    headers = aws4auth_signed(
        "GET", url, include=["host", "x-amz-date", "user-agent", "x-amz-content-sha256"]
    )
    authorization = dict(headers)["Authorization"]
    assert "user-agent" in authorization
    assert check(received("GET", url, headers, b"")).access_key == "testing"
    changed = [(k, "other/2.0" if k == "User-Agent" else v) for k, v in headers]
    with pytest.raises(sigv4.SignatureError, match="does not match"):
        check(received("GET", url, changed, b""))


def test_a_body_changed_after_signing_fails_although_its_hash_header_was_signed() -> None:
    original = b'{"amount": "5.00"}'
    headers = aws4auth_signed("POST", URL, original)
    assert dict(headers)["x-amz-content-sha256"] == hashlib.sha256(original).hexdigest()
    assert check(received("POST", URL, headers, original)).access_key == "testing"
    with pytest.raises(sigv4.SignatureError, match="does not match"):
        check(received("POST", URL, headers, b'{"amount": "500.00"}'))


def test_a_signed_header_missing_from_the_request_fails() -> None:
    headers = [h for h in botocore_signed("POST", URL) if h[0].lower() != "content-type"]
    with pytest.raises(sigv4.SignatureError, match="does not match"):
        check(received("POST", URL, headers, b"{}"))


def test_the_scope_date_must_be_the_date_of_x_amz_date() -> None:
    headers = botocore_signed("POST", URL)
    stamp = dict(headers)["X-Amz-Date"]
    next_day = (datetime.strptime(stamp[:8], "%Y%m%d").replace(tzinfo=UTC) + timedelta(days=1)).strftime(
        "%Y%m%d"
    )
    forged = [
        (k, v.replace(f"/{stamp[:8]}/", f"/{next_day}/") if k == "Authorization" else v) for k, v in headers
    ]
    with pytest.raises(sigv4.SignatureError, match="Date in Credential scope does not match"):
        check(received("POST", URL, forged, b"{}"))


def test_a_session_token_is_accepted_only_with_the_key_sts_issued_it_with() -> None:
    issued = sigv4.Credential(
        secret_key="temp-secret",
        user_arn="arn:aws:sts::123456789012:assumed-role/ops/me",
        session_token="tok-1",
    )
    lookup = sigv4.chain(STATIC, lambda akid: issued if akid == "ASIATEMP" else None)
    good = botocore_signed("POST", URL, access="ASIATEMP", secret="temp-secret", token="tok-1")
    assert check(received("POST", URL, good, b"{}"), credentials=lookup).user_arn.endswith(
        "assumed-role/ops/me"
    )
    for access, secret, token in [
        ("ASIATEMP", "temp-secret", "bogus"),  # someone else's token
        ("ASIATEMP", "temp-secret", None),  # temporary key without its token
        ("testing", "testing", "bogus"),  # a long-term key with an invented token
    ]:
        headers = botocore_signed("POST", URL, access=access, secret=secret, token=token)
        with pytest.raises(sigv4.SignatureError, match="security token included in the request is invalid"):
            check(received("POST", URL, headers, b"{}"), credentials=lookup)


def test_an_expired_temporary_credential_is_refused() -> None:
    expired = sigv4.Credential(
        secret_key="s", user_arn="arn", session_token="t", expires_at=datetime.now(UTC) - timedelta(seconds=1)
    )
    headers = botocore_signed("POST", URL, access="ASIAOLD", secret="s", token="t")
    with pytest.raises(sigv4.SignatureError, match="expired"):
        check(received("POST", URL, headers, b"{}"), credentials=lambda akid: expired)


@pytest.mark.parametrize(
    ("headers", "body", "message"),
    [
        ([], b"{}", "Missing Authentication Token"),
        ([("Authorization", "AWS4-HMAC-SHA256 nonsense")], b"{}", "requires"),
        (botocore_signed("POST", URL, secret="other"), b"{}", "does not match"),
        (botocore_signed("POST", URL, access="someone"), b"{}", "invalid"),
        (botocore_signed("POST", URL, service="s3"), b"{}", "scoped"),
        (botocore_signed("POST", URL), b'{"tampered": 1}', "does not match"),
    ],
    ids=["unsigned", "malformed", "wrong-secret", "wrong-key", "wrong-service", "tampered-body"],
)
def test_bad_signatures_are_refused(headers: list[tuple[str, str]], body: bytes, message: str) -> None:
    with pytest.raises(sigv4.SignatureError, match=message):
        check(received("POST", URL, headers, body))


def test_stale_and_undated_requests_are_refused() -> None:
    headers = botocore_signed("POST", URL)
    with pytest.raises(sigv4.SignatureError, match="expired"):
        check(received("POST", URL, headers, b"{}"), now=datetime.now(UTC) + timedelta(minutes=20))
    undated = [(k, "yesterday" if k == "X-Amz-Date" else v) for k, v in headers]
    with pytest.raises(sigv4.SignatureError, match="X-Amz-Date"):
        check(received("POST", URL, undated, b"{}"))


@pytest.mark.parametrize(
    ("raw", "canonical"),
    [
        ("/", "/"),
        ("/wallets/a%40b", "/wallets/a%2540b"),
        ("/a/./b/../c", "/a/c"),
        ("/a/b/", "/a/b/"),
        ("//a", "/a"),
    ],
)
def test_canonical_path(raw: str, canonical: str) -> None:
    assert sigv4.canonical_path(raw) == canonical


def test_canonical_query_decodes_then_encodes_with_the_unreserved_set() -> None:
    assert sigv4.canonical_query("b=2&a=x+y&a=%7E&c=%2F") == "a=x%20y&a=~&b=2&c=%2F"
