"""POST /orders/{order_id}: change an order's amount, udf1..udf10 or address at Juspay."""

from __future__ import annotations

from typing import Any

from paybridge.dal.orders import OrdersRepository
from paybridge.errors import ConflictError
from paybridge.juspay.client import JuspayClient
from paybridge.logic.get_order import order_view
from paybridge.models.order_api import UpdateOrderRequest
from paybridge.models.validation import require_id
from paybridge.observability import logger


def update_order(
    order_id: str, request: UpdateOrderRequest, *, juspay: JuspayClient, orders: OrdersRepository
) -> dict[str, Any]:
    """Validates and forwards the update. An order whose wallet share is already settled or cancelled is
    refused (409): its amounts are booked in the ledger. Juspay itself refuses an order that can no longer
    change, which the API passes on."""
    order_id = require_id("order_id", order_id)
    record = orders.get(order_id)
    if record is not None and record.is_final:
        raise ConflictError(
            f"order is {record.status}: its wallet share is booked and it can no longer change",
            details={"field": "order_id"},
        )
    order = juspay.update_order(
        order_id, amount=request.amount, udfs=request.udfs() or None, address=request.address() or None
    )
    logger.info("order updated", extra={"order_id": order_id, "amount_changed": request.amount is not None})
    return order_view(order)
