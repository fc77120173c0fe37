"""Runs a soak plan against a running local stack, through public interfaces only: the merchant API (SigV4),
the simulator's ``/__sim/`` control API (playing Juspay and its dashboard) and the bus (the local event tap).

Phases: credit every customer; arm the seeded Juspay fault; run the orders' scripts on ``concurrency``
workers while a back office settles refunds at Juspay (and sends their webhooks) and the event tap is drained;
disarm the fault and wait until the system is quiet (bounded); collect what every interface says.
"""

from __future__ import annotations

import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import boto3
import requests

from paybridge_local.simulator.server import dumps_json
from tests.helpers import sigv4_headers
from tests.soak.backoffice import BackOffice, EventTap
from tests.soak.juspay_orders import charged_online, major, order_status
from tests.soak.plan import OrderPlan, Plan, Step


@dataclass(frozen=True)
class Endpoints:
    """Where the local stack listens (from its outputs file)."""

    api: str
    juspay: str
    aws: dict[str, Any]
    event_tap: str

    @classmethod
    def from_outputs(cls, outputs: dict[str, Any], aws: dict[str, Any]) -> Endpoints:
        """From ``.local/outputs.json`` and the AWS client kwargs (endpoint, region, keys)."""
        return cls(
            api=outputs["urls"]["api"].rstrip("/"),
            juspay=outputs["urls"]["juspay"].rstrip("/"),
            aws=aws,
            event_tap=outputs["resources"]["LocalEventTap"]["Ref"],
        )


@dataclass
class Timing:
    """Bounds of the waiting phase (seconds)."""

    quiet_s: float = 6.0  # the bus has been silent this long
    follow_until_s: float = 0.0  # pending-order deadline + one poll: abandoned orders reach STALE first
    max_settle_s: float = 180.0


