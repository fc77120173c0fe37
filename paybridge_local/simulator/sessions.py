"""``POST /session``: creates the order (status NEW) unless it exists and answers the ``sdk_payload`` the
app hands to Juspay's SDK (``session_response_*.json``)."""

from __future__ import annotations

import uuid
from typing import Any

from paybridge_local.simulator.errors import JsonDict, mandatory_fields_missing
from paybridge_local.simulator.orders import OrderBook
from paybridge_local.simulator.wire import camel_key, iso_in, parse_form_amount

__all__ = ["SESSION_TTL_S", "create_session"]

#: How long a session's client auth token and payment link stay valid (Juspay: 15 minutes).
SESSION_TTL_S = 15 * 60


def create_session(orders: OrderBook, body: Any, base_url: str) -> JsonDict:
    """The session answer for ``body`` (the JSON request), its expiries ``SESSION_TTL_S`` from now."""
    if not isinstance(body, dict) or not body.get("order_id") or body.get("amount") is None:
        raise mandatory_fields_missing()
    amount = parse_form_amount(body["amount"])
    snapshot = orders.new_order(body, status="NEW", status_id=10, id_prefix="ordeh")
    order_id = snapshot["order_id"]
    expiry = iso_in(SESSION_TTL_S)
    payload: JsonDict = {"collectAvsInfo": False}
    payload.update({camel_key(k): v for k, v in body.items() if k != "payment_page_client_id"})
    payload.update(
        {
            "clientId": body.get("payment_page_client_id") or orders.merchant_id,
            "amount": str(amount),
            "merchantId": orders.merchant_id,
            "clientAuthToken": f"tkn_{uuid.uuid4().hex}",
            "clientAuthTokenExpiry": expiry,
            "environment": "sandbox",
            "action": body.get("action") or "paymentPage",
            "orderId": order_id,
            "service": "in.juspay.hyperpay",
        }
    )
    return {
        "status": snapshot["status"],
        "id": snapshot["id"],
        "order_id": order_id,
        "payment_links": {"web": f"{base_url}/orders/{snapshot['id']}/payment-page", "expiry": expiry},
        "sdk_payload": {
            "requestId": uuid.uuid4().hex,
            "service": "in.juspay.hyperpay",
            "payload": payload,
            "expiry": expiry,
        },
        "order_expiry": expiry,
    }
