"""Fixtures: the ledger and orders tables, created in moto from their template.yaml definitions."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from moto import mock_aws

from paybridge.dal.orders import OrdersRepository
from paybridge.dal.wallets import WalletRepository
from paybridge_local.template import load_template

REGION = "ap-south-1"


def create_table(client: Any, name: str, logical_id: str) -> None:
    """Creates ``name`` with the key schema the template gives ``logical_id``."""
    props = load_template()["Resources"][logical_id]["Properties"]
    indexes = (
        {"GlobalSecondaryIndexes": props["GlobalSecondaryIndexes"]}
        if "GlobalSecondaryIndexes" in props
        else {}
    )
    client.create_table(
        TableName=name,
        KeySchema=props["KeySchema"],
        AttributeDefinitions=props["AttributeDefinitions"],
        BillingMode="PAY_PER_REQUEST",
        **indexes,
    )


@pytest.fixture
def dynamodb() -> Iterator[Any]:
    """A moto DynamoDB client with the ledger and orders tables."""
    with mock_aws():
        client = boto3.client("dynamodb", region_name=REGION)
        create_table(client, "ledger", "LedgerTable")
        create_table(client, "orders", "OrdersTable")
        yield client


@pytest.fixture
def wallets(dynamodb: Any) -> WalletRepository:
    """The wallet repository, without sleeping between conflict retries."""
    return WalletRepository(dynamodb, "ledger", sleep=lambda _: None)


@pytest.fixture
def orders(dynamodb: Any) -> OrdersRepository:
    """The orders repository."""
    return OrdersRepository(dynamodb, "orders")


class Clock:
    """A clock tests move by hand."""

    def __init__(self) -> None:
        self.now = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock() -> Clock:
    """A fixed, movable clock."""
    return Clock()


class RacingClient:
    """A DynamoDB client that runs the first queued callable just before each transaction: another writer
    committing between this writer's read and its write (the interleaving a concurrent Lambda causes)."""

    def __init__(self, client: Any) -> None:
        self._client = client
        self.before_transact: list[Callable[[], None]] = []
        self.transactions = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)

    def transact_write_items(self, **kwargs: Any) -> Any:
        if self.before_transact:
            self.before_transact.pop(0)()
        self.transactions += 1
        return self._client.transact_write_items(**kwargs)
