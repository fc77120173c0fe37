"""get_mandate_debit: the recurring debits table."""

from __future__ import annotations

from paybridge.composition.aws import Clients
from paybridge.dal.mandate_debits import MandateDebitsRepository
from paybridge.settings.mandates import GetMandateDebitSettings


def for_get_mandate_debit(settings: GetMandateDebitSettings) -> MandateDebitsRepository:
    """The recurring debits table."""
    return MandateDebitsRepository(Clients().dynamodb, settings.mandate_debits_table)
