"""GET /customers/{customer_id}/mandates: the customer's mandates, from Juspay."""

from __future__ import annotations

from paybridge.juspay.client import JuspayClient
from paybridge.models.mandate import MandateSummary
from paybridge.models.validation import require_id


def list_mandates(customer_id: str, *, juspay: JuspayClient) -> list[MandateSummary]:
    """Every mandate Juspay lists for the customer (tokens and payment details left out)."""
    customer_id = require_id("customer_id", customer_id)
    return [MandateSummary.from_juspay(m) for m in juspay.list_mandates(customer_id).mandates]
