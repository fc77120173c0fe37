"""HTTP Basic authentication of webhooks."""

from __future__ import annotations

import base64

import pytest

from paybridge.auth import BasicCredential, credentials_from_secret, is_authorized, parse_basic_authorization
from tests.helpers import basic_auth

ACTIVE = (BasicCredential("juspay", "old-pass"), BasicCredential("juspay", "new-pass"))


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (basic_auth("juspay", "old-pass"), True),
        (basic_auth("juspay", "new-pass"), True),
        (basic_auth("juspay", "other"), False),
        (basic_auth("JUSPAY", "old-pass"), False),
        (basic_auth("juspay", "old-pass") + "x", False),
        ("basic " + base64.b64encode(b"juspay:old-pass").decode(), True),
        ("Basic " + base64.b64encode(b"juspay-no-colon").decode(), False),
        ("Bearer token", False),
        ("Basic", False),
        ("", False),
        (None, False),
    ],
)
def test_is_authorized(header: str | None, expected: bool) -> None:
    assert is_authorized(header, ACTIVE) is expected


def test_password_may_contain_colons() -> None:
    creds = (BasicCredential("u", "a:b:c"),)
    assert parse_basic_authorization(basic_auth("u", "a:b:c")) == (b"u", b"a:b:c")
    assert is_authorized(basic_auth("u", "a:b:c"), creds)


def test_no_credentials_configured_rejects_everything() -> None:
    assert not is_authorized(basic_auth("", ""), ())


def test_secret_shapes() -> None:
    assert credentials_from_secret({"username": "a", "password": "b"}) == (BasicCredential("a", "b"),)
    rotated = credentials_from_secret(
        {"credentials": [{"username": "a", "password": "b"}, {"username": "c", "password": "d"}]}
    )
    assert [c.username for c in rotated] == ["a", "c"]


@pytest.mark.parametrize(
    "secret",
    [
        "plain-SECRETVALUE",
        {},
        {"username": "user-SECRETVALUE"},
        {"username": "user-SECRETVALUE", "password": ""},
        {"credentials": []},
        {"credentials": [{"username": f"u{i}", "password": f"SECRETVALUE{i}"} for i in range(3)]},
    ],
)
def test_bad_secrets_fail_loudly_without_echoing_values(secret: object) -> None:
    with pytest.raises(ValueError) as raised:
        credentials_from_secret(secret)
    assert "SECRETVALUE" not in str(raised.value)


def test_repr_hides_the_password() -> None:
    assert "old-pass" not in repr(ACTIVE[0])
    assert "old-pass" not in str(ACTIVE)