@dataclass
class OrderRun:
    """What one order's worker saw."""

    plan: OrderPlan
    offer_minor: int = 0
    signed: int | None = None
    events: dict[int, str] = field(default_factory=dict)
    refunds: list[dict[str, Any]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    undelivered: int = 0
    seconds: float = 0.0  # from signing to the last step


class Merchant:
    """The merchant API and the simulator's control API, over HTTP with one session per thread."""

    def __init__(self, endpoints: Endpoints) -> None:
        self.endpoints = endpoints
        self._local = threading.local()

    @property
    def http(self) -> requests.Session:
        session = getattr(self._local, "session", None)
        if session is None:
            session = self._local.session = requests.Session()
        return session

    def api(self, method: str, path: str, body: Any = None) -> requests.Response:
        """A SigV4-signed merchant API call."""
        url = self.endpoints.api + path
        data = json.dumps(body) if body is not None else ""
        return self.http.request(
            method, url, data=data or None, headers=sigv4_headers(method, url, data), timeout=120
        )

    def sim(self, method: str, path: str, body: Any = None) -> requests.Response:
        """A call of the simulator's control API (JSON; Decimals written exactly)."""
        data = dumps_json(body) if body is not None else None
        return self.http.request(method, self.endpoints.juspay + path, data=data, timeout=120)


def run(plan: Plan, endpoints: Endpoints, timing: Timing, log: Any = print) -> dict[str, Any]:
    """Runs ``plan``; answers the collected data the checker reads."""
    merchant = Merchant(endpoints)
    started = time.monotonic()
    with ThreadPoolExecutor(plan.concurrency) as pool:
        credits = list(pool.map(lambda item: _credit(merchant, *item), plan.credits_minor.items()))
    merchant.sim("DELETE", "/__sim/faults")
    fault = {
        "path": "*",
        "status": 503,
        "probability": Decimal(str(plan.fault_probability)),
        "seed": plan.seed,
    }
    if plan.fault_probability > 0:
        merchant.sim("POST", "/__sim/faults", fault).raise_for_status()
    tap = EventTap(endpoints.event_tap, boto3.client("sqs", **endpoints.aws)).start()
    office = BackOffice(merchant, plan.seed).start()
    log(f"soak: {len(plan.orders)} orders, concurrency {plan.concurrency}, seed {plan.seed}")
    with ThreadPoolExecutor(plan.concurrency) as pool:
        runs = list(pool.map(lambda order: _run_order(merchant, order), plan.orders))
    driven = time.monotonic() - started
    log(f"soak: orders driven in {driven:.0f} s; waiting for the system to settle")
    faults = merchant.sim("GET", "/__sim/faults").json()
    merchant.sim("DELETE", "/__sim/faults")
    waited = _settle(tap, office, timing, driven_at=time.monotonic())
    office.stop()
    log(f"soak: quiet after {waited:.0f} s; collecting")
    data = _collect(merchant, plan, runs)
    tap.stop()
    data.update(
        {
            "seed": plan.seed,
            "plan_counts": plan.counts,
            "credits_minor": {c: m for c, m in credits if m},
            "events": tap.events,
            "faults_fired": sum(int(f.get("fired") or 0) for f in faults),
            "back_office": office.summary(),
            "seconds": {"driving": round(driven), "settling": round(waited)},
        }
    )
    return data


def _credit(merchant: Merchant, customer: str, minor: int) -> tuple[str, int]:
    body = {"amount": str(major(minor)), "currency": "INR", "idempotency_key": "soak-initial"}
    response = merchant.api("POST", f"/wallets/{customer}/credits", body)
    return customer, minor if response.status_code in (200, 201) else 0


def _run_order(merchant: Merchant, plan: OrderPlan) -> OrderRun:
    state = OrderRun(plan)
    started = time.monotonic()
    for step in plan.steps:
        try:
            if not _step(merchant, state, step):
                break
        except Exception as exc:  # recorded: the checker reports an incomplete run instead of a crash
            state.errors.append(f"{step.kind}: {type(exc).__name__}: {str(exc)[:120]}")
            if step.kind == "sign":
                break
    state.seconds = time.monotonic() - started
    return state


def _step(merchant: Merchant, state: OrderRun, step: Step) -> bool:
    """Does one step; False stops the order (it could not be signed)."""
    plan = state.plan
    if step.kind == "sign":
        body = {
            "order_id": plan.order_id,
            "amount": str(major(plan.amount_minor)),
            "customer_id": plan.customer_id,
        }
        response = merchant.api("POST", "/sdk/process", body)
        state.signed = response.status_code
        if response.status_code != 200:
            state.errors.append(f"sign: HTTP {response.status_code}")
            return False
        state.offer_minor = _offer_minor(response.json())
    elif step.kind == "attempt":
        order = order_status(plan, state.offer_minor, step.attempt, ended=step.phase == "end")
        _expect(state, "attempt", merchant.sim("PUT", f"/__sim/orders/{plan.order_id}", order))
    elif step.kind == "build":
        name = step.event_name
        if name == "ORDER_PARTIAL_CHARGED" and state.offer_minor == 0:
            name = "ORDER_SUCCEEDED"  # no wallet part: Juspay's plain success event
        built = merchant.sim(
            "POST", f"/__sim/orders/{plan.order_id}/webhook", {"event_name": name, "deliver": False}
        )
        if _expect(state, "build", built):
            state.events[step.event] = built.json()["event_id"]
    elif step.kind == "deliver" and step.event in state.events:
        delivery = merchant.sim("POST", f"/__sim/webhooks/{state.events[step.event]}/redeliver")
        if _expect(state, "deliver", delivery) and not delivery.json().get("delivered"):
            state.undelivered += 1
    elif step.kind == "refund":
        _dashboard_refund(merchant, state, step)
    elif step.kind == "pause":
        time.sleep(step.pause_ms / 1000)
    return True


def _dashboard_refund(merchant: Merchant, state: OrderRun, step: Step) -> None:
    plan = state.plan
    juspay = merchant.sim("GET", f"/__sim/orders/{plan.order_id}").json()
    online = charged_online(juspay)
    if online is None:
        return
    online_minor = int(Decimal(str(online["txn_detail"]["txn_amount"])) * 100)
    # As Juspay's dashboard does, never more than is left to refund (the system may have refunded first).
    held = sum(
        int(Decimal(str(r.get("amount"))) * 100)
        for r in juspay.get("refunds") or []
        if r.get("status") != "FAILURE"
    )
    amount = min(max(1, int(online_minor * step.refund_fraction)), online_minor - held)
    if amount <= 0:
        state.refunds.append({"amount_minor": 0, "status_code": None, "by_txn": step.refund_by_txn})
        return
    body: dict[str, Any] = {
        "amount": str(major(amount)),
        "unique_request_id": f"d-{plan.order_id}",
        "status": "SUCCESS" if step.refund_settled else "PENDING",
        "initiated_by": "DASHBOARD",
    }
    if step.refund_by_txn:
        body["txn_id"] = online["txn_id"]
    response = merchant.sim("POST", f"/__sim/orders/{plan.order_id}/refunds", body)
    # A 400 is Juspay refusing (the system refunded in the meantime): recorded, not an error of the run.
    state.refunds.append(
        {"amount_minor": amount, "status_code": response.status_code, "by_txn": step.refund_by_txn}
    )


def _offer_minor(signed: dict[str, Any]) -> int:
    details = json.loads(signed["payload"]["orderDetails"], parse_float=Decimal)
    offers = details.get("metadata.merchant_container_list")
    if not offers:
        return 0
    eligible = json.loads(offers, parse_float=Decimal)[0]["eligible_amount"]
    return int(Decimal(str(eligible)) * 100)


def _expect(state: OrderRun, what: str, response: requests.Response) -> bool:
    if response.status_code in (200, 201):
        return True
    state.errors.append(f"{what}: HTTP {response.status_code} {response.text[:120]}")
    return False


def _settle(tap: EventTap, office: BackOffice, timing: Timing, *, driven_at: float) -> float:
    """Waits until Juspay has no pending refund and the bus has been quiet; bounded by ``max_settle_s``."""
    follow_until = driven_at + timing.follow_until_s
    while time.monotonic() - driven_at < timing.max_settle_s:
        time.sleep(1.0)
        quiet = time.monotonic() - tap.last_event_at >= timing.quiet_s
        if quiet and office.idle() and time.monotonic() >= follow_until:
            break
    return time.monotonic() - driven_at


def _collect(merchant: Merchant, plan: Plan, runs: list[OrderRun]) -> dict[str, Any]:
    def order(run: OrderRun) -> tuple[str, dict[str, Any]]:
        oid = run.plan.order_id
        juspay = merchant.sim("GET", f"/__sim/orders/{oid}")
        ours = merchant.api("GET", f"/orders/{oid}")
        refunds = merchant.api("GET", f"/orders/{oid}/refunds")
        try:
            settlement = ours.json().get("settlement") if ours.status_code == 200 else None
            system_refunds = refunds.json().get("refunds") if refunds.status_code == 200 else None
        except ValueError:
            settlement = system_refunds = None
        return oid, {
            "customer_id": run.plan.customer_id,
            "planned_outcome": run.plan.final_outcome,
            "attempts": len(run.plan.attempts),
            "signed": run.signed,
            "offer_minor": run.offer_minor,
            "juspay": juspay.json() if juspay.status_code == 200 else None,
            "api_status": ours.status_code,
            "settlement": settlement,
            "refunds_api_status": refunds.status_code,
            "system_refunds": system_refunds,
            "dashboard_refunds": run.refunds,
            "driver_errors": run.errors,
            "undelivered": run.undelivered,
            "seconds": round(run.seconds, 1),
        }

    def wallet(customer: str) -> tuple[str, Any]:
        response = merchant.api("GET", f"/wallets/{customer}")
        return customer, response.json() if response.status_code == 200 else None

    with ThreadPoolExecutor(4) as pool:
        orders = dict(pool.map(order, runs))
        wallets = dict(pool.map(wallet, plan.credits_minor))
    return {
        "orders": orders,
        "wallets": wallets,
        "webhooks": merchant.sim("GET", "/__sim/webhooks").json(),
        "juspay_refunds": merchant.sim("GET", "/__sim/refunds").json(),
        # Juspay calls whose x-routing-id was not the customer's: counted (the routing tests judge them).
        "routing_violations": len(merchant.sim("GET", "/__sim/routing-violations").json()),
    }
