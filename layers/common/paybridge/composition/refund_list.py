"""list_refunds: the refunds table."""

from __future__ import annotations

from paybridge.composition.aws import Clients
from paybridge.dal.refunds import RefundsRepository
from paybridge.settings.refunds import ListRefundsSettings


def for_list_refunds(settings: ListRefundsSettings) -> RefundsRepository:
    """The refunds table."""
    return RefundsRepository(Clients().dynamodb, settings.refunds_table)
