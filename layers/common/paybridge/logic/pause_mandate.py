"""POST /mandates/{mandate_id}/pause: pause a mandate at Juspay, then remember its new state."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from paybridge.dal.mandates import MandatesRepository
from paybridge.juspay.client import JuspayClient
from paybridge.logic.get_mandate import mandate_customer, with_customer
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
    customer_id = mandate_customer(mandate_id, mandates)  # Juspay's x-routing-id, never the mandate id
    dates = request.model_dump(exclude_none=True)
    answer = juspay.pause_mandate(mandate_id, customer_id=customer_id, **dates)
    summary = with_customer(MandateSummary.from_juspay(answer, mandate_id=mandate_id), customer_id)
    mandates.save(summary, source="pause", now=clock())
    metrics.add_metric(name="MandatePaused", unit=MetricUnit.Count, value=1)
    logger.info("mandate paused", extra={"mandate_id": mandate_id, "status": summary.status})
    return summary
