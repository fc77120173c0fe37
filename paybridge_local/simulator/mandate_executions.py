"""Mandate executions in the Juspay simulator: ``POST /txns`` with a mandate, cancel recurring transaction,
and the control that decides an execution's outcome (samples ``mandate_execution_*``,
``mandate_cancel_recurring_txn_*``, ``order_status_after_cancel_recurring_txn.json``,
``webhook_order_succeeded_mandate_execution.json``). Execution orders live in the simulator's order store.
No product import.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from paybridge_local.simulator.errors import JsonDict, control_error, mandatory_fields_missing, not_found
from paybridge_local.simulator.mandate_notifications import Notifications
from paybridge_local.simulator.mandate_rules import (
    Simulator,
    active_mandate,
    amount,
    refused,
    send,
    within_max,
)
from paybridge_local.simulator.wire import now_iso

#: Juspay's status ids (samples): PENDING_VBV 23, CHARGED 21, JUSPAY_DECLINED 22, AUTHENTICATION_FAILED 26,
#: AUTHORIZATION_FAILED 27.
_STATUS_IDS = {
    "PENDING_VBV": 23,
    "CHARGED": 21,
    "JUSPAY_DECLINED": 22,
    "AUTHENTICATION_FAILED": 26,
    "AUTHORIZATION_FAILED": 27,
}
#: Terms of the mandate block an execution order carries (sample) when the stored mandate does not say.
_MANDATE_BLOCK_DEFAULTS: JsonDict = {
    "start_date": "1598745600",
    "end_date": "4102444800",
    "rule_value": 1,
    "rule_type": "ON",
    "revokable_by_customer": True,
    "mandate_type": "EMANDATE",
    "mandate_token": "sim-mandate-token",
    "frequency": "ASPRESENTED",
    "block_fund": False,
    "amount_rule": "VARIABLE",
}
_PENDING = frozenset({"NEW", "STARTED", "PENDING_VBV", "VBV_SUCCESSFUL", "AUTHORIZING"})


class Executions:
    """Executes debits against notified mandates; settles and cancels them."""

    def __init__(self, simulator: Simulator, notifications: Notifications) -> None:
        self._sim = simulator
        self._notifications = notifications

    def execute(self, form: Mapping[str, str]) -> JsonDict:
        """``POST /txns`` with ``mandate_id``: checks the execution rules, creates the execution order."""
        required = ("order.order_id", "order.amount", "mandate_id", "mandate.notification_id")
        if any(not form.get(field) for field in required):
            raise mandatory_fields_missing()
        order_id, mandate_id = form["order.order_id"], form["mandate_id"]
        value = amount(form["order.amount"])
        mandate = active_mandate(self._sim, mandate_id)
        customer_id = form.get("order.customer_id") or mandate.get("customer_id")
        if mandate.get("customer_id") and customer_id != mandate.get("customer_id"):
            raise refused("invalid.customer", "The order's customer is not the mandate's customer.")
        within_max(mandate, value)
        notification = self._notifications.stored(form["mandate.notification_id"])
        if notification is None or notification["mandate"]["mandate_id"] != mandate_id:
            raise refused("invalid.notification", "No pre-debit notification of this mandate with this id.")
        if notification["status"] != "SUCCESS":
            raise refused("invalid.notification", f"The notification is {notification['status']}.")
        if amount(notification["source_info"].get("amount")) != value:
            raise refused("invalid.amount", "The amount differs from the notified amount.")
        if int(time.time()) < int(notification["source_info"].get("txn_date") or 0):
            raise refused(
                "invalid.execution_date", "The debit date announced to the customer has not come yet."
            )
        txn_uuid = f"eul{uuid.uuid4().hex[:16]}"
        txn_id = f"{self._sim.merchant_id}-{order_id}-1"
        order = self._execution_order(order_id, value, customer_id, mandate, txn_id, txn_uuid)
        with self._sim.state.lock:
            if order_id in self._sim.state.orders:
                raise refused("duplicate.order", "An order with this order_id exists already.")
            self._sim.state.orders[order_id] = order
        return {
            "txn_uuid": txn_uuid,
            "txn_id": txn_id,
            "status": "PENDING_VBV",
            "payment": {
                "authentication": {
                    "url": f"{self._sim.url}/v2/pay/finish/{self._sim.merchant_id}/{txn_uuid}/1",
                    "method": "GET",
                }
            },
            "order_id": order_id,
        }

    def _execution_order(
        self,
        order_id: str,
        value: Decimal,
        customer_id: Any,
        mandate: JsonDict,
        txn_id: str,
        txn_uuid: str,
    ) -> JsonDict:
        wire = int(value) if value == value.to_integral_value() else value
        created = now_iso()
        block = {**_MANDATE_BLOCK_DEFAULTS, **mandate}
        block = {k: v for k, v in block.items() if k not in ("status", "customer_id", "order_id", "currency")}
        block["mandate_status"] = mandate["status"]
        links = f"{self._sim.url}/merchant/pay/{order_id}"
        return {
            "order_id": order_id,
            "id": f"ordeu_{uuid.uuid4().hex}",
            "merchant_id": self._sim.merchant_id,
            "customer_id": customer_id,
            "status": "PENDING_VBV",
            "status_id": _STATUS_IDS["PENDING_VBV"],
            "amount": wire,
            "currency": mandate.get("currency") or "INR",
            "date_created": created,
            "return_url": "",
            "product_id": "",
            "refunded": False,
            "amount_refunded": 0,
            **{f"udf{i}": "" for i in range(1, 11)},
            "txn_id": txn_id,
            "txn_uuid": txn_uuid,
            "payment_method_type": "UPI",
            "payment_method": "UPI",
            "payment_links": {"web": links, "mobile": f"{links}?mobile=true", "iframe": links},
            "payer_vpa": "",
            "gateway_id": 0,
            "gateway_reference_id": "",
            "customer_email": "",
            "customer_phone": "",
            "auth_type": "",
            "bank_error_code": "",
            "bank_error_message": "",
            "txn_detail": {
                "txn_id": txn_id,
                "order_id": order_id,
                "txn_uuid": txn_uuid,
                "txn_object_type": "EMANDATE_PAYMENT",
                "source_object": "MANDATE",
                "source_object_id": str(mandate["mandate_id"]),
                "status": "PENDING_VBV",
                "txn_amount": wire,
                "net_amount": wire,
                "tax_amount": None,
                "surcharge_amount": None,
                "gateway_id": 0,
                "currency": mandate.get("currency") or "INR",
                "gateway": "SIMULATOR",
                "express_checkout": False,
                "redirect": False,
                "error_code": "",
                "error_message": "",
                "created": created,
            },
            "metadata": {},
            "mandate": block,
        }

    def settle_execution(self, order_id: str, body: Any) -> JsonDict:
        """Control: ``{"status": CHARGED | AUTHORIZATION_FAILED | ..., "deliver"?: true}``: the execution's
        outcome; its ORDER_SUCCEEDED (CHARGED) or ORDER_FAILED webhook is delivered, or lost with
        ``"deliver": false`` (nothing is sent: only Order Status tells)."""
        spec = body if isinstance(body, dict) else {}
        status = spec.get("status")
        if not isinstance(status, str) or not status:
            raise control_error(400, 'body must be {"status": "CHARGED" | "AUTHORIZATION_FAILED" | ...}')
        with self._sim.state.lock:
            order = self._sim.state.orders.get(order_id)
            if order is None or (order.get("txn_detail") or {}).get("txn_object_type") != "EMANDATE_PAYMENT":
                raise control_error(404, f"no mandate execution {order_id!r}")
            self._move(
                order, status, error=None if status == "CHARGED" else ("JP_801", "Debit failed (simulated).")
            )
        if status in _PENDING or spec.get("deliver", True) is False:
            return {"order_id": order_id, "status": status, "delivery": None}
        event_name = "ORDER_SUCCEEDED" if status == "CHARGED" else "ORDER_FAILED"
        event = self._sim.state.webhook_event(order_id, {"event_name": event_name})
        return {"order_id": order_id, "status": status, "delivery": send(self._sim, event)}

    def cancel(self, mandate_id: str, form: Mapping[str, str]) -> JsonDict:
        """``command=cancel_recurring_transaction``: stops a pending execution (JUSPAY_DECLINED, JP_852)."""
        order_id = form.get("order_id")
        if not order_id:
            raise mandatory_fields_missing()
        with self._sim.state.lock:
            if mandate_id not in self._sim.state.mandates:
                raise not_found("Mandate", mandate_id)
            order = self._sim.state.orders.get(order_id)
            detail = (order or {}).get("txn_detail") or {}
            if order is None or detail.get("source_object_id") != mandate_id:
                raise not_found("Order", order_id)
            if order["status"] not in _PENDING:
                raise refused(
                    "invalid.order.state", f"The transaction is {order['status']}; it cannot be stopped."
                )
            self._move(order, "JUSPAY_DECLINED", error=("JP_852", "Transaction was declined by merchant."))
            return {
                "order_id": order_id,
                "txn_uuid": order.get("txn_uuid"),
                "txn_status": "JUSPAY_DECLINED",
                "response_message": "Transaction successfully terminated at Juspay end.",
            }

    @staticmethod
    def _move(order: JsonDict, status: str, *, error: tuple[str, str] | None) -> None:
        order["status"] = status
        order["status_id"] = _STATUS_IDS.get(status, order.get("status_id"))
        order["txn_detail"]["status"] = status
        code, message = error or ("", "")
        order["bank_error_code"], order["bank_error_message"] = code, message
        order["txn_detail"]["error_code"], order["txn_detail"]["error_message"] = code, message
        order["payment_gateway_response"] = {
            "resp_code": code or "00",
            "resp_message": message or "Txn Success",
            "txn_id": order["txn_id"],
            "rrn": "",
            "epg_txn_id": f"sim{order['txn_uuid']}",
            "auth_id_code": "",
            "created": now_iso(),
        }
