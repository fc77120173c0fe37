"""POST /mandates/{mandate_id}/pause: pause a mandate at Juspay, then remember its new state."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from paybridge.dal.mandates import MandatesRepository
from paybridge.juspay.client import JuspayClient
from paybridge.models.mandate import MandateSummary, PauseMandateRequest
from paybridge.models.validation import require_id
from paybridge.observability import MetricUnit, logger, metrics


def pause_mandate(
    mandate_id: str,
    request: PauseMandateRequest,
    *,
    juspay: JuspayClient,
    mandates: MandatesRepository,
    clock: Callable[[], datetime],
) -> MandateSummary:
    """Sends ``command=pause``. Juspay refuses a mandate whose state does not allow it with its own error,
    which the API passes on as a 400 naming Juspay's error code."""
    mandate_id = require_id("mandate_id", mandate_id)
    answer = juspay.pause_mandate(mandate_id, **request.model_dump(exclude_none=True))
    summary = MandateSummary.from_juspay(answer, mandate_id=mandate_id)
    mandates.save(summary, source="pause", now=clock())
    metrics.add_metric(name="MandatePaused", unit=MetricUnit.Count, value=1)
    logger.info("mandate paused", extra={"mandate_id": mandate_id, "status": summary.status})
    return summary
