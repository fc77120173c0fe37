"""POST /mandates/{mandate_id}/revoke: revoke at Juspay, then remember the new state."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from paybridge.dal.mandates import MandatesRepository
from paybridge.juspay.client import JuspayClient
from paybridge.logic.get_mandate import mandate_customer, with_customer
from paybridge.models.mandate import MandateSummary
from paybridge.models.validation import require_id
from paybridge.observability import MetricUnit, logger, metrics


def revoke_mandate(
    mandate_id: str, *, juspay: JuspayClient, mandates: MandatesRepository, clock: Callable[[], datetime]
) -> MandateSummary:
    """Revokes the mandate. Juspay refuses a mandate that cannot be revoked (already revoked, say) with its
    own error, which the API passes on as a 400 naming Juspay's error code."""
    mandate_id = require_id("mandate_id", mandate_id)
    customer_id = mandate_customer(mandate_id, mandates)
    answer = juspay.revoke_mandate(mandate_id, customer_id=customer_id)
    summary = with_customer(MandateSummary.from_juspay(answer, mandate_id=mandate_id), customer_id)
    mandates.save(summary, source="revoke", now=clock())
    metrics.add_metric(name="MandateRevoked", unit=MetricUnit.Count, value=1)
    logger.info("mandate revoked", extra={"mandate_id": mandate_id, "status": summary.status})
    return summary
