"""Fixtures: the orders table in moto, from its template.yaml definition (ByTouchedHour index included)."""

from tests.unit.settlement.conftest import dynamodb, orders

__all__ = ["dynamodb", "orders"]
