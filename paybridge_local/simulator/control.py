"""The control API (``/__sim/...``, no auth, JSON in and out): what tests, the demo and the soak use to
play Juspay's side. One line per route in ``CONTROL``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from paybridge_local.simulator.dispatch import Answer, SimRequest, route, routes
from paybridge_local.simulator.errors import JsonDict
from paybridge_local.simulator.mandate_debits import get_notification, settle_execution, settle_notification

if TYPE_CHECKING:
    from paybridge_local.simulator.server import JuspaySimulator

__all__ = ["CONTROL"]


def health(sim: JuspaySimulator, request: SimRequest) -> Answer:
    return 200, {"status": "ok", "merchant_id": sim.merchant_id}


def reset(sim: JuspaySimulator, request: SimRequest) -> Answer:
    sim.state.reset()
    sim.debits.reset()
    return 200, {"reset": True}


def put_order(sim: JuspaySimulator, request: SimRequest, order_id: str) -> Answer:
    return 200, sim.state.put_order(order_id, request.json())


def get_order(sim: JuspaySimulator, request: SimRequest, order_id: str) -> Answer:
    return 200, sim.state.get_order(order_id)


def _send(sim: JuspaySimulator, event: JsonDict, body: object) -> Answer:
    if isinstance(body, dict) and body.get("deliver") is False:
        # Built and remembered only: the caller delivers it later (``/__sim/webhooks/{id}/redeliver``).
        block = next(iter(event["content"].values()))
        return 201, {
            "event_id": event["id"],
            "event_name": event["event_name"],
            "order_id": block.get("order_id"),
            "delivered": False,
            "attempts": [],
            "event": event,
        }
    return 200, sim.deliver_webhook(event)


def order_webhook(sim: JuspaySimulator, request: SimRequest, order_id: str) -> Answer:
    body = request.json()
    event = sim.state.webhook_event(order_id, body)
    return _send(sim, event, body)


def mandate_webhook(sim: JuspaySimulator, request: SimRequest, mandate_id: str) -> Answer:
    body = request.json()
    event = sim.state.mandate_webhook_event(mandate_id, body)
    return _send(sim, event, body)


def redeliver(sim: JuspaySimulator, request: SimRequest, event_id: str) -> Answer:
    return 200, sim.deliver_webhook(sim.state.stored_event(event_id))


def add_refund(sim: JuspaySimulator, request: SimRequest, order_id: str) -> Answer:
    return 201, sim.state.add_refund(order_id, request.json())


def webhooks(sim: JuspaySimulator, request: SimRequest) -> Answer:
    return 200, sim.state.webhook_log()


def add_fault(sim: JuspaySimulator, request: SimRequest) -> Answer:
    return 201, sim.state.add_fault(request.json())


def list_faults(sim: JuspaySimulator, request: SimRequest) -> Answer:
    return 200, sim.state.list_faults()


def clear_faults(sim: JuspaySimulator, request: SimRequest) -> Answer:
    sim.state.clear_faults()
    return 200, {"cleared": True}


def request_log(sim: JuspaySimulator, request: SimRequest) -> Answer:
    return 200, sim.state.request_log()


def clear_request_log(sim: JuspaySimulator, request: SimRequest) -> Answer:
    sim.state.clear_requests()
    return 200, {"cleared": True}


def routing_violations(sim: JuspaySimulator, request: SimRequest) -> Answer:
    return 200, sim.state.routing_violation_log()


def clear_routing_violations(sim: JuspaySimulator, request: SimRequest) -> Answer:
    sim.state.clear_routing_violations()
    return 200, {"cleared": True}


def version_violations(sim: JuspaySimulator, request: SimRequest) -> Answer:
    return 200, sim.state.version_violation_log()


def clear_version_violations(sim: JuspaySimulator, request: SimRequest) -> Answer:
    sim.state.clear_version_violations()
    return 200, {"cleared": True}


def list_refunds(sim: JuspaySimulator, request: SimRequest) -> Answer:
    return 200, sim.state.list_refunds(request.query.get("status") or None)


def settle_refund(sim: JuspaySimulator, request: SimRequest, unique_request_id: str) -> Answer:
    return 200, sim.state.settle_refund(unique_request_id, request.json())


def get_refund(sim: JuspaySimulator, request: SimRequest, unique_request_id: str) -> Answer:
    return 200, sim.state.get_refund(unique_request_id)


def put_mandate(sim: JuspaySimulator, request: SimRequest, mandate_id: str) -> Answer:
    return 200, sim.state.put_mandate(mandate_id, request.json())


def jwe_control(sim: JuspaySimulator, request: SimRequest, **params: str) -> Answer:
    """The encrypted API's key registry and call log (``jwe.py``)."""
    return sim.jwe.handle(request.method, request.path, request.headers, request.body, sim.plain)


CONTROL = routes(
    [
        route("GET", "/__sim/health", health),
        route("POST", "/__sim/reset", reset),
        route("PUT", "/__sim/orders/<order_id>", put_order),
        route("GET", "/__sim/orders/<order_id>", get_order),
        route("POST", "/__sim/orders/<order_id>/webhook", order_webhook),
        route("POST", "/__sim/orders/<order_id>/refunds", add_refund),
        route("GET", "/__sim/webhooks", webhooks),
        route("POST", "/__sim/webhooks/<event_id>/redeliver", redeliver),
        route("POST", "/__sim/faults", add_fault),
        route("GET", "/__sim/faults", list_faults),
        route("DELETE", "/__sim/faults", clear_faults),
        route("GET", "/__sim/requests", request_log),
        route("DELETE", "/__sim/requests", clear_request_log),
        route("GET", "/__sim/refunds", list_refunds),
        route("GET", "/__sim/routing-violations", routing_violations),
        route("DELETE", "/__sim/routing-violations", clear_routing_violations),
        route("GET", "/__sim/version-violations", version_violations),
        route("DELETE", "/__sim/version-violations", clear_version_violations),
        route("POST", "/__sim/refunds/<unique_request_id>", settle_refund),
        route("GET", "/__sim/refunds/<unique_request_id>", get_refund),
        route("PUT", "/__sim/mandates/<mandate_id>", put_mandate),
        route("POST", "/__sim/mandates/<mandate_id>/webhook", mandate_webhook),
        route("GET", "/__sim/notifications/<notification_id>", get_notification),
        route("POST", "/__sim/notifications/<notification_id>", settle_notification),
        route("POST", "/__sim/mandate-executions/<order_id>", settle_execution),
        route("POST", "/__sim/jwe/keys", jwe_control),
        route("GET", "/__sim/jwe/keys", jwe_control),
        route("DELETE", "/__sim/jwe/keys/<key_id>", jwe_control),
        route("GET", "/__sim/jwe/calls", jwe_control),
        route("DELETE", "/__sim/jwe/calls", jwe_control),
    ]
)
