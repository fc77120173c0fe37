"""Webhooks: events built from what the simulator holds, shaped per event family as Juspay's samples show,
remembered for redelivery, delivered with Basic auth and resent until HTTP 200.

Families (``webhook_*.json``): ``MANDATE_*`` carry ``content.mandate``; ``TXN_*`` other than
``TXN_CREATED`` carry ``content.txn``; ``ORDER_*``, ``REFUND_*``, ``AUTO_REFUND_*`` and ``TXN_CREATED`` (and
any other name) carry ``content.order``. ``NOTIFICATION_*`` carry ``content.notification``, built from a
pre-debit notification (the recurring-debit work adds those).
"""

from __future__ import annotations

import base64
import copy
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import requests

from paybridge_local.simulator.errors import JsonDict, control_error
from paybridge_local.simulator.journal import LOG_LIMIT
from paybridge_local.simulator.mandates import MandateBook, view
from paybridge_local.simulator.wire import dumps_json, now_iso

__all__ = ["STATUS_IDS", "Delivery", "WebhookBook", "content_key", "deliver", "txn_block"]


#: Juspay's numeric ids of transaction statuses, as the samples show them (order_status_*, webhook_*).
STATUS_IDS = {
    "NEW": 10,
    "CHARGED": 21,
    "JUSPAY_DECLINED": 22,
    "PENDING_VBV": 23,
    "AUTHENTICATION_FAILED": 26,
    "AUTHORIZATION_FAILED": 27,
    "COD_INITIATED": 29,
    "PARTIAL_CHARGED": 37,
}


def content_key(event_name: str) -> str:
    """Which block of ``content`` an event of this name carries."""
    if event_name.startswith("MANDATE_"):
        return "mandate"
    if event_name.startswith("NOTIFICATION_"):
        return "notification"
    if event_name.startswith("TXN_") and event_name != "TXN_CREATED":
        return "txn"
    return "order"


def txn_block(order: JsonDict, txn_id: str | None) -> JsonDict:
    """One transaction of ``order`` as ``TXN_*`` webhooks carry it (``webhook_txn_charged.json``): its
    ``txn_detail`` with the payment method and gateway response beside it. Default: the latest one."""
    if isinstance(order.get("txn_list"), list):
        entries = [t for t in order["txn_list"] if isinstance(t, dict)]
    elif order.get("txn_id") or isinstance(order.get("txn_detail"), dict):
        entries = [order]
    else:
        raise control_error(409, f"order {order['order_id']!r} has no transaction for a TXN_* webhook")
    if txn_id is not None:
        entries = [
            t for t in entries if (t.get("txn_id") or (t.get("txn_detail") or {}).get("txn_id")) == txn_id
        ]
        if not entries:
            raise control_error(400, f"txn_id {txn_id!r} is not a transaction of this order")
    entry = entries[-1]
    detail: JsonDict = entry["txn_detail"] if isinstance(entry.get("txn_detail"), dict) else {}
    block: JsonDict = {**detail}
    for key in ("payment_method_type", "payment_method", "payment_gateway_response", "card"):
        if key in entry:
            block[key] = entry[key]
    # Order-level notes stay with the order (webhook_txn_charged.json has none).
    block.pop("metadata", None)
    block.setdefault("txn_id", entry.get("txn_id"))
    block.setdefault("order_id", order["order_id"])
    block.setdefault("payment_gateway_response", None)
    block["status"] = detail.get("status") or entry.get("status") or order.get("status")
    single = entry is order
    block.setdefault("status_id", order.get("status_id") if single else STATUS_IDS.get(block["status"]))
    return copy.deepcopy(block)


