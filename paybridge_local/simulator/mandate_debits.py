"""Recurring debits in the Juspay simulator: pre-debit notifications, their status, mandate executions and
cancelling a recurring transaction, shaped like Juspay's samples (``mandate_pre_debit_notify_*``,
``mandate_notification_status_response.json``, ``mandate_execution_*``, ``mandate_cancel_recurring_txn_*``,
``order_status_after_cancel_recurring_txn.json``, ``webhook_notification_*``,
``webhook_order_succeeded_mandate_execution.json``).

Juspay API (Basic auth, checked by the server first):

* ``POST /mandates/{id}`` ``command=pre_debit_notify``: the mandate must be ACTIVE; ``source_info`` (JSON:
  ``amount``, ``txn_date``) is required, the amount at most the mandate's ``max_amount``. Answers the
  notification (``status`` SUCCESS, as the sample).
* ``GET /notifications/{id}``.
* ``POST /txns`` with ``mandate_id``: the rules an execution must follow, judged here so the product can be
  caught breaking them: the mandate ACTIVE and the order's customer; the notification SUCCESS, of this
  mandate, for this amount, and the announced ``txn_date`` reached (no debit before the customer's date);
  a new order id (a second execution of the same order would be a second debit). Creates the execution order
  (``PENDING_VBV``, ``txn_object_type`` EMANDATE_PAYMENT, the mandate block) and answers the sample's shape.
* ``POST /mandates/{id}`` ``command=cancel_recurring_transaction`` ``order_id=...``: a pending execution of
  that mandate becomes JUSPAY_DECLINED (JP_852), as in the sample.

Control API (no auth): ``GET|POST /__sim/notifications/{id}`` (read; set ``status`` and deliver its
NOTIFICATION_* webhook), ``POST /__sim/mandate-executions/{order_id}`` (the execution's outcome, its
ORDER_SUCCEEDED/ORDER_FAILED webhook delivered or, with ``"deliver": false``, lost).

This module imports nothing from the product: it is Juspay's side.
"""

from __future__ import annotations

import copy
import json
import re
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any, Protocol

from paybridge_local.simulator.state import (
    JsonDict,
    SimError,
    SimulatorState,
    control_error,
    envelope,
    mandatory_fields_missing,
    not_found,
    now_iso,
)

__all__ = ["MandateDebits"]

_NOTIFICATION = re.compile(r"^/notifications/(?P<id>[^/]+)$")
_MANDATE = re.compile(r"^/mandates/(?P<id>[^/]+)$")
_CTL_NOTIFICATION = re.compile(r"^/__sim/notifications/(?P<id>[^/]+)$")
_CTL_EXECUTION = re.compile(r"^/__sim/mandate-executions/(?P<id>[^/]+)$")
_COMMANDS = frozenset({"pre_debit_notify", "cancel_recurring_transaction"})
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


class Simulator(Protocol):
    """What this module needs of ``JuspaySimulator``."""

    state: SimulatorState
    merchant_id: str
    webhook_url: str | None

    @property
    def url(self) -> str:
        """The simulator's base URL."""
        ...

    def deliver_webhook(self, event: JsonDict) -> JsonDict:
        """Delivers one webhook event."""
        ...


