"""GET /mandates/{mandate_id}: the mandate's status as Juspay reports it now (and remembered)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from paybridge.dal.mandates import MandatesRepository
from paybridge.juspay.client import JuspayClient
from paybridge.models.mandate import MandateSummary
from paybridge.models.validation import require_id


def get_mandate(
    mandate_id: str, *, juspay: JuspayClient, mandates: MandatesRepository, clock: Callable[[], datetime]
) -> MandateSummary:
    """Checks the mandate with Juspay (``check_status``), stores and returns it."""
    mandate_id = require_id("mandate_id", mandate_id)
    summary = MandateSummary.from_juspay(juspay.check_mandate_status(mandate_id), mandate_id=mandate_id)
    mandates.save(summary, source="check_status", now=clock())
    return summary
