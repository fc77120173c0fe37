"""The simulator's own reading of an order in Order Status shape, derived from Juspay's samples
(``order_status_*.json``, the ``content.order`` of webhooks) and JUSPAY.md, not from the product's models:
a product model that drifts from Juspay is refused here instead of agreeing with itself.

Juspay sends two shapes: one transaction at top level (``txn_id``, ``txn_detail``) or split payments in
``txn_list``. Amounts are JSON numbers (or numeric strings in older payloads); statuses are strings.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from paybridge_local.simulator.errors import JsonDict, control_error

__all__ = ["OrderShape", "Txn", "find_txn", "is_split", "transactions", "validate_order"]


def _number(value: object) -> object:
    # JSON numbers arrive as int or Decimal; older payloads quote them. A bool or float is not an amount.
    if (
        value is None
        or isinstance(value, Decimal)
        or (isinstance(value, int) and not isinstance(value, bool))
    ):
        return value
    if isinstance(value, str):
        if not value.strip():
            return None
        try:
            return Decimal(value.strip())
        except InvalidOperation:
            raise ValueError("not a number") from None
    raise ValueError("not a number")


Amount = Annotated[Decimal | int | None, BeforeValidator(_number)]


class _Shape(BaseModel):
    model_config = ConfigDict(extra="allow", strict=True)


class TxnDetailShape(_Shape):
    """``txn_detail``: one transaction's amounts and gateway."""

    txn_id: str | None = None
    order_id: str | None = None
    status: str | None = None
    txn_amount: Amount = None
    net_amount: Amount = None
    gateway: str | None = None
    gateway_id: int | str | None = None


class TxnShape(_Shape):
    """One entry of ``txn_list`` (split payments)."""

    txn_id: str | None = None
    status: str | None = None
    payment_method_type: str | None = None
    amount_refunded: Amount = None
    # "true" as a string in webhook_refund_manual_review.json.
    refunded: bool | str | None = None
    txn_detail: TxnDetailShape | None = None


class RefundShape(_Shape):
    """One entry of an order's ``refunds[]``."""

    status: str
    amount: Amount = None
    unique_request_id: str | None = None
    txn_id: str | None = None


class MandateBlockShape(_Shape):
    """An order's ``mandate`` block (``order_status_mandate_register_upi.json``)."""

    mandate_id: str
    mandate_status: str | None = None
    max_amount: Amount = None


class OrderShape(_Shape):
    """An order as Order Status answers it: the fields the simulator reads, typed as Juspay sends them."""

    order_id: str = Field(min_length=1)
    status: str = Field(min_length=1)
    id: str | None = None
    status_id: int | str | None = None
    merchant_id: str | None = None
    customer_id: str | None = None
    amount: Amount = None
    currency: str | None = None
    txn_id: str | None = None
    amount_refunded: Amount = None
    # "true" as a string in webhook_refund_manual_review.json.
    refunded: bool | str | None = None
    txn_detail: TxnDetailShape | None = None
    txn_list: list[TxnShape] | None = None
    refunds: list[RefundShape] | None = None
    mandate: MandateBlockShape | None = None
    payment_links: dict[str, Any] | None = None


def validate_order(order: JsonDict) -> OrderShape:
    """The order read in Juspay's shape, or the control API's 400 naming every field that is not."""
    try:
        return OrderShape.model_validate(order)
    except ValidationError as exc:
        fields = [".".join(str(p) for p in err["loc"]) for err in exc.errors()]
        raise control_error(400, f"not an Order Status shape; invalid fields: {fields}") from None


@dataclass(frozen=True)
class Txn:
    """One transaction of an order, whichever shape the order has."""

    txn_id: str | None
    status: str | None
    #: This transaction's share; the order amount for a single-transaction order without ``txn_detail``.
    amount: Decimal


def is_split(order: JsonDict) -> bool:
    """True for the ``txn_list`` shape (split payments)."""
    return isinstance(order.get("txn_list"), list)


def transactions(order: JsonDict) -> list[Txn]:
    """Every transaction of a stored (validated) order; empty when none started yet."""
    shape = OrderShape.model_validate(order)
    order_amount = Decimal(shape.amount or 0)
    if shape.txn_list is not None:
        found = []
        for entry in shape.txn_list:
            detail = entry.txn_detail
            found.append(
                Txn(
                    txn_id=entry.txn_id or (detail.txn_id if detail else None),
                    status=entry.status or (detail.status if detail else None),
                    amount=Decimal(detail.txn_amount or 0) if detail else Decimal(0),
                )
            )
        return found
    detail = shape.txn_detail
    if shape.txn_id is None and detail is None:
        return []
    amount = detail.txn_amount if detail is not None and detail.txn_amount is not None else order_amount
    return [
        Txn(
            txn_id=shape.txn_id or (detail.txn_id if detail else None),
            status=(detail.status if detail else None) or shape.status,
            amount=Decimal(amount),
        )
    ]


def find_txn(orders: dict[str, JsonDict], txn_id: str) -> tuple[JsonDict, Txn] | None:
    """The stored order holding transaction ``txn_id`` and that transaction, or None."""
    for order in orders.values():
        for txn in transactions(order):
            if txn.txn_id == txn_id:
                return order, txn
    return None
