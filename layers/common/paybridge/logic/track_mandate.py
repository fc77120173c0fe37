"""Keeps the mandates table current from MANDATE_* webhooks (taken from the bus).

The webhook is a hint: the state stored is the one Juspay's ``check_status`` confirms.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from paybridge.dal.mandates import MandatesRepository
from paybridge.juspay.client import JuspayClient
from paybridge.models.mandate import MandateSummary
from paybridge.observability import MetricUnit, logger, metrics


def track_mandate(
    detail: Mapping[str, Any],
    *,
    juspay: JuspayClient,
    mandates: MandatesRepository,
    clock: Callable[[], datetime],
) -> MandateSummary | None:
    """Refreshes the mandate a webhook is about. Returns None when the event names no mandate."""
    content = detail.get("content") or {}
    block = content.get("mandate") if isinstance(content, Mapping) else None
    order_block = content.get("order", {}).get("mandate") if isinstance(content, Mapping) else None
    mandate_id = next(
        (
            str(b["mandate_id"])
            for b in (block, order_block)
            if isinstance(b, Mapping) and b.get("mandate_id")
        ),
        None,
    )
    if mandate_id is None:
        metrics.add_metric(name="MandateEventWithoutId", unit=MetricUnit.Count, value=1)
        logger.warning("mandate event names no mandate", extra={"event_id": detail.get("event_id")})
        return None
    summary = MandateSummary.from_juspay(juspay.check_mandate_status(mandate_id), mandate_id=mandate_id)
    mandates.save(summary, source=str(detail.get("event_name") or "webhook"), now=clock())
    logger.info("mandate refreshed", extra={"mandate_id": mandate_id, "status": summary.status})
    return summary
