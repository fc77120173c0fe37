"""Refunds: order refunds (``POST /orders/{id}/refunds``), Txn-ID refunds (``POST /refunds``), refunds made
outside the API (dashboard, auto-refunds) and their settlement. A refund lives in its order's ``refunds[]``
(what Order Status shows); ``refund_requests`` remembers what each ``unique_request_id`` asked for."""

from __future__ import annotations

import copy
import threading
import uuid
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from paybridge_local.simulator.errors import (
    JsonDict,
    SimError,
    control_error,
    mandatory_fields_missing,
    not_found,
    refund_error,
)
from paybridge_local.simulator.schema import Txn, find_txn, is_split, transactions
from paybridge_local.simulator.wire import now_iso, num, parse_form_amount, wire_amount

__all__ = ["REFUNDABLE_ORDER_STATUSES", "SETTLED_REFUND_STATUSES", "RefundBook"]

REFUNDABLE_ORDER_STATUSES = frozenset({"CHARGED", "PARTIAL_CHARGED"})
SETTLED_REFUND_STATUSES = frozenset({"SUCCESS", "FAILURE", "MANUAL_REVIEW"})


class RefundBook:
    """Refunds by ``unique_request_id``, over the orders of ``orders`` (shared with the order book)."""

    def __init__(self, lock: threading.RLock, orders: dict[str, JsonDict]) -> None:
        self._lock = lock
        self.orders = orders
        #: unique_request_id → {kind: order|txn, order_id, txn_id, amount, refund_type}
        self.refund_requests: dict[str, JsonDict] = {}

    def reset(self) -> None:
        """Forgets every refund request."""
        with self._lock:
            self.refund_requests.clear()

    def register_order_refunds(self, order_id: str, refunds: list[Any]) -> None:
        """Replaces what is known of ``order_id``'s refunds with those of a stored order's ``refunds[]``."""
        with self._lock:
            for uid in [u for u, r in self.refund_requests.items() if r["order_id"] == order_id]:
                del self.refund_requests[uid]
            for refund in refunds:
                if isinstance(refund, dict) and refund.get("unique_request_id"):
                    self.refund_requests[refund["unique_request_id"]] = {
                        "kind": "txn" if refund.get("txn_id") else "order",
                        "order_id": order_id,
                        "txn_id": refund.get("txn_id"),
                        "amount": num(refund.get("amount")),
                        "refund_type": refund.get("refund_type") or "STANDARD",
                    }

    def refund_order(self, order_id: str, form: Mapping[str, str]) -> JsonDict:
        """Order refund: a PENDING refund in the order's ``refunds[]``; answers the order."""
        uid, raw_amount = form.get("unique_request_id"), form.get("amount")
        if not uid or raw_amount is None:
            raise mandatory_fields_missing()
        amount = parse_form_amount(raw_amount)
        with self._lock:
            order = self.orders.get(order_id)
            if order is None:
                # The refund API answers an unknown order like this, with HTTP 400 (Juspay's docs).
                raise SimError(400, {"status_id": 40, "status": "NOT_FOUND", "order_id": order_id})
            known = self.refund_requests.get(uid)
            if known is not None:
                if known == {**known, "kind": "order", "order_id": order_id, "amount": amount}:
                    return copy.deepcopy(order)
                raise _duplicate_refund()
            if order.get("status") not in REFUNDABLE_ORDER_STATUSES:
                raise refund_error("invalid.order.not_successful", "Cannot process unsuccessful order.")
            charged = _charged(order)
            if is_split(order):
                refundable = sum((t.amount for t in charged), Decimal(0))
            else:
                refundable = num(order.get("amount"))
            if amount > refundable - self._refunded_total(order, txn_id=None):
                raise refund_error("invalid.amount.exceeded", "Refund amount exceeds the refundable amount.")
            # A split order's refund goes against its one charged transaction (listed without txn_id).
            against = charged[0].txn_id if is_split(order) and len(charged) == 1 else None
            self._add(
                order, uid, amount, kind="order", txn_id=against, refund_type="STANDARD", list_txn=False
            )
            return copy.deepcopy(order)

    def refund_txn(self, form: Mapping[str, str]) -> JsonDict:
        """Txn-ID refund: answers a refund object (shape of ``refund_txn_id_response_pending.json``)."""
        txn_id, uid, raw_amount = form.get("txn_id"), form.get("unique_request_id"), form.get("amount")
        if not txn_id or not uid or raw_amount is None:
            raise mandatory_fields_missing()
        amount = parse_form_amount(raw_amount)
        refund_type = form.get("refund_type") or "STANDARD"
        with self._lock:
            found = find_txn(self.orders, txn_id)
            if found is None:
                raise not_found("Transaction", txn_id)
            order, txn = found
            known = self.refund_requests.get(uid)
            if known is not None:
                same = {
                    **known,
                    "kind": "txn",
                    "order_id": order["order_id"],
                    "txn_id": txn_id,
                    "amount": amount,
                }
                if known == same:
                    return self._refund_object(uid)
                raise _duplicate_refund()
            if txn.status not in REFUNDABLE_ORDER_STATUSES:
                raise refund_error("invalid.txn.not_successful", "Cannot process unsuccessful transaction.")
            if amount > txn.amount - self._refunded_total(order, txn_id=txn_id):
                raise refund_error("invalid.amount.exceeded", "Refund amount exceeds the refundable amount.")
            self._add(order, uid, amount, kind="txn", txn_id=txn_id, refund_type=refund_type)
            return self._refund_object(uid)

    def _refunded_total(self, order: JsonDict, *, txn_id: str | None) -> Decimal:
        # Pending and successful refunds both hold money; failed ones release it. A refund's transaction is
        # the one it names, else the one it was made against (dashboard and auto refunds name none).
        def refunded_txn(refund: JsonDict) -> Any:
            known = self.refund_requests.get(refund.get("unique_request_id") or "") or {}
            return refund.get("txn_id") or known.get("txn_id")

        return sum(
            (
                num(r.get("amount"))
                for r in order.get("refunds") or []
                if r.get("status") != "FAILURE" and (txn_id is None or refunded_txn(r) == txn_id)
            ),
            Decimal(0),
        )

    def _add(
        self,
        order: JsonDict,
        uid: str,
        amount: Decimal,
        *,
        kind: str,
        txn_id: str | None,
        refund_type: str,
        initiated_by: str = "API",
        list_txn: bool = True,
    ) -> None:
        gateway = (order.get("txn_detail") or {}).get("gateway") or "DUMMY"
        entry: JsonDict = {
            "unique_request_id": uid,
            "status": "PENDING",
            "sent_to_gateway": False,
            "refund_type": refund_type,
            "refund_source": gateway,
            "ref": None,
            "initiated_by": initiated_by,
            "id": None,
            "error_message": "",
            "error_code": None,
            "created": now_iso(),
            "amount": wire_amount(amount),
        }
        if txn_id is not None and list_txn:
            entry["txn_id"] = txn_id
        if order.get("refunds") is None:
            order["refunds"] = []
        order["refunds"].append(entry)
        self.refund_requests[uid] = {
            "kind": kind,
            "order_id": order["order_id"],
            "txn_id": txn_id,
            "amount": amount,
            "refund_type": refund_type,
        }
        self._recompute_totals(order)

    def _recompute_totals(self, order: JsonDict) -> None:
        total = self._refunded_total(order, txn_id=None)
        order["amount_refunded"] = wire_amount(total)
        order["refunded"] = total > 0
        for txn in order.get("txn_list") or []:
            if isinstance(txn, dict) and txn.get("txn_id"):
                txn_total = self._refunded_total(order, txn_id=txn["txn_id"])
                txn["amount_refunded"] = wire_amount(txn_total)
                txn["refunded"] = txn_total > 0

    def _entry(self, uid: str) -> tuple[JsonDict, JsonDict]:
        request = self.refund_requests.get(uid)
        if request is None:
            raise not_found("Refund", uid)
        order = self.orders[request["order_id"]]
        entry = next(r for r in order.get("refunds") or [] if r.get("unique_request_id") == uid)
        return order, entry

    def _refund_object(self, uid: str) -> JsonDict:
        order, entry = self._entry(uid)
        request = self.refund_requests[uid]
        return {
            "unique_request_id": uid,
            "txn_id": request["txn_id"] or order.get("txn_id"),
            "status": entry["status"],
            "sent_to_gateway": entry.get("sent_to_gateway", False),
            "response_code": None,
            "refund_type": entry.get("refund_type") or request["refund_type"],
            "refund_source": entry.get("refund_source"),
            "refund_arn": entry.get("arn"),
            "reference_id": entry.get("ref"),
            "order_id": order["order_id"],
            "initiated_by": entry.get("initiated_by", "API"),
            "gateway": entry.get("refund_source"),
            "error_message": entry.get("error_message") or None,
            "epg_txn_id": None,
            "created": entry.get("created"),
            "authorization_id": None,
            "amount": entry.get("amount"),
        }

    def get(self, uid: str) -> JsonDict:
        """The refund as a Txn-ID refund object (whichever API created it)."""
        with self._lock:
            return self._refund_object(uid)

    def list(self, status: str | None = None) -> list[JsonDict]:
        """Every refund (optionally only those in ``status``), oldest first, as Txn-ID refund objects."""
        with self._lock:
            found = [self._refund_object(uid) for uid in self.refund_requests]
        return [r for r in found if status is None or r["status"] == status]

    def add_outside_api(self, order_id: str, body: Any) -> JsonDict:
        """A refund made outside the API: Juspay's dashboard, or an auto-refund of a superseded attempt.

        It is listed in the order's ``refunds[]`` the way Juspay lists those (no ``txn_id``, as in every
        sample); ``txn_id`` names the transaction it refunds, whose ``amount_refunded``/``refunded`` follow.
        Body: ``{"amount", "txn_id"?, "status"? (SUCCESS), "initiated_by"? ("DASHBOARD"),
        "unique_request_id"?}``. Answers the order.
        """
        if not isinstance(body, dict) or body.get("amount") is None:
            raise control_error(400, "'amount' is required")
        try:
            amount = parse_form_amount(str(body["amount"]))
        except SimError:
            raise control_error(400, "'amount' must be a positive amount") from None
        status = body.get("status", "SUCCESS")
        if status not in {"PENDING", *SETTLED_REFUND_STATUSES}:
            raise control_error(400, "'status' must be PENDING, SUCCESS, FAILURE or MANUAL_REVIEW")
        uid = str(body.get("unique_request_id") or f"sim_{uuid.uuid4().hex[:16]}")
        txn_id = body.get("txn_id")
        with self._lock:
            order = self.orders.get(order_id)
            if order is None:
                raise not_found("Order", order_id)
            if uid in self.refund_requests:
                raise control_error(409, "unique_request_id already used")
            if txn_id is not None and txn_id not in {t.txn_id for t in transactions(order)}:
                raise control_error(400, "txn_id is not a transaction of this order")
            # Like an API order refund: a split order's refund goes against its one charged transaction.
            charged = _charged(order)
            against = txn_id or (charged[0].txn_id if is_split(order) and len(charged) == 1 else None)
            self._add(
                order,
                uid,
                amount,
                kind="txn" if txn_id else "order",
                txn_id=against,
                refund_type="STANDARD",
                initiated_by=str(body.get("initiated_by") or "DASHBOARD"),
                list_txn=False,
            )
            if status != "PENDING":
                self.settle(uid, {"status": status})
            return copy.deepcopy(order)

    def settle(self, uid: str, body: Any) -> JsonDict:
        """Moves a refund to SUCCESS, FAILURE or MANUAL_REVIEW; the order's ``refunds[]`` follows."""
        status = body.get("status") if isinstance(body, dict) else None
        if status not in SETTLED_REFUND_STATUSES:
            raise control_error(400, f"'status' must be one of {sorted(SETTLED_REFUND_STATUSES)}")
        with self._lock:
            order, entry = self._entry(uid)
            entry["status"] = status
            entry["sent_to_gateway"] = True
            if status == "SUCCESS":
                entry["ref"] = entry.get("ref") or f"sim_ref_{uuid.uuid4().hex[:10]}"
                entry["arn"] = entry.get("arn") or uuid.uuid4().hex[:12].upper()
                entry["error_message"] = ""
            elif status == "FAILURE":
                entry["error_code"] = "REFUND_FAILED"
                entry["error_message"] = "Refund failed at the gateway (simulated)"
            else:
                entry["error_message"] = "Refund needs manual review (simulated)"
            self._recompute_totals(order)
            return self._refund_object(uid)


def _charged(order: JsonDict) -> list[Txn]:
    return [t for t in transactions(order) if t.status in REFUNDABLE_ORDER_STATUSES]


def _duplicate_refund() -> SimError:
    return refund_error(
        "duplicate.call", "A refund call was already completed with this unique_request_id for the order."
    )
