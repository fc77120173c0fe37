"""What pausing and resuming a mandate share: route by the mandate's customer, send the command to Juspay,
remember the new state, count it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from paybridge.dal.mandates import MandatesRepository
from paybridge.logic.get_mandate import mandate_customer, with_customer
from paybridge.models.juspay import Mandate
from paybridge.models.mandate import MandateSummary
from paybridge.models.validation import require_id
from paybridge.observability import MetricUnit, logger, metrics

#: Sends one mandate command to Juspay: (mandate id, customer id for x-routing-id, command fields) → answer.
MandateCall = Callable[..., Mandate]


def run_mandate_command(
    command: str,
    mandate_id: str,
    fields: dict[str, Any],
    *,
    call: MandateCall,
    mandates: MandatesRepository,
    clock: Callable[[], datetime],
    metric: str,
) -> MandateSummary:
    """Sends ``command`` for the mandate. Juspay refuses a mandate whose state does not allow it with its own
    error, which the API passes on as a 400 naming Juspay's error code."""
    mandate_id = require_id("mandate_id", mandate_id)
    customer_id = mandate_customer(mandate_id, mandates)  # Juspay's x-routing-id, never the mandate id
    answer = call(mandate_id, customer_id=customer_id, **fields)
    summary = with_customer(MandateSummary.from_juspay(answer, mandate_id=mandate_id), customer_id)
    mandates.save(summary, source=command, now=clock())
    metrics.add_metric(name=metric, unit=MetricUnit.Count, value=1)
    logger.info(f"mandate {command} sent", extra={"mandate_id": mandate_id, "status": summary.status})
    return summary
