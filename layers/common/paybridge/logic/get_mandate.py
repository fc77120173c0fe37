"""GET /mandates/{mandate_id}: the mandate's status as Juspay reports it now (and remembered)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from paybridge.dal.mandates import MandatesRepository
from paybridge.errors import NotFoundError
from paybridge.juspay.client import JuspayClient
from paybridge.models.mandate import MandateSummary
from paybridge.models.validation import require_id


def get_mandate(
    mandate_id: str, *, juspay: JuspayClient, mandates: MandatesRepository, clock: Callable[[], datetime]
) -> MandateSummary:
    """Checks the mandate with Juspay (``check_status``), stores and returns it."""
    mandate_id = require_id("mandate_id", mandate_id)
    customer_id = mandate_customer(mandate_id, mandates)
    answer = juspay.check_mandate_status(mandate_id, customer_id=customer_id)
    summary = with_customer(MandateSummary.from_juspay(answer, mandate_id=mandate_id), customer_id)
    mandates.save(summary, source="check_status", now=clock())
    return summary


def mandate_customer(mandate_id: str, mandates: MandatesRepository) -> str:
    """The mandate's customer from the mandates table: Juspay routes mandate calls by the customer id, never
    the mandate id. A mandate never seen here (no webhook, not listed yet) is a 404 naming the way out."""
    customer_id = mandates.customer_of(mandate_id)
    if customer_id is None:
        raise NotFoundError(
            "mandate not known here yet: list the customer's mandates (GET /customers/{customer_id}/mandates)"
            " first, so its customer is known",
            details={"field": "mandate_id", "rule": "mandate_customer_unknown"},
        )
    return customer_id


def with_customer(summary: MandateSummary, customer_id: str) -> MandateSummary:
    """``summary`` with its customer filled in (command answers do not repeat it; the record keeps it)."""
    return summary if summary.customer_id else summary.model_copy(update={"customer_id": customer_id})
