"""The simulator's memory and Juspay's rules: orders, refunds, mandates, faults and the request log.

Everything here is plain dicts in Juspay's own JSON shapes (numbers as ``int``/``Decimal``), guarded by one
lock. Operations raise ``SimError`` with the HTTP status and body Juspay would answer.
"""

from __future__ import annotations

import copy
import fnmatch
import random
import threading
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from pydantic import ValidationError

from paybridge.models.juspay import Order
from paybridge_local.simulator.routing import expected_routing, routing_violation

JsonDict = dict[str, Any]

REFUNDABLE_ORDER_STATUSES = frozenset({"CHARGED", "PARTIAL_CHARGED"})
SETTLED_REFUND_STATUSES = frozenset({"SUCCESS", "FAILURE", "MANUAL_REVIEW"})
_UDF_FIELDS = frozenset(f"udf{i}" for i in range(1, 11))
_ADDRESS_PREFIXES = ("billing_address_", "shipping_address_")


class SimError(Exception):
    """An answer other than success: ``status`` and the JSON ``body`` to send."""

    def __init__(self, status: int, body: JsonDict) -> None:
        super().__init__(f"HTTP {status}")
        self.status = status
        self.body = body


def now_iso() -> str:
    """Current time as Juspay writes it: ISO-8601 UTC with a ``Z``, whole seconds."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def envelope(error_code: str, error_message: str, *, code: str = "INVALID_REQUEST") -> JsonDict:
    """Juspay's error envelope (shape of ``order_fulfillment_response_400.json``)."""
    return {
        "status": "ERROR",
        "error_code": error_code,
        "error_message": error_message,
        "error_info": {
            "request_id": str(uuid.uuid4()),
            "developer_message": error_message,
            "user_message": error_message,
            "code": code,
        },
    }


def refund_error(error_code: str, error_message: str) -> SimError:
    """The refund APIs' documented error shape (``status_id: -1``)."""
    return SimError(
        400, {"status_id": -1, "status": "ERROR", "error_message": error_message, "error_code": error_code}
    )


def mandatory_fields_missing() -> SimError:
    """What Juspay answers when a required form field is absent."""
    return SimError(
        400,
        {
            "status": "Bad Request",
            "error_message": "Mandatory fields are missing",
            "error_code": "Mandatory fields are missing",
        },
    )


def not_found(what: str, ident: str) -> SimError:
    """404 with Juspay's envelope."""
    return SimError(404, envelope("not_found", f"{what} not found: {ident}", code="RESOURCE_NOT_FOUND"))


def control_error(status: int, message: str) -> SimError:
    """Errors of the control API (not Juspay's): a plain ``{"error": ...}``."""
    return SimError(status, {"error": message})


def parse_form_amount(raw: object) -> Decimal:
    """A positive amount with at most two decimals, as Juspay accepts it, or Juspay's refusal."""
    try:
        if isinstance(raw, bool) or not isinstance(raw, str | int | Decimal):
            raise InvalidOperation
        amount = Decimal(str(raw).strip())
    except InvalidOperation:
        raise refund_error("invalid amount", "Amount is invalid.") from None
    if not amount.is_finite() or amount <= 0 or amount != amount.quantize(Decimal("0.01")):
        raise refund_error("invalid amount", "Amount is invalid.")
    return amount


def _num(value: Any) -> Decimal:
    if value is None or isinstance(value, bool):
        return Decimal(0)
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return Decimal(0)


def _wire_amount(amount: Decimal) -> int | Decimal:
    # Juspay writes whole amounts as integers (1, 9000) and others with decimals.
    return int(amount) if amount == amount.to_integral_value() else amount


def camel_key(key: str) -> str:
    """``billing_address_first_name`` → ``billingAddressFirstName`` (each dot-separated part)."""
    parts = []
    for segment in key.split("."):
        head, *rest = segment.split("_")
        parts.append(head + "".join(word[:1].upper() + word[1:] for word in rest))
    return ".".join(parts)


