"""Fixtures of the signing integration tests: moto's KMS and Secrets Manager, offline, fake credentials."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from moto import mock_aws

REGION = "ap-south-1"


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Fake credentials and region (so nothing can reach real AWS), inside moto's mock."""
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "testing")
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with mock_aws():
        yield


@pytest.fixture
def kms(aws: None) -> Any:
    return boto3.client("kms", region_name=REGION)


@pytest.fixture
def secretsmanager(aws: None) -> Any:
    return boto3.client("secretsmanager", region_name=REGION)


@pytest.fixture
def signing_key_arn(kms: Any) -> str:
    """An asymmetric RSA_2048 SIGN_VERIFY key, as the template creates it, with an alias."""
    key = kms.create_key(KeySpec="RSA_2048", KeyUsage="SIGN_VERIFY", Description="paybridge SDK signing")
    arn: str = key["KeyMetadata"]["Arn"]
    kms.create_alias(AliasName="alias/paybridge-sdk-signing", TargetKeyId=arn)
    return arn


@pytest.fixture
def clock() -> Callable[[], datetime]:
    return lambda: datetime(2024, 6, 21, 16, 34, 27, 309000, tzinfo=UTC)
