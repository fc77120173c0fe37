"""Orders: stored in Order Status shape, created (``POST /orders``, ``POST /session``), updated (amount,
udf and address fields only) and fulfilled (``POST /orders/{id}/fulfillment``)."""

from __future__ import annotations

import copy
import hashlib
import threading
import uuid
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from paybridge_local.simulator.errors import (
    JsonDict,
    SimError,
    control_error,
    envelope,
    mandatory_fields_missing,
    not_found,
)
from paybridge_local.simulator.schema import transactions, validate_order
from paybridge_local.simulator.wire import now_iso, parse_form_amount, wire_amount

if TYPE_CHECKING:
    from paybridge_local.simulator.mandates import MandateBook
    from paybridge_local.simulator.refunds import RefundBook

__all__ = ["OrderBook", "mandate_of_order"]

_UDF_FIELDS = frozenset(f"udf{i}" for i in range(1, 11))
_ADDRESS_PREFIXES = ("billing_address_", "shipping_address_")
#: Transaction statuses after which an order can be fulfilled (money was taken).
_FULFILLABLE = frozenset({"CHARGED", "PARTIAL_CHARGED", "COD_INITIATED"})


def mandate_of_order(order: JsonDict, block: JsonDict) -> JsonDict:
    """The mandate an order's ``mandate`` block registers, with what Juspay's mandate record adds to the
    block (``mandate_status_check_response_active.json``): the customer, order, currency, payment method
    and, once active, activation times and a debit token."""
    derived: JsonDict = {
        "customer_id": order.get("customer_id"),
        "order_id": order["order_id"],
        "currency": order.get("currency"),
    }
    if order.get("payment_method_type"):
        derived["payment_info"] = {
            "payment_method_type": order["payment_method_type"],
            "payment_method": order.get("payment_method"),
        }
    if (block.get("mandate_status") or block.get("status")) in {"ACTIVE", "PAUSED", "REVOKED", "EXPIRED"}:
        activated = order.get("date_created") or now_iso()
        derived.update(activated_at=activated, last_activated_at=activated)
        # Stable across re-PUTs of the same order: a token names the mandate, not the moment.
        digest = hashlib.sha256(str(block["mandate_id"]).encode()).hexdigest()[:32]
        derived["mandate_debit_token"] = f"tkn_{digest}"
    return {**derived, **block}