class WebhookBook:
    """Events built so far (by id, for redelivery) and the newest ``log_limit`` deliveries made."""

    def __init__(
        self,
        lock: threading.RLock,
        orders: dict[str, JsonDict],
        mandates: MandateBook,
        log_limit: int = LOG_LIMIT,
    ) -> None:
        self._lock = lock
        self.orders = orders
        self.mandates = mandates
        #: event id → the webhook body as built (a snapshot of the order then), for redelivery
        self.events: dict[str, JsonDict] = {}
        self.deliveries: deque[JsonDict] = deque(maxlen=log_limit)

    def reset(self) -> None:
        """Forgets every event and delivery."""
        with self._lock:
            self.events.clear()
            self.deliveries.clear()

    def order_event(self, order_id: str, body: Any) -> JsonDict:
        """The event Juspay would send about the stored order, in its family's shape, remembered by id so
        it can be delivered again later exactly as built (a snapshot of this moment)."""
        event_name = _event_name(body)
        with self._lock:
            order = self.orders.get(order_id)
            if order is None:
                raise control_error(404, f"no stored order {order_id!r}")
            key = content_key(event_name)
            if key == "mandate":
                block = order.get("mandate")
                if not isinstance(block, dict) or not block.get("mandate_id"):
                    raise control_error(409, f"order {order_id!r} has no mandate for a MANDATE_* webhook")
                content = self._mandate_block(str(block["mandate_id"]))
            elif key == "txn":
                txn_id = body.get("txn_id") if isinstance(body.get("txn_id"), str) else None
                content = txn_block(order, txn_id)
            elif key == "order":
                content = copy.deepcopy(order)
            else:
                raise control_error(400, f"{event_name} webhooks are built from a pre-debit notification")
            return self._remember(event_name, {key: content})

    def mandate_event(self, mandate_id: str, body: Any) -> JsonDict:
        """A ``MANDATE_*`` event about a stored mandate (``content.mandate``), remembered like the rest."""
        event_name = _event_name(body)
        if content_key(event_name) != "mandate":
            raise control_error(400, "a mandate's webhook is a MANDATE_* event")
        with self._lock:
            if mandate_id not in self.mandates.mandates:
                raise control_error(404, f"no stored mandate {mandate_id!r}")
            return self._remember(event_name, {"mandate": self._mandate_block(mandate_id)})

    def _mandate_block(self, mandate_id: str) -> JsonDict:
        # webhook_mandate_*.json: the mandate as a status check shows it (``status``), stamped.
        record = self.mandates.mandates.get(mandate_id) or {"mandate_id": mandate_id, "status": None}
        return {**view(record, status_key="status"), "last_updated": now_iso()}

    def _remember(self, event_name: str, content: JsonDict) -> JsonDict:
        event_id = f"evt_V2_{uuid.uuid4().hex}"
        event: JsonDict = {
            "id": event_id,
            "event_name": event_name,
            "date_created": now_iso(),
            "content": content,
        }
        self.events[event_id] = event
        return copy.deepcopy(event)

    def stored(self, event_id: str) -> JsonDict:
        """A webhook event built earlier, unchanged (same id, same snapshot)."""
        with self._lock:
            event = self.events.get(event_id)
            if event is None:
                raise control_error(404, f"no webhook event {event_id!r}")
            return copy.deepcopy(event)

    def record(self, delivery: JsonDict) -> None:
        """Remembers a delivery (event id, name, attempts) for ``GET /__sim/webhooks``."""
        with self._lock:
            self.deliveries.append(delivery)

    def log(self) -> list[JsonDict]:
        """Every webhook delivery so far (the newest ``log_limit``)."""
        with self._lock:
            return copy.deepcopy(list(self.deliveries))


def _event_name(body: Any) -> str:
    event_name = body.get("event_name") if isinstance(body, dict) else None
    if not isinstance(event_name, str) or not event_name:
        raise control_error(400, 'body must be {"event_name": "..."}')
    return event_name


@dataclass(frozen=True)
class Delivery:
    """Where and how webhooks go: Basic auth, resent on anything but 200 with exponential backoff."""

    url: str
    username: str | None
    password: str | None
    max_attempts: int
    backoff_s: float
    timeout_s: float


def deliver(event: JsonDict, how: Delivery, sleep: Callable[[float], None] = time.sleep) -> JsonDict:
    """POSTs ``event`` as Juspay does, resending until HTTP 200 or ``how.max_attempts``; the summary."""
    headers = {"Content-Type": "application/json"}
    if how.username is not None:
        credentials = f"{how.username}:{how.password or ''}".encode()
        headers["Authorization"] = "Basic " + base64.b64encode(credentials).decode("ascii")
    body = dumps_json(event)
    attempts: list[JsonDict] = []
    delivered = False
    for attempt in range(1, how.max_attempts + 1):
        try:
            response = requests.post(
                how.url, data=body, headers=headers, timeout=how.timeout_s, allow_redirects=False
            )
            attempts.append({"attempt": attempt, "status": response.status_code, "error": None})
            delivered = response.status_code == 200
        except requests.RequestException as exc:
            attempts.append({"attempt": attempt, "status": None, "error": type(exc).__name__})
        if delivered:
            break
        if attempt < how.max_attempts:
            sleep(how.backoff_s * 2 ** (attempt - 1))
    block: Any = next(iter(event["content"].values()), {})
    return {
        "event_id": event["id"],
        "event_name": event["event_name"],
        "order_id": block.get("order_id") if isinstance(block, dict) else None,
        "delivered": delivered,
        "attempts": attempts,
    }
