"""Which ``x-routing-id`` a Juspay call should carry, judged the way Juspay documents it (JUSPAY.md):
the customer id of the order or mandate the call is about, the order id only for a guest order (an order
with no customer), never a mandate or transaction id.

The simulator records each call's routing id and, where it knows the order or mandate, the id expected;
a difference is a *routing violation* (``GET /__sim/routing-violations``), which the test suites fail on.
Calls about something the simulator does not hold (a 404) are not judged.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import unquote

from paybridge_local.simulator.schema import find_txn

__all__ = ["expected_routing", "routing_violation"]

JsonDict = dict[str, Any]

_ORDER = re.compile(r"^/orders/(?P<id>[^/]+)(/refunds|/fulfillment)?$")
_MANDATE = re.compile(r"^/mandates/(?P<id>[^/]+)$")
_CUSTOMER_MANDATES = re.compile(r"^/customers/(?P<id>[^/]+)/mandates$")


def _text(value: object) -> str | None:
    if isinstance(value, str | int) and not isinstance(value, bool) and str(value).strip():
        return str(value).strip()
    return None


def _order_routing(order: Mapping[str, Any], order_id: str) -> str:
    return _text(order.get("customer_id")) or order_id


def expected_routing(
    entry: Mapping[str, Any], orders: dict[str, JsonDict], mandates: Mapping[str, JsonDict]
) -> str | None:
    """The routing id the logged request ``entry`` should carry, or None when the simulator cannot tell
    (the order or mandate it names is not stored). Call with the simulator's lock held."""
    path, method = str(entry.get("path", "")), str(entry.get("method", ""))
    form: Mapping[str, Any] = entry.get("form") or {}
    if (match := _ORDER.match(path)) is not None:
        order_id = unquote(match["id"])  # ids arrive percent-encoded in the path
        order = orders.get(order_id)
        return _order_routing(order, order_id) if order is not None else None
    if method == "POST" and path == "/refunds":
        found = find_txn(orders, str(form.get("txn_id") or ""))
        return _order_routing(found[0], str(found[0]["order_id"])) if found is not None else None
    if (match := _MANDATE.match(path)) is not None:
        mandate = mandates.get(unquote(match["id"]))
        if mandate is None:
            return None
        customer = _text(mandate.get("customer_id"))
        order = orders.get(str(mandate.get("order_id") or ""))
        return customer or (_text(order.get("customer_id")) if order is not None else None)
    if (match := _CUSTOMER_MANDATES.match(path)) is not None:
        return unquote(match["id"])
    if path in ("/session", "/orders") and method == "POST":
        body = entry.get("json")
        fields: Mapping[str, Any] = body if isinstance(body, Mapping) else form
        return _text(fields.get("customer_id")) or _text(fields.get("order_id"))
    return None


def routing_violation(entry: Mapping[str, Any], expected: str | None) -> JsonDict | None:
    """The violation the logged request makes, or None: a missing routing id, one other than ``expected``,
    or a mandate call routed by the mandate id."""
    routing_id = entry.get("routing_id")
    reason = None
    if not routing_id:
        reason = "missing x-routing-id"
    elif expected is not None and routing_id != expected:
        reason = "x-routing-id is not the customer id of the order or mandate (nor a guest order's id)"
    elif (match := _MANDATE.match(str(entry.get("path", "")))) is not None and routing_id == unquote(
        match["id"]
    ):
        reason = "x-routing-id is the mandate id"
    if reason is None:
        return None
    return {
        "method": entry.get("method"),
        "path": entry.get("path"),
        "routing_id": routing_id,
        "expected_routing_id": expected,
        "reason": reason,
    }
