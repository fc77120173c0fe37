"""Reading what happened from outside: Juspay's request log, the follower's executions, the bus, the API."""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Iterable
from typing import Any

from demo.client import DemoClient
from demo.result import OrderFacts

__all__ = ["Follower", "juspay_calls", "order_facts"]


def juspay_calls(log: Iterable[dict[str, Any]], ids: dict[str, str]) -> dict[str, int]:
    """Juspay API calls about any of ``ids`` (id → its placeholder, e.g. ``{order_id}``), counted per route.

    A call is about an id when the id is a segment of its path, or a value of its form or JSON body, or a
    transaction id of it (``{merchant}-{order_id}-{attempt}``: a Txn-ID refund names only the transaction).
    """
    counts: Counter[str] = Counter()
    for entry in log:
        segments = str(entry.get("path", "")).split("/")
        values = [str(v) for v in {**(entry.get("form") or {}), **_flat(entry.get("json"))}.values()]
        if not any(i in segments or any(v == i or f"-{i}-" in v for v in values) for i in ids):
            continue
        path = "/".join(ids.get(segment, segment) for segment in segments)
        command = (entry.get("form") or {}).get("command")
        counts[f"{entry.get('method')} {path}" + (f" command={command}" if command else "")] += 1
    return dict(sorted(counts.items()))


def _flat(body: Any) -> dict[str, Any]:
    return {k: v for k, v in body.items() if not isinstance(v, dict | list)} if isinstance(body, dict) else {}


class Follower:
    """The pending-order follower's executions (Step Functions, read-only), found by their input order id."""

    def __init__(self, client: DemoClient) -> None:
        self._sfn = client.aws("stepfunctions")
        self._machine = client.resource("PendingOrderStateMachine", "Arn")
        self._order_of: dict[str, str] = {}  # execution ARN → order id (an input never changes)
        self._lock = threading.Lock()

    def executions(self, order_id: str) -> list[dict[str, Any]]:
        """The order's executions, oldest first: ``{name, status, states: [...], transitions, wait_s}``
        (``wait_s``: how long its latest callback wait lasts, in real seconds)."""
        found = []
        for execution in self._list():
            arn = execution["executionArn"]
            with self._lock:
                known = self._order_of.get(arn)
            if known is None:
                described = self._sfn.describe_execution(executionArn=arn)
                known = str(json.loads(described.get("input") or "{}").get("order_id", ""))
                with self._lock:
                    self._order_of[arn] = known
            if known == order_id:
                found.append(execution)
        found.sort(key=lambda e: (e["startDate"], e["name"]))
        return [self._path(e) for e in found]

    def _list(self) -> list[dict[str, Any]]:
        executions: list[dict[str, Any]] = []
        kwargs: dict[str, Any] = {"stateMachineArn": self._machine}
        while True:
            page = self._sfn.list_executions(**kwargs)
            executions.extend(page.get("executions", []))
            if not page.get("nextToken"):
                return executions
            kwargs["nextToken"] = page["nextToken"]

    def _path(self, execution: dict[str, Any]) -> dict[str, Any]:
        # The status first: a history read after an ended status is complete (read before, it may not be).
        status = self._sfn.describe_execution(executionArn=execution["executionArn"])["status"]
        events: list[dict[str, Any]] = []
        kwargs: dict[str, Any] = {"executionArn": execution["executionArn"]}
        while True:
            page = self._sfn.get_execution_history(**kwargs)
            events.extend(page.get("events", []))
            if not page.get("nextToken"):
                break
            kwargs["nextToken"] = page["nextToken"]
        states = [
            str(e["stateEnteredEventDetails"]["name"]) for e in events if e["type"].endswith("StateEntered")
        ]
        # The timeout of the latest callback wait (TaskScheduled's timeoutInSeconds, as on AWS).
        waits = [
            int(e["taskScheduledEventDetails"].get("timeoutInSeconds") or 0)
            for e in events
            if e["type"] == "TaskScheduled"
            and str(e["taskScheduledEventDetails"].get("resource", "")).endswith("waitForTaskToken")
        ]
        return {
            "name": execution["name"],
            "status": status,
            "states": states,
            "transitions": len(states),
            "wait_s": waits[-1] if waits else None,
        }


def _compress(states: list[str]) -> str:
    """``Init → AwaitWebhookOrTimeout → CheckOrderStatus → Decide → ...`` with repeats folded (xn)."""
    loop = ["AwaitWebhookOrTimeout", "CheckOrderStatus", "Decide"]
    parts: list[str] = []
    index = 0
    while index < len(states):
        repeats = 0
        while states[index : index + 3] == loop:
            repeats += 1
            index += 3
        if repeats:
            parts.append(f"(wait → poll → decide) x{repeats}")
            continue
        parts.append(states[index])
        index += 1
    return " → ".join(parts)


def order_facts(
    client: DemoClient, follower: Follower, order_id: str, customer_id: str, wallet_before: str | None
) -> OrderFacts:
    """Everything a user can see of one order now. Reads ``GET /orders/{id}`` last: it asks Juspay too."""
    facts = OrderFacts(order_id=order_id, customer_id=customer_id, wallet_before=wallet_before)
    delivered = Counter(
        f"{d['event_name']} ({'delivered' if d.get('delivered') else 'NOT delivered'})"
        for d in client.webhook_deliveries(order_id)
    )
    facts.webhooks = [f"{name} x{count}" if count > 1 else name for name, count in delivered.items()]
    facts.bus = dict(Counter(client.bus.kinds(order_id)))
    for execution in follower.executions(order_id):
        facts.executions += 1
        facts.transitions += execution["transitions"]
        facts.follower.append(
            f"{execution['name']}: {execution['status']}, {execution['transitions']} transitions:"
            f" {_compress(execution['states'])}"
        )
    wallet = client.wallet(customer_id)
    if wallet is not None:
        facts.wallet_after = str(wallet["balance"])
        facts.ledger = [
            f"{e['type']} {e['amount']} ({e['reference']})" for e in reversed(wallet["entries"][:10])
        ]
    refunds_answer = client.api("GET", f"/orders/{order_id}/refunds")
    if refunds_answer.status_code == 200:
        facts.refunds = [
            f"{r['unique_request_id']}: {r['amount']} {r['status']}"
            + (f" (Juspay {r['juspay_status']})" if r.get("juspay_status") else "")
            for r in refunds_answer.json()["refunds"]
        ]
    answer = client.api("GET", f"/orders/{order_id}?customer_id={customer_id}")
    if answer.status_code == 200:
        body = answer.json()
        facts.juspay_status = str((body.get("order") or {}).get("status"))
        facts.settlement_status = (body.get("settlement") or {}).get("status")
    else:
        facts.juspay_status = (
            "unknown to Juspay (404)" if answer.status_code == 404 else f"({answer.status_code})"
        )
    return facts