class MandateDebits:
    """Notifications and executions; the orders they create live in the simulator's order store."""

    def __init__(self, simulator: Simulator) -> None:
        self._sim = simulator
        self._lock = threading.RLock()
        self.notifications: dict[str, JsonDict] = {}
        self._next_id = 1957000

    def reset(self) -> None:
        """Forgets every notification (orders and mandates are forgotten with the simulator's state)."""
        with self._lock:
            self.notifications.clear()

    # --- dispatch (the server's hooks) ----------------------------------------------------------------------
    def api(self, method: str, path: str, form: Callable[[], Mapping[str, str]]) -> tuple[int, Any] | None:
        """Answers a Juspay API request of this module, or None (not ours)."""
        if method == "GET" and (match := _NOTIFICATION.match(path)) is not None:
            return 200, self.notification(match["id"])
        if method == "POST" and path == "/txns":
            return 200, self.execute(form())
        if method == "POST" and (match := _MANDATE.match(path)) is not None:
            fields = form()
            command = fields.get("command")
            if command == "pre_debit_notify":
                return 200, self.notify(match["id"], fields)
            if command == "cancel_recurring_transaction":
                return 200, self.cancel(match["id"], fields)
        return None

    def control(self, method: str, path: str, body: Callable[[], Any]) -> tuple[int, Any] | None:
        """Answers a control request of this module, or None (not ours)."""
        if (match := _CTL_NOTIFICATION.match(path)) is not None:
            if method == "GET":
                return 200, self.notification(match["id"])
            if method == "POST":
                return 200, self.settle_notification(match["id"], body())
        if method == "POST" and (match := _CTL_EXECUTION.match(path)) is not None:
            return 200, self.settle_execution(match["id"], body())
        return None

    # --- notifications --------------------------------------------------------------------------------------
    def notify(self, mandate_id: str, form: Mapping[str, str]) -> JsonDict:
        """``command=pre_debit_notify``."""
        mandate = self._active_mandate(mandate_id)
        try:
            source_info = json.loads(form.get("source_info") or "", parse_float=Decimal)
        except ValueError:
            raise mandatory_fields_missing() from None
        if not isinstance(source_info, dict) or "amount" not in source_info or "txn_date" not in source_info:
            raise mandatory_fields_missing()
        amount = _amount(source_info["amount"])
        _within_max(mandate, amount)
        epoch = str(int(time.time()))
        with self._lock:
            self._next_id += 1
            notification: JsonDict = {
                "status": "SUCCESS",
                "source_object": "MANDATE",
                "source_info": {k: str(v) for k, v in source_info.items()},
                "provider_response": {"provider_ref_id": f"IN0{uuid.uuid4().hex[:11].upper()}"},
                "provider_name": "SIMULATOR",
                "object_reference_id": form.get("object_reference_id") or uuid.uuid4().hex[:20],
                "object": "notification",
                "notification_type": "SMS",
                "mandate": {"mandate_id": mandate_id},
                "last_updated": epoch,
                "id": str(self._next_id),
                "description": form.get("description") or "Notification for upcoming mandate",
                "date_created": epoch,
            }
            self.notifications[notification["id"]] = notification
            return copy.deepcopy(notification)

    def notification(self, notification_id: str) -> JsonDict:
        """``GET /notifications/{id}`` (the status sample carries the provider's response code too)."""
        with self._lock:
            stored = self.notifications.get(notification_id)
            if stored is None:
                raise not_found("Notification", notification_id)
            answer = copy.deepcopy(stored)
        answer["provider_response"] = {
            **answer["provider_response"],
            "provider_response_code": "00" if answer["status"] == "SUCCESS" else "JP_852",
            "provider_response_message": "Your notification is successful"
            if answer["status"] == "SUCCESS"
            else "Notification failed (simulated)",
        }
        return answer

    def settle_notification(self, notification_id: str, body: Any) -> JsonDict:
        """Control: ``{"status"?: SUCCESS|FAILURE|PENDING, "deliver"?: true}``: delivers
        NOTIFICATION_SUCCEEDED or NOTIFICATION_FAILED (shape of ``webhook_notification_*.json``) unless
        ``deliver`` is false or the status is PENDING."""
        spec = body if isinstance(body, dict) else {}
        status = spec.get("status")
        if status is not None and status not in ("SUCCESS", "FAILURE", "PENDING"):
            raise control_error(400, "status must be SUCCESS, FAILURE or PENDING")
        with self._lock:
            stored = self.notifications.get(notification_id)
            if stored is None:
                raise control_error(404, f"no notification {notification_id!r}")
            if status is not None:
                stored["status"] = status
                stored["last_updated"] = str(int(time.time()))
                if status == "FAILURE":
                    stored["response_code"] = "JP_852"
                    stored["response_message"] = "Notification failed (simulated)."
            snapshot = copy.deepcopy(stored)
        answer: JsonDict = {"notification": snapshot, "delivery": None}
        if spec.get("deliver", True) is not False and snapshot["status"] != "PENDING":
            name = "NOTIFICATION_SUCCEEDED" if snapshot["status"] == "SUCCESS" else "NOTIFICATION_FAILED"
            answer["delivery"] = self._deliver({"notification": snapshot}, name)
        return answer

    # --- executions -----------------------------------------------------------------------------------------
    def execute(self, form: Mapping[str, str]) -> JsonDict:
        """``POST /txns`` with ``mandate_id``: checks the execution rules, creates the execution order."""
        required = ("order.order_id", "order.amount", "mandate_id", "mandate.notification_id")
        if any(not form.get(field) for field in required):
            raise mandatory_fields_missing()
        order_id, mandate_id = form["order.order_id"], form["mandate_id"]
        amount = _amount(form["order.amount"])
        mandate = self._active_mandate(mandate_id)
        customer_id = form.get("order.customer_id") or mandate.get("customer_id")
        if mandate.get("customer_id") and customer_id != mandate.get("customer_id"):
            raise _refused("invalid.customer", "The order's customer is not the mandate's customer.")
        _within_max(mandate, amount)
        with self._lock:
            notification = self.notifications.get(form["mandate.notification_id"])
            if notification is None or notification["mandate"]["mandate_id"] != mandate_id:
                raise _refused(
                    "invalid.notification", "No pre-debit notification of this mandate with this id."
                )
            if notification["status"] != "SUCCESS":
                raise _refused("invalid.notification", f"The notification is {notification['status']}.")
            if _amount(notification["source_info"].get("amount")) != amount:
                raise _refused("invalid.amount", "The amount differs from the notified amount.")
            if int(time.time()) < int(notification["source_info"].get("txn_date") or 0):
                raise _refused(
                    "invalid.execution_date", "The debit date announced to the customer has not come yet."
                )
        txn_uuid = f"eul{uuid.uuid4().hex[:16]}"
        txn_id = f"{self._sim.merchant_id}-{order_id}-1"
        order = self._execution_order(order_id, amount, customer_id, mandate, txn_id, txn_uuid)
        with self._sim.state._lock:
            if order_id in self._sim.state.orders:
                raise _refused("duplicate.order", "An order with this order_id exists already.")
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
        amount: Decimal,
        customer_id: Any,
        mandate: JsonDict,
        txn_id: str,
        txn_uuid: str,
    ) -> JsonDict:
        wire = int(amount) if amount == amount.to_integral_value() else amount
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
        with self._sim.state._lock:
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
        return {"order_id": order_id, "status": status, "delivery": self._send(event)}

    def cancel(self, mandate_id: str, form: Mapping[str, str]) -> JsonDict:
        """``command=cancel_recurring_transaction``: stops a pending execution (JUSPAY_DECLINED, JP_852)."""
        order_id = form.get("order_id")
        if not order_id:
            raise mandatory_fields_missing()
        with self._sim.state._lock:
            if mandate_id not in self._sim.state.mandates:
                raise not_found("Mandate", mandate_id)
            order = self._sim.state.orders.get(order_id)
            detail = (order or {}).get("txn_detail") or {}
            if order is None or detail.get("source_object_id") != mandate_id:
                raise not_found("Order", order_id)
            if order["status"] not in _PENDING:
                raise _refused(
                    "invalid.order.state", f"The transaction is {order['status']}; it cannot be stopped."
                )
            self._move(order, "JUSPAY_DECLINED", error=("JP_852", "Transaction was declined by merchant."))
            return {
                "order_id": order_id,
                "txn_uuid": order.get("txn_uuid"),
                "txn_status": "JUSPAY_DECLINED",
                "response_message": "Transaction successfully terminated at Juspay end.",
            }

    # --- helpers --------------------------------------------------------------------------------------------
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

    def _active_mandate(self, mandate_id: str) -> JsonDict:
        with self._sim.state._lock:
            mandate = self._sim.state.mandates.get(mandate_id)
            if mandate is None:
                raise not_found("Mandate", mandate_id)
            if mandate.get("status") != "ACTIVE":
                raise SimError(
                    400,
                    envelope(
                        "invalid.mandate.state", f"Mandate is {mandate.get('status')}; it must be ACTIVE"
                    ),
                )
            return copy.deepcopy(mandate)

    def _deliver(self, content: JsonDict, event_name: str) -> JsonDict:
        event: JsonDict = {
            "id": f"evt_V2_{uuid.uuid4().hex}",
            "event_name": event_name,
            "date_created": now_iso(),
            "content": content,
        }
        with self._sim.state._lock:
            self._sim.state.events[event["id"]] = copy.deepcopy(event)
        return self._send(event)

    def _send(self, event: JsonDict) -> JsonDict:
        if not self._sim.webhook_url:
            raise control_error(409, "no webhook URL configured (LOCAL_SIM_WEBHOOK_URL)")
        return self._sim.deliver_webhook(event)


def _amount(raw: Any) -> Decimal:
    try:
        amount = Decimal(str(raw).strip())
    except InvalidOperation:
        raise _refused("invalid.amount", "Amount is invalid.") from None
    if not amount.is_finite() or amount <= 0:
        raise _refused("invalid.amount", "Amount is invalid.")
    return amount


def _within_max(mandate: Mapping[str, Any], amount: Decimal) -> None:
    limit = mandate.get("max_amount")
    if limit is not None and amount > Decimal(str(limit)):
        raise _refused("invalid.amount", "Amount is over the mandate's max_amount.")


def _refused(error_code: str, message: str) -> SimError:
    return SimError(400, envelope(error_code, message))