class SimulatorState:
    """All the simulator remembers; every public method is safe to call from any thread."""

    def __init__(self, merchant_id: str) -> None:
        self.merchant_id = merchant_id
        self._lock = threading.RLock()
        self.orders: dict[str, JsonDict] = {}
        self.mandates: dict[str, JsonDict] = {}
        #: unique_request_id → {kind: order|txn, order_id, txn_id, amount, refund_type}
        self.refund_requests: dict[str, JsonDict] = {}
        self.faults: list[JsonDict] = []
        #: fault id → its own seeded RNG (probabilistic faults only)
        self._fault_rngs: dict[str, random.Random] = {}
        self.requests: list[JsonDict] = []
        self.webhooks: list[JsonDict] = []
        #: event id → the webhook body as built (a snapshot of the order then), for redelivery
        self.events: dict[str, JsonDict] = {}
        self.routing_violations: list[JsonDict] = []

    def reset(self) -> None:
        """Forgets everything."""
        with self._lock:
            self.orders.clear()
            self.mandates.clear()
            self.refund_requests.clear()
            self.faults.clear()
            self._fault_rngs.clear()
            self.requests.clear()
            self.webhooks.clear()
            self.events.clear()
            self.routing_violations.clear()

    # --- Request log and faults --------------------------------------------------------------------------
    def record_request(self, entry: JsonDict) -> None:
        """Appends one Juspay API request to the log, with the routing id expected for it; a call routed
        otherwise is also kept as a routing violation (``routing.py``)."""
        with self._lock:
            expected = expected_routing(entry, self.orders, self.mandates)
            entry["expected_routing_id"] = expected
            self.requests.append(entry)
            violation = routing_violation(entry, expected)
            if violation is not None:
                self.routing_violations.append(violation)

    def routing_violation_log(self) -> list[JsonDict]:
        """Every call so far whose ``x-routing-id`` was missing or not the customer's, oldest first."""
        with self._lock:
            return copy.deepcopy(self.routing_violations)

    def clear_routing_violations(self) -> None:
        """Forgets the routing violations seen so far."""
        with self._lock:
            self.routing_violations.clear()

    def request_log(self) -> list[JsonDict]:
        """Every Juspay API request so far, oldest first."""
        with self._lock:
            return copy.deepcopy(self.requests)

    def clear_requests(self) -> None:
        """Empties the request log."""
        with self._lock:
            self.requests.clear()

    def add_fault(self, spec: Any) -> JsonDict:
        """Registers a fault: the next ``times`` calls matching ``method``/``path`` fail as described.

        With ``probability`` (0 < p <= 1) each matching call fails with that chance, drawn from a generator
        seeded with ``seed`` (default 0), so a run's sequence of draws is reproducible; ``times`` then
        bounds the failures (default: unlimited) and ``fired`` counts them.
        """
        if not isinstance(spec, dict) or not isinstance(spec.get("path"), str):
            raise control_error(400, "fault needs a JSON object with a 'path' (exact or glob)")
        status = spec.get("status")
        drop = spec.get("drop", False) is True
        delay_ms = spec.get("delay_ms", 0)
        probability = spec.get("probability")
        seed = spec.get("seed", 0)
        times = spec.get("times", None if probability is not None else 1)
        if status is not None and (not isinstance(status, int) or not 100 <= status <= 599):
            raise control_error(400, "'status' must be an HTTP status code")
        if not isinstance(delay_ms, int) or delay_ms < 0 or not _optional_count(times):
            raise control_error(400, "'delay_ms' must be an int >= 0 and 'times' an int >= 1")
        if probability is not None and (
            isinstance(probability, bool)
            or not isinstance(probability, int | Decimal)
            or not 0 < probability <= 1
        ):
            raise control_error(400, "'probability' must be a number > 0 and <= 1")
        if isinstance(seed, bool) or not isinstance(seed, int):
            raise control_error(400, "'seed' must be an integer")
        if status is None and not drop and delay_ms == 0:
            raise control_error(400, "a fault needs 'status', 'drop': true or 'delay_ms'")
        if status is not None and drop:
            raise control_error(400, "'status' and 'drop' exclude each other")
        method = spec.get("method")
        fault: JsonDict = {
            "id": uuid.uuid4().hex[:12],
            "method": method.upper() if isinstance(method, str) and method not in ("", "*") else None,
            "path": spec["path"],
            "status": status,
            "drop": drop,
            "delay_ms": delay_ms,
            "times": times,
            "body": spec.get("body"),
            "probability": probability,
            "seed": seed if probability is not None else None,
            "fired": 0,
        }
        with self._lock:
            self.faults.append(fault)
            if probability is not None:
                self._fault_rngs[fault["id"]] = random.Random(seed)  # noqa: S311 - chaos, not crypto
            return dict(fault)

    def list_faults(self) -> list[JsonDict]:
        """Faults still armed."""
        with self._lock:
            return copy.deepcopy(self.faults)

    def clear_faults(self) -> None:
        """Disarms every fault."""
        with self._lock:
            self.faults.clear()
            self._fault_rngs.clear()

    def take_fault(self, method: str, path: str) -> JsonDict | None:
        """The first armed fault that fires for this call (its count used up by one), or None."""
        with self._lock:
            for fault in self.faults:
                if fault["method"] not in (None, method):
                    continue
                if fault["path"] != path and not fnmatch.fnmatchcase(path, fault["path"]):
                    continue
                rng = self._fault_rngs.get(fault["id"])
                if rng is not None and rng.random() >= fault["probability"]:
                    continue
                fault["fired"] += 1
                if fault["times"] is not None:
                    fault["times"] -= 1
                    if fault["times"] <= 0:
                        self.faults.remove(fault)
                        self._fault_rngs.pop(fault["id"], None)
                return dict(fault)
        return None

    # --- Orders ------------------------------------------------------------------------------------------
    def put_order(self, order_id: str, body: Any) -> JsonDict:
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
        try:
            Order.model_validate(order)
        except ValidationError as exc:
            fields = [".".join(str(p) for p in err["loc"]) for err in exc.errors()]
            raise control_error(400, f"not an Order Status shape; invalid fields: {fields}") from None
        with self._lock:
            previous = self.orders.get(order_id)
            if "refunds" not in order and previous is not None and previous.get("refunds"):
                order["refunds"] = previous["refunds"]
            else:
                self._forget_refunds_of(order_id)
                for refund in order.get("refunds") or []:
                    if isinstance(refund, dict) and refund.get("unique_request_id"):
                        self.refund_requests[refund["unique_request_id"]] = {
                            "kind": "txn" if refund.get("txn_id") else "order",
                            "order_id": order_id,
                            "txn_id": refund.get("txn_id"),
                            "amount": _num(refund.get("amount")),
                            "refund_type": refund.get("refund_type") or "STANDARD",
                        }
            mandate = order.get("mandate")
            if isinstance(mandate, dict) and mandate.get("mandate_id"):
                self._store_mandate(
                    {
                        "customer_id": order.get("customer_id"),
                        "order_id": order_id,
                        "currency": order.get("currency"),
                        **mandate,
                    }
                )
            self.orders[order_id] = order
            return copy.deepcopy(order)

    def _forget_refunds_of(self, order_id: str) -> None:
        for uid in [u for u, r in self.refund_requests.items() if r["order_id"] == order_id]:
            del self.refund_requests[uid]

    def get_order(self, order_id: str) -> JsonDict:
        """The stored order, or Juspay's 404."""
        with self._lock:
            order = self.orders.get(order_id)
            if order is None:
                raise not_found("Order", order_id)
            return copy.deepcopy(order)

    def update_order(self, order_id: str, form: Mapping[str, str]) -> JsonDict:
        """Update Order: only amount, ``udf1``..``udf10`` and address fields may change."""
        for key in form:
            if key != "amount" and key not in _UDF_FIELDS and not key.startswith(_ADDRESS_PREFIXES):
                raise SimError(400, envelope("invalid.field", f"Field cannot be updated: {key}"))
        with self._lock:
            order = self.orders.get(order_id)
            if order is None:
                raise not_found("Order", order_id)
            if "amount" in form:
                order["amount"] = _wire_amount(parse_form_amount(form["amount"]))
            order.update({k: v for k, v in form.items() if k != "amount"})
            return copy.deepcopy(order)

    # --- Refunds -----------------------------------------------------------------------------------------
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
            parsed = Order.model_validate(order)
            charged = [t for t in parsed.transactions() if t.status in REFUNDABLE_ORDER_STATUSES]
            if parsed.is_split:
                refundable = sum((t.txn_amount or Decimal(0) for t in charged), Decimal(0))
            else:
                refundable = parsed.amount or Decimal(0)
            if amount > refundable - self._refunded_total(order, txn_id=None):
                raise refund_error("invalid.amount.exceeded", "Refund amount exceeds the refundable amount.")
            # A split order's refund goes against its one charged transaction (listed without txn_id).
            against = charged[0].txn_id if parsed.is_split and len(charged) == 1 else None
            self._add_refund(
                order, uid, amount, kind="order", txn_id=against, refund_type="STANDARD", list_txn_id=False
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
            found = self._find_txn(txn_id)
            if found is None:
                raise not_found("Transaction", txn_id)
            order, txn_status, txn_amount = found
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
            if txn_status not in REFUNDABLE_ORDER_STATUSES:
                raise refund_error("invalid.txn.not_successful", "Cannot process unsuccessful transaction.")
            if amount > txn_amount - self._refunded_total(order, txn_id=txn_id):
                raise refund_error("invalid.amount.exceeded", "Refund amount exceeds the refundable amount.")
            self._add_refund(order, uid, amount, kind="txn", txn_id=txn_id, refund_type=refund_type)
            return self._refund_object(uid)

    def _find_txn(self, txn_id: str) -> tuple[JsonDict, str | None, Decimal] | None:
        for order in self.orders.values():
            parsed = Order.model_validate(order)
            for txn in parsed.transactions():
                if txn.txn_id == txn_id:
                    amount = txn.txn_amount if txn.txn_amount is not None else parsed.amount
                    return order, txn.status, amount or Decimal(0)
        return None

    def _refunded_total(self, order: JsonDict, *, txn_id: str | None) -> Decimal:
        # Pending and successful refunds both hold money; failed ones release it. A refund's transaction is
        # the one it names, else the one it was made against (dashboard and auto refunds name none).
        def refunded_txn(refund: JsonDict) -> Any:
            known = self.refund_requests.get(refund.get("unique_request_id") or "") or {}
            return refund.get("txn_id") or known.get("txn_id")

        return sum(
            (
                _num(r.get("amount"))
                for r in order.get("refunds") or []
                if r.get("status") != "FAILURE" and (txn_id is None or refunded_txn(r) == txn_id)
            ),
            Decimal(0),
        )

    def _add_refund(
        self,
        order: JsonDict,
        uid: str,
        amount: Decimal,
        *,
        kind: str,
        txn_id: str | None,
        refund_type: str,
        initiated_by: str = "API",
        list_txn_id: bool = True,
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
            "amount": _wire_amount(amount),
        }
        if txn_id is not None and list_txn_id:
            entry["txn_id"] = txn_id
        order.setdefault("refunds", [])
        if order["refunds"] is None:
            order["refunds"] = []
        order["refunds"].append(entry)
        self.refund_requests[uid] = {
            "kind": kind,
            "order_id": order["order_id"],
            "txn_id": txn_id,
            "amount": amount,
            "refund_type": refund_type,
        }
        self._recompute_refund_totals(order)

    def _recompute_refund_totals(self, order: JsonDict) -> None:
        total = self._refunded_total(order, txn_id=None)
        order["amount_refunded"] = _wire_amount(total)
        order["refunded"] = total > 0
        for txn in order.get("txn_list") or []:
            if isinstance(txn, dict) and txn.get("txn_id"):
                txn_total = self._refunded_total(order, txn_id=txn["txn_id"])
                txn["amount_refunded"] = _wire_amount(txn_total)
                txn["refunded"] = txn_total > 0

    def _refund_entry(self, uid: str) -> tuple[JsonDict, JsonDict]:
        request = self.refund_requests.get(uid)
        if request is None:
            raise not_found("Refund", uid)
        order = self.orders[request["order_id"]]
        entry = next(r for r in order.get("refunds") or [] if r.get("unique_request_id") == uid)
        return order, entry

    def _refund_object(self, uid: str) -> JsonDict:
        order, entry = self._refund_entry(uid)
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

    def get_refund(self, uid: str) -> JsonDict:
        """The refund as a Txn-ID refund object (whichever API created it)."""
        with self._lock:
            return self._refund_object(uid)

    def list_refunds(self, status: str | None = None) -> list[JsonDict]:
        """Every refund (optionally only those in ``status``), oldest first, as Txn-ID refund objects."""
        with self._lock:
            found = [self._refund_object(uid) for uid in self.refund_requests]
        return [r for r in found if status is None or r["status"] == status]

    def add_refund(self, order_id: str, body: Any) -> JsonDict:
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
            parsed = Order.model_validate(order)
            txn_ids = {t.txn_id for t in parsed.transactions()}
            if txn_id is not None and txn_id not in txn_ids:
                raise control_error(400, "txn_id is not a transaction of this order")
            # Like an API order refund: a split order's refund goes against its one charged transaction.
            charged = [t for t in parsed.transactions() if t.status in REFUNDABLE_ORDER_STATUSES]
            against = txn_id or (charged[0].txn_id if parsed.is_split and len(charged) == 1 else None)
            self._add_refund(
                order,
                uid,
                amount,
                kind="txn" if txn_id else "order",
                txn_id=against,
                refund_type="STANDARD",
                initiated_by=str(body.get("initiated_by") or "DASHBOARD"),
                list_txn_id=False,
            )
            if status != "PENDING":
                self.settle_refund(uid, {"status": status})
            return copy.deepcopy(order)

    def settle_refund(self, uid: str, body: Any) -> JsonDict:
        """Moves a refund to SUCCESS, FAILURE or MANUAL_REVIEW; the order's ``refunds[]`` follows."""
        status = body.get("status") if isinstance(body, dict) else None
        if status not in SETTLED_REFUND_STATUSES:
            raise control_error(400, f"'status' must be one of {sorted(SETTLED_REFUND_STATUSES)}")
        with self._lock:
            order, entry = self._refund_entry(uid)
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
            self._recompute_refund_totals(order)
            return self._refund_object(uid)

    # --- Mandates ----------------------------------------------------------------------------------------
    def put_mandate(self, mandate_id: str, body: Any) -> JsonDict:
        """Stores a mandate directly (``customer_id`` makes it appear in the customer's list)."""
        if not isinstance(body, dict):
            raise control_error(400, "mandate must be a JSON object")
        if not (body.get("status") or body.get("mandate_status")):
            raise control_error(400, "mandate needs 'status' (or 'mandate_status')")
        with self._lock:
            return self._store_mandate({**body, "mandate_id": mandate_id})

    def _store_mandate(self, mandate: JsonDict) -> JsonDict:
        record = copy.deepcopy(mandate)
        record["status"] = record.get("status") or record.get("mandate_status")
        record.pop("mandate_status", None)
        self.mandates[record["mandate_id"]] = record
        return self._mandate_view(record, status_key="status")

    @staticmethod
    def _mandate_view(record: JsonDict, *, status_key: str) -> JsonDict:
        view = {k: v for k, v in record.items() if k != "status" and v is not None}
        view[status_key] = record["status"]
        return copy.deepcopy(view)

    def mandate_command(self, mandate_id: str, form: Mapping[str, str]) -> JsonDict:
        """``POST /mandates/{id}``: check_status, revoke, pause, resume."""
        command = form.get("command")
        if not command:
            raise mandatory_fields_missing()
        with self._lock:
            record = self.mandates.get(mandate_id)
            if record is None:
                raise not_found("Mandate", mandate_id)
            if command == "check_status":
                return self._mandate_view(record, status_key="status")
            if command == "revoke":
                self._transition(record, allowed={"ACTIVE", "PAUSED", "CREATED"}, to="REVOKED")
                return {"mandate_status": "REVOKED", "mandate_id": mandate_id}
            if command == "pause":
                self._transition(record, allowed={"ACTIVE"}, to="PAUSED")
                record["pause_start_date"] = form.get("pause_start_date") or now_iso()
                record["pause_end_date"] = form.get("pause_end_date")
                return {
                    **self._mandate_view(record, status_key="mandate_status"),
                    "response_message": "Mandate is Paused.",
                }
            if command == "resume":
                self._transition(record, allowed={"PAUSED"}, to="ACTIVE")
                record["last_activated_at"] = now_iso()
                if form.get("resume_date"):
                    record["resume_date"] = form["resume_date"]
                return {
                    **self._mandate_view(record, status_key="mandate_status"),
                    "response_message": "Mandate is Resumed.",
                }
            raise SimError(400, envelope("invalid.command", f"Unsupported mandate command: {command}"))

    def _transition(self, record: JsonDict, *, allowed: set[str], to: str) -> None:
        if record["status"] not in allowed:
            raise SimError(
                400,
                envelope("invalid.mandate.state", f"Mandate is {record['status']}; cannot move it to {to}"),
            )
        record["status"] = to
        order = self.orders.get(record.get("order_id") or "")
        block = order.get("mandate") if order is not None else None
        if isinstance(block, dict) and block.get("mandate_id") == record["mandate_id"]:
            block["mandate_status"] = to

    def list_mandates(self, customer_id: str) -> JsonDict:
        """``GET /customers/{id}/mandates``: Juspay's list envelope."""
        with self._lock:
            entries = [
                self._mandate_view(m, status_key="status")
                for m in self.mandates.values()
                if m.get("customer_id") == customer_id
            ]
        return {"total": len(entries), "offset": 0, "object": "list", "count": len(entries), "list": entries}

    # --- Session -----------------------------------------------------------------------------------------
    def create_session(self, body: Any, base_url: str) -> JsonDict:
        """``POST /session``: creates the order (status NEW) unless it exists, answers an ``sdk_payload``."""
        if not isinstance(body, dict) or not body.get("order_id") or body.get("amount") is None:
            raise mandatory_fields_missing()
        amount = parse_form_amount(body["amount"])
        order_id = str(body["order_id"])
        with self._lock:
            order = self.orders.get(order_id)
            if order is None:
                order = {
                    "order_id": order_id,
                    "id": f"ordeh_{uuid.uuid4().hex}",
                    "status": "NEW",
                    "status_id": 10,
                    "merchant_id": self.merchant_id,
                    "customer_id": body.get("customer_id"),
                    "customer_email": body.get("customer_email"),
                    "customer_phone": body.get("customer_phone"),
                    "amount": _wire_amount(amount),
                    "currency": body.get("currency") or "INR",
                    "date_created": now_iso(),
                    "return_url": body.get("return_url") or "",
                    "refunded": False,
                    "amount_refunded": 0,
                    **{f"udf{i}": str(body.get(f"udf{i}") or "") for i in range(1, 11)},
                }
                self.orders[order_id] = order
            snapshot = copy.deepcopy(order)
        web = f"{base_url}/orders/{snapshot['id']}/payment-page"
        expiry = now_iso()
        payload: JsonDict = {camel_key(k): v for k, v in body.items() if k != "payment_page_client_id"}
        payload.update(
            {
                "clientId": body.get("payment_page_client_id") or self.merchant_id,
                "amount": str(amount),
                "merchantId": self.merchant_id,
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
            "payment_links": {"web": web, "expiry": expiry},
            "sdk_payload": {
                "requestId": uuid.uuid4().hex,
                "service": "in.juspay.hyperpay",
                "payload": payload,
                "expiry": expiry,
            },
            "order_expiry": expiry,
        }

    # --- Webhooks ----------------------------------------------------------------------------------------
    def webhook_event(self, order_id: str, body: Any) -> JsonDict:
        """The event Juspay would send for the stored order (``content.order``), remembered by its id so it
        can be delivered again later exactly as built (a snapshot of the order at this moment)."""
        event_name = body.get("event_name") if isinstance(body, dict) else None
        if not isinstance(event_name, str) or not event_name:
            raise control_error(400, 'body must be {"event_name": "..."}')
        with self._lock:
            order = self.orders.get(order_id)
            if order is None:
                raise control_error(404, f"no stored order {order_id!r}")
            event_id = f"evt_V2_{uuid.uuid4().hex}"
            event: JsonDict = {
                "id": event_id,
                "event_name": event_name,
                "date_created": now_iso(),
                "content": {"order": copy.deepcopy(order)},
            }
            self.events[event_id] = event
            return copy.deepcopy(event)

    def stored_event(self, event_id: str) -> JsonDict:
        """A webhook event built earlier, unchanged (same id, same order snapshot)."""
        with self._lock:
            event = self.events.get(event_id)
            if event is None:
                raise control_error(404, f"no webhook event {event_id!r}")
            return copy.deepcopy(event)

    def record_webhook(self, delivery: JsonDict) -> None:
        """Remembers a delivery (event id, name, attempts) for ``GET /__sim/webhooks``."""
        with self._lock:
            self.webhooks.append(delivery)

    def webhook_log(self) -> list[JsonDict]:
        """Every webhook delivery so far."""
        with self._lock:
            return copy.deepcopy(self.webhooks)


def _optional_count(times: Any) -> bool:
    return times is None or (isinstance(times, int) and not isinstance(times, bool) and times >= 1)


def _duplicate_refund() -> SimError:
    return refund_error(
        "duplicate.call", "A refund call was already completed with this unique_request_id for the order."
    )
