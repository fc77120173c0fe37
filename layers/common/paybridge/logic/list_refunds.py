"""GET /orders/{order_id}/refunds: the order's refunds as the refunds table holds them."""

from __future__ import annotations

from typing import Any, Protocol

from paybridge.models.refund import RefundRecord
from paybridge.models.validation import require_id


class RefundReader(Protocol):
    """Lists an order's refunds (``RefundsRepository`` satisfies it)."""

    def list_for_order(self, order_id: str) -> list[RefundRecord]: ...


def list_refunds(order_id: str, *, refunds: RefundReader) -> dict[str, Any]:
    """Every refund of the order, oldest first, with status, ids, amounts, Juspay's verdict and times.
    An order with no refunds answers an empty list (the route does not ask Juspay whether it exists)."""
    order_id = require_id("order_id", order_id)
    return {
        "order_id": order_id,
        "refunds": [
            {
                "seq": record.seq,
                "unique_request_id": record.unique_request_id,
                "attempt": record.attempt,
                "status": record.status,
                "amount": record.amount,
                "currency": record.currency,
                "txn_id": record.txn_id,
                "reason": record.reason,
                "juspay_status": record.juspay_status,
                "error_code": record.error_code,
                "error_message": record.error_message,
                "created_at": record.created_at,
                "updated_at": record.updated_at,
            }
            for record in refunds.list_for_order(order_id)
        ],
    }
