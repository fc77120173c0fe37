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
    customer_id = _customer_of(detail, (block, order_block)) or mandates.customer_of(mandate_id)
    if customer_id is None:
        # Juspay routes mandate calls by the customer; without one the call would go to the wrong shard.
        metrics.add_metric(name="MandateEventWithoutCustomer", unit=MetricUnit.Count, value=1)
        logger.warning("mandate event names no customer", extra={"mandate_id": mandate_id})
        return None
    answer = juspay.check_mandate_status(mandate_id, customer_id=customer_id)
    summary = MandateSummary.from_juspay(answer, mandate_id=mandate_id)
    if not summary.customer_id:
        summary = summary.model_copy(update={"customer_id": customer_id})
    mandates.save(summary, source=str(detail.get("event_name") or "webhook"), now=clock())
    logger.info("mandate refreshed", extra={"mandate_id": mandate_id, "status": summary.status})
    return summary


def _customer_of(detail: Mapping[str, Any], blocks: tuple[object, ...]) -> str | None:
    """The customer the event names: the mandate block's, else the event detail's (``ingest_webhook``)."""
    for candidate in (
        *(b.get("customer_id") for b in blocks if isinstance(b, Mapping)),
        detail.get("customer_id"),
    ):
        if isinstance(candidate, str) and candidate.strip():
            return candidate.strip()
    return None
