"""GET /mandates/{mandate_id}/debits/{cycle}: one billing cycle's debit as it stands (no Juspay call).

The way to look at a debit without acting on it: a repeated execute answers the same state, but before the
window has passed it would be the execution itself.
"""

from __future__ import annotations

from paybridge.dal.mandate_debits import MandateDebitsRepository
from paybridge.errors import NotFoundError
from paybridge.models.mandate_debit import MandateDebit
from paybridge.models.validation import require_id


def get_mandate_debit(mandate_id: str, cycle: str, *, debits: MandateDebitsRepository) -> MandateDebit:
    """The cycle's debit, or 404 when the cycle was never notified."""
    mandate_id = require_id("mandate_id", mandate_id)
    debit = debits.get(mandate_id, cycle)
    if debit is None:
        raise NotFoundError("no debit for this mandate and cycle", details={"field": "cycle"})
    return debit