class OrderBook:
    """Every order the simulator holds, by ``order_id``, as plain dicts in Juspay's JSON shape."""

    def __init__(self, lock: threading.RLock, merchant_id: str) -> None:
        self._lock = lock
        self.merchant_id = merchant_id
        self.orders: dict[str, JsonDict] = {}
        #: order id → its fulfilment commands (kept apart: they are not part of Order Status)
        self.fulfilments: dict[str, list[JsonDict]] = {}
        self.refunds: RefundBook
        self.mandates: MandateBook

    def reset(self) -> None:
        """Forgets every order."""
        with self._lock:
            self.orders.clear()
            self.fulfilments.clear()

    def put(self, order_id: str, body: Any) -> JsonDict:
        """Stores (or replaces) an order in Order Status shape; registers its mandate and refunds.

        A replacement without a ``refunds`` key keeps the refunds the stored order already has, so an order
        can move through its life without losing refunds made through the API.
        """
        if not isinstance(body, dict):
            raise control_error(400, "order must be a JSON object")
        order = copy.deepcopy(body)
        order.setdefault("order_id", order_id)
        if order["order_id"] != order_id:
            raise control_error(400, "order_id in the body differs from the path")
        validate_order(order)
        with self._lock:
            previous = self.orders.get(order_id)
            if "refunds" not in order and previous is not None and previous.get("refunds"):
                order["refunds"] = previous["refunds"]
            else:
                self.refunds.register_order_refunds(order_id, order.get("refunds") or [])
            mandate = order.get("mandate")
            if isinstance(mandate, dict) and mandate.get("mandate_id"):
                self.mandates.store(mandate_of_order(order, mandate))
            self.orders[order_id] = order
            return copy.deepcopy(order)

    def get(self, order_id: str) -> JsonDict:
        """The stored order, or Juspay's 404."""
        with self._lock:
            return copy.deepcopy(self._stored(order_id))

    def _stored(self, order_id: str) -> JsonDict:
        order = self.orders.get(order_id)
        if order is None:
            raise not_found("Order", order_id)
        return order

    def update(self, order_id: str, form: Mapping[str, str]) -> JsonDict:
        """Update Order: only amount, ``udf1``..``udf10`` and address fields may change."""
        for key in form:
            if key != "amount" and key not in _UDF_FIELDS and not key.startswith(_ADDRESS_PREFIXES):
                raise SimError(400, envelope("invalid.field", f"Field cannot be updated: {key}"))
        with self._lock:
            order = self._stored(order_id)
            if "amount" in form:
                order["amount"] = wire_amount(parse_form_amount(form["amount"]))
            order.update({k: v for k, v in form.items() if k != "amount"})
            return copy.deepcopy(order)

    def new_order(
        self, fields: Mapping[str, Any], *, status: str, status_id: int, id_prefix: str
    ) -> JsonDict:
        """The order ``fields`` describe, created unless it exists (then as it is): a copy."""
        if not fields.get("order_id") or fields.get("amount") is None:
            raise mandatory_fields_missing()
        amount = parse_form_amount(fields["amount"])
        order_id = str(fields["order_id"])
        with self._lock:
            order = self.orders.get(order_id)
            if order is None:
                order = {
                    "order_id": order_id,
                    "id": f"{id_prefix}_{uuid.uuid4().hex}",
                    "status": status,
                    "status_id": status_id,
                    "merchant_id": self.merchant_id,
                    "customer_id": fields.get("customer_id"),
                    "customer_email": fields.get("customer_email"),
                    "customer_phone": fields.get("customer_phone"),
                    "amount": wire_amount(amount),
                    "currency": fields.get("currency") or "INR",
                    "date_created": now_iso(),
                    "return_url": fields.get("return_url") or "",
                    "refunded": False,
                    "amount_refunded": 0,
                    **{f"udf{i}": str(fields.get(f"udf{i}") or "") for i in range(1, 11)},
                }
                metadata = {k.partition(".")[2]: v for k, v in fields.items() if k.startswith("metadata.")}
                if metadata:
                    order["metadata"] = metadata
                self.orders[order_id] = order
            return copy.deepcopy(order)

    def create(self, fields: Mapping[str, Any], base_url: str) -> JsonDict:
        """``POST /orders`` (form or JSON): the order, CREATED unless it exists, with its payment links
        (``create_order_response.json``)."""
        snapshot = self.new_order(fields, status="CREATED", status_id=1, id_prefix="ord")
        web = f"{base_url}/merchant/pay/{snapshot['id']}"
        return {
            "status": snapshot["status"],
            "status_id": snapshot["status_id"],
            "id": snapshot["id"],
            "order_id": snapshot["order_id"],
            "payment_links": {
                "web": web,
                "mobile": f"{web}?mobile=true",
                "iframe": f"{base_url}/merchant/ipay/{snapshot['id']}",
            },
        }

    def fulfil(self, order_id: str, form: Mapping[str, str]) -> JsonDict:
        """``POST /orders/{id}/fulfillment``: records the fulfilment command of an order whose money was
        taken (``order_fulfillment_response_200.json``); otherwise the sample's 400."""
        command, status = form.get("fulfillment_command"), form.get("fulfillment_status")
        if not command or not status:
            raise mandatory_fields_missing()
        with self._lock:
            order = self._stored(order_id)
            if not any(t.status in _FULFILLABLE for t in transactions(order)):
                raise SimError(
                    400,
                    envelope(
                        "No txn Found",
                        "No successfull txn found for given order_id",
                        code="RESOURCE_NOT_FOUND",
                    ),
                )
            entry = {
                "status": status,
                "metadata": form.get("fulfillment_data"),
                "date_created": now_iso(),
                "command": command,
            }
            self.fulfilments.setdefault(order_id, []).append(entry)
            commands = copy.deepcopy(self.fulfilments[order_id])
        return {
            "status": "SUCCESS",
            "merchant_id": self.merchant_id,
            "order_id": order_id,
            "commands": commands,
        }
