"""The pieces every area builds from: one boto3 session per container with its clients, the clock, and
starting the pending-order follower."""

from __future__ import annotations

import functools
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import boto3

from paybridge.bus import EventPublisher
from paybridge.dal.pending_orders import PendingOrdersRepository
from paybridge.logic.pending_order_schedule import FollowSchedule
from paybridge.logic.start_pending_order import StartDependencies
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


def pending_orders(settings: groups.PendingOrders, clients: Clients) -> PendingOrdersRepository:
    """The pending orders table."""
    return PendingOrdersRepository(clients.dynamodb, settings.pending_orders_table)


def follow_schedule(settings: groups.FollowSchedule) -> FollowSchedule:
    """The follower's schedule the settings describe (template parameters and ``TIME_SCALE``)."""
    return FollowSchedule(
        first_wait_s=settings.pending_order_first_wait_s,
        max_wait_s=settings.pending_order_max_wait_s,
        deadline_s=settings.pending_order_deadline_s,
        time_scale=settings.time_scale,
    )


def follow_starter(settings: groups.FollowStart, clients: Clients) -> StartDependencies:
    """What starting a pending-order follow needs (``logic.start_pending_order``)."""
    return StartDependencies(
        sfn_client=clients.stepfunctions,
        state_machine_arn=settings.pending_order_state_machine_arn,
        clock=now,
        repository=pending_orders(settings, clients),
        schedule=follow_schedule(settings),
    )
