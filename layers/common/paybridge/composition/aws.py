"""The pieces every function builds from: one boto3 session per container with its clients, the clock and
the bus."""

from __future__ import annotations

import functools
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import boto3

from paybridge.bus import EventPublisher
from paybridge.settings import groups

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_events import EventBridgeClient
    from mypy_boto3_kms import KMSClient
    from mypy_boto3_secretsmanager import SecretsManagerClient
    from mypy_boto3_stepfunctions import SFNClient


def now() -> datetime:
    """The clock every function runs on (UTC)."""
    return datetime.now(UTC)


class Clients:
    """One boto3 session and each of its clients, built on first use and then reused."""

    def __init__(self, session: boto3.session.Session | None = None) -> None:
        self.session = session or boto3.session.Session()

    @functools.cached_property
    def dynamodb(self) -> DynamoDBClient:
        """DynamoDB (every table)."""
        return self.session.client("dynamodb")

    @functools.cached_property
    def events(self) -> EventBridgeClient:
        """EventBridge (the bus)."""
        return self.session.client("events")

    @functools.cached_property
    def stepfunctions(self) -> SFNClient:
        """Step Functions (the pending-order follower)."""
        return self.session.client("stepfunctions")

    @functools.cached_property
    def kms(self) -> KMSClient:
        """KMS (the SDK signing key)."""
        return self.session.client("kms")

    @functools.cached_property
    def secretsmanager(self) -> SecretsManagerClient:
        """Secrets Manager (a PEM signing key)."""
        return self.session.client("secretsmanager")


def publisher(settings: groups.Bus, clients: Clients) -> EventPublisher:
    """Publishes on the stack's bus."""
    return EventPublisher(clients.events, settings.event_bus_name)
