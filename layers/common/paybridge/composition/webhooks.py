"""ingest_webhook's wiring: the webhook events table and the bus once per container, the webhook
credentials per invocation (read through Powertools' secret cache, so a rotated secret is picked up)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import timedelta

from aws_lambda_powertools.utilities import parameters

from paybridge.auth import credentials_from_secret
from paybridge.bus import EventPublisher
from paybridge.composition.aws import Clients, now, publisher
from paybridge.dal.webhook_events import WebhookEventsRepository
from paybridge.logic.ingest_webhook import IngestDependencies
from paybridge.settings.settlement import IngestWebhookSettings


@dataclass(frozen=True)
class IngestRuntime:
    """What ingest_webhook keeps for the container's life."""

    settings: IngestWebhookSettings
    repository: WebhookEventsRepository
    publisher: EventPublisher

    def dependencies(self, *, lease: timedelta) -> IngestDependencies:
        """One invocation's dependencies; ``lease``: how long this delivery may hold the event."""
        secret = parameters.get_secret(
            self.settings.webhook_secret_name, transform="json", max_age=self.settings.secret_max_age_s
        )
        return IngestDependencies(
            credentials=credentials_from_secret(secret),
            repository=self.repository,
            publisher=self.publisher,
            clock=now,
            sleep=time.sleep,
            lease=lease,
        )


def for_ingest_webhook(settings: IngestWebhookSettings) -> IngestRuntime:
    """ingest_webhook's runtime."""
    clients = Clients()
    return IngestRuntime(
        settings=settings,
        repository=WebhookEventsRepository(
            clients.dynamodb,
            settings.webhook_events_table,
            retention=timedelta(days=settings.webhook_retention_days),
            dedup=timedelta(seconds=settings.webhook_dedup_seconds),
        ),
        publisher=publisher(settings, clients),
    )
