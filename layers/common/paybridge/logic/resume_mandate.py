"""POST /mandates/{mandate_id}/resume: resume a mandate at Juspay, then remember its new state."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from paybridge.dal.mandates import MandatesRepository
from paybridge.juspay.client import JuspayClient
from paybridge.logic.mandate_command import run_mandate_command
from paybridge.models.mandate import MandateSummary, ResumeMandateRequest


def resume_mandate(
    mandate_id: str,
    request: ResumeMandateRequest,
    *,
    juspay: JuspayClient,
    mandates: MandatesRepository,
    clock: Callable[[], datetime],
) -> MandateSummary:
    """Sends ``command=resume`` for the mandate (see ``run_mandate_command``)."""
    return run_mandate_command(
        "resume",
        mandate_id,
        request.model_dump(exclude_none=True),
        call=juspay.resume_mandate,
        mandates=mandates,
        clock=clock,
        metric="MandateResumed",
    )
