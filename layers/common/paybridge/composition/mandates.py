"""The mandate routes and track_mandate: the mandates table and Juspay (the client per call: its key may
rotate)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from paybridge.composition.aws import Clients, now
from paybridge.dal.mandates import MandatesRepository
from paybridge.juspay.client import JuspayClient
from paybridge.juspay.factory import juspay_client
from paybridge.settings import groups


@dataclass(frozen=True)
class MandateRuntime:
    """get/list/revoke/pause/resume/track mandate: the mandates table and Juspay."""

    settings: groups.MandateCommands
    mandates: MandatesRepository
    #: The tracker runs asynchronously (Lambda retries the event): its client's own retries stay short.
    max_retries: int | None = None
    clock: Callable[[], datetime] = now

    def juspay(self) -> JuspayClient:
        """This invocation's Juspay client."""
        return juspay_client(self.settings, max_retries=self.max_retries)


def for_mandate_commands(
    settings: groups.MandateCommands, *, max_retries: int | None = None
) -> MandateRuntime:
    """The runtime of a mandate route or of track_mandate (``max_retries=1``)."""
    return MandateRuntime(
        settings, MandatesRepository(Clients().dynamodb, settings.mandates_table), max_retries
    )
