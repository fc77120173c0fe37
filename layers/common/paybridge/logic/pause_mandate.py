"""POST /mandates/{mandate_id}/pause: pause a mandate at Juspay, then remember its new state."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from paybridge.dal.mandates import MandatesRepository
from paybridge.juspay.client import JuspayClient
from paybridge.logic.mandate_command import run_mandate_command
from paybridge.models.mandate import MandateSummary, PauseMandateRequest


def pause_mandate(
    mandate_id: str,
    request: PauseMandateRequest,
    *,
    juspay: JuspayClient,
    mandates: MandatesRepository,
    clock: Callable[[], datetime],
) -> MandateSummary:
    """Sends ``command=pause`` for the mandate (see ``run_mandate_command``)."""
    return run_mandate_command(
        "pause",
        mandate_id,
        request.model_dump(exclude_none=True),
        call=juspay.pause_mandate,
        mandates=mandates,
        clock=clock,
        metric="MandatePaused",
    )
