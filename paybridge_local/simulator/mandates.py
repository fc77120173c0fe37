"""Mandates: stored from an order's ``mandate`` block or directly, listed per customer, and moved by
``POST /mandates/{id}`` commands (check_status, revoke, pause, resume) as Juspay's samples answer them.

Commands the recurring-debit work adds (``pre_debit_notify``, ``cancel_recurring_transaction``) register
themselves in ``MandateBook.commands``.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable, Mapping
from typing import Any

from paybridge_local.simulator.errors import (
    JsonDict,
    SimError,
    control_error,
    envelope,
    mandatory_fields_missing,
    not_found,
)
from paybridge_local.simulator.wire import iso_from_epoch, now_iso

__all__ = ["MandateBook", "MandateCommand"]

#: One mandate command: (the book, the stored record, the form) → the answer. Called with the lock held.
MandateCommand = Callable[["MandateBook", JsonDict, Mapping[str, str]], JsonDict]


class MandateBook:
    """Mandates by ``mandate_id`` (``status`` kept under that one key), over the shared ``orders``."""

    def __init__(self, lock: threading.RLock, orders: dict[str, JsonDict]) -> None:
        self._lock = lock
        self.orders = orders
        self.mandates: dict[str, JsonDict] = {}
        self.commands: dict[str, MandateCommand] = {
            "check_status": _check_status,
            "revoke": _revoke,
            "pause": _pause,
            "resume": _resume,
        }

    def reset(self) -> None:
        """Forgets every mandate."""
        with self._lock:
            self.mandates.clear()

    def put(self, mandate_id: str, body: Any) -> JsonDict:
        """Stores a mandate directly (``customer_id`` makes it appear in the customer's list)."""
        if not isinstance(body, dict):
            raise control_error(400, "mandate must be a JSON object")
        if not (body.get("status") or body.get("mandate_status")):
            raise control_error(400, "mandate needs 'status' (or 'mandate_status')")
        with self._lock:
            return self.store({**body, "mandate_id": mandate_id})

    def store(self, mandate: JsonDict) -> JsonDict:
        """Keeps ``mandate`` (status in ``status`` or ``mandate_status``); answers its status-check view."""
        record = copy.deepcopy(mandate)
        record["status"] = record.get("status") or record.get("mandate_status")
        record.pop("mandate_status", None)
        with self._lock:
            self.mandates[record["mandate_id"]] = record
        return view(record, status_key="status")

    def record(self, mandate_id: str) -> JsonDict:
        """The stored mandate (not a copy), or Juspay's 404. Call with the lock held."""
        record = self.mandates.get(mandate_id)
        if record is None:
            raise not_found("Mandate", mandate_id)
        return record

    def command(self, mandate_id: str, form: Mapping[str, str]) -> JsonDict:
        """``POST /mandates/{id}``: runs the form's ``command``."""
        name = form.get("command")
        if not name:
            raise mandatory_fields_missing()
        with self._lock:
            record = self.record(mandate_id)
            handler = self.commands.get(name)
            if handler is None:
                raise SimError(400, envelope("invalid.command", f"Unsupported mandate command: {name}"))
            return handler(self, record, form)

    def transition(self, record: JsonDict, *, allowed: set[str], to: str) -> None:
        """Moves the mandate (and its order's ``mandate`` block) to ``to``, or Juspay's 400."""
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

    def list(self, customer_id: str) -> JsonDict:
        """``GET /customers/{id}/mandates``: Juspay's list envelope."""
        with self._lock:
            # List entries name neither the customer (it is in the path) nor the order (mandate_list_*.json).
            entries = [
                {
                    k: v
                    for k, v in view(m, status_key="status").items()
                    if k not in ("customer_id", "order_id")
                }
                for m in self.mandates.values()
                if m.get("customer_id") == customer_id
            ]
        return {"total": len(entries), "offset": 0, "object": "list", "count": len(entries), "list": entries}


def view(record: JsonDict, *, status_key: str) -> JsonDict:
    """The mandate as Juspay shows it: status checks and lists say ``status``, command answers and
    webhooks ``mandate_status`` (``mandate_pause_response.json``)."""
    shown = {k: v for k, v in record.items() if k != "status" and v is not None}
    if record["status"] != "ACTIVE":
        # Only an active mandate can be debited: the samples show its debit token then only.
        shown.pop("mandate_debit_token", None)
    shown[status_key] = record["status"]
    return copy.deepcopy(shown)


def _check_status(book: MandateBook, record: JsonDict, form: Mapping[str, str]) -> JsonDict:
    return view(record, status_key="status")


def _revoke(book: MandateBook, record: JsonDict, form: Mapping[str, str]) -> JsonDict:
    book.transition(record, allowed={"ACTIVE", "PAUSED", "CREATED"}, to="REVOKED")
    return {"mandate_status": "REVOKED", "mandate_id": record["mandate_id"]}


def _pause(book: MandateBook, record: JsonDict, form: Mapping[str, str]) -> JsonDict:
    book.transition(record, allowed={"ACTIVE"}, to="PAUSED")
    # Juspay takes epoch seconds and answers ISO timestamps (mandate_pause_response.json).
    record["pause_start_date"] = iso_from_epoch(form.get("pause_start_date")) or now_iso()
    record["pause_end_date"] = iso_from_epoch(form.get("pause_end_date"))
    return {**view(record, status_key="mandate_status"), "response_message": "Mandate is Paused."}


def _resume(book: MandateBook, record: JsonDict, form: Mapping[str, str]) -> JsonDict:
    book.transition(record, allowed={"PAUSED"}, to="ACTIVE")
    # mandate_resume_response.json: the pause's end stays, its start goes, the mandate is active again.
    record.pop("pause_start_date", None)
    record["last_activated_at"] = now_iso()
    return {**view(record, status_key="mandate_status"), "response_message": "Mandate is Resumed."}
