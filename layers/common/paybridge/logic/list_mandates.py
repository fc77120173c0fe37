"""GET /customers/{customer_id}/mandates: the customer's mandates, from Juspay (and remembered)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from paybridge.dal.mandates import MandatesRepository
from paybridge.juspay.client import JuspayClient
from paybridge.models.mandate import MandateSummary
from paybridge.models.validation import require_id


def list_mandates(
    customer_id: str, *, juspay: JuspayClient, mandates: MandatesRepository, clock: Callable[[], datetime]
) -> list[MandateSummary]:
    """Every mandate Juspay lists for the customer (tokens and payment details left out).

    Each is stored with its customer, so later calls about one mandate (status, revoke) can be routed by the
    customer id as Juspay asks.
    """
    customer_id = require_id("customer_id", customer_id)
    listed = [MandateSummary.from_juspay(m) for m in juspay.list_mandates(customer_id).mandates]
    summaries = [m if m.customer_id else m.model_copy(update={"customer_id": customer_id}) for m in listed]
    now = clock()
    for summary in summaries:
        if summary.mandate_id:
            mandates.save(summary, source="list", now=now)
    return summaries
