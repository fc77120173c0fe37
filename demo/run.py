"""One scenario's run: fresh ids, its checks, the orders it follows, and the facts collected at its end."""

from __future__ import annotations

import secrets
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from demo.client import DemoClient, DemoError
from demo.observe import Follower, juspay_calls, order_facts
from demo.result import Check, ScenarioResult

__all__ = ["Run", "Scenario", "scenario"]

_counter = iter(range(1, 10**9))
_counter_lock = threading.Lock()
#: Ids of one process differ from those of any earlier run against the same stack.
_PROCESS_TAG = secrets.token_hex(3)


class Run:
    """What a scenario body works with: the client, fresh ids, checks, and the orders to report on."""

    def __init__(self, client: DemoClient, key: str) -> None:
        self.client = client
        self.key = key
        self.checks: list[Check] = []
        self.notes: list[str] = []
        self._orders: dict[str, tuple[str, str | None]] = {}  # order id → (customer id, wallet before)
        self._ids: dict[str, str] = {}  # id → its placeholder in the report's call counts

    def ids(self, name: str) -> tuple[str, str]:
        """A fresh order id (letters and digits, under 21 characters, as Juspay's SDK wants), customer id."""
        with _counter_lock:
            number = next(_counter)
        order_id = f"dm{name[:6]}{_PROCESS_TAG}{number:03d}"
        return order_id, f"cust-{order_id}"

    def follow(self, order_id: str, customer_id: str, *, wallet_before: str | None = None) -> None:
        """Reports on this order at the end (``wallet_before``: the balance before it was paid)."""
        self._orders[order_id] = (customer_id, wallet_before)
        self._ids.update({order_id: "{order_id}", customer_id: "{customer_id}"})

    def watch(self, identifier: str, placeholder: str) -> None:
        """Counts Juspay calls about ``identifier`` too (a mandate id, a customer's list)."""
        self._ids[identifier] = placeholder

    def fund(self, customer_id: str, amount: str) -> str:
        """Credits the customer's wallet with ``amount`` and answers the balance after."""
        self.client.credit(customer_id, amount, key=f"demo-{customer_id}")
        balance = self.client.balance(customer_id)
        assert balance is not None
        return balance

    def check(self, ok: bool, what: str, detail: str = "") -> bool:
        """Records an expected outcome; answers whether it held."""
        self.checks.append(Check(what, bool(ok), "" if ok else detail))
        return bool(ok)

    def equal(self, actual: Any, expected: Any, what: str) -> bool:
        """Records ``actual == expected``."""
        return self.check(actual == expected, what, f"expected {expected!r}, got {actual!r}")

    def note(self, text: str) -> None:
        """A line for the report."""
        self.notes.append(text)

    def result(self, title: str, summary: str, started: float, error: str | None) -> ScenarioResult:
        """Collects the facts (Juspay's request log first: the reads below make Juspay calls of their own)."""
        client = self.client
        try:
            calls = juspay_calls(client.juspay_requests(), self._ids)
            follower = Follower(client)
            orders = [
                order_facts(client, follower, order_id, customer, before)
                for order_id, (customer, before) in self._orders.items()
            ]
        except Exception as exc:  # the report must still say what happened
            failed = error or f"collecting the report failed: {exc!r}"
            seconds = time.monotonic() - started
            return ScenarioResult(
                self.key, title, seconds, self.checks, [], self.notes, {}, {}, failed, summary
            )
        aws = {
            "bus events": sum(sum(o.bus.values()) for o in orders),
            "Step Functions executions": sum(o.executions for o in orders),
            "state transitions": sum(o.transitions for o in orders),
        }
        seconds = time.monotonic() - started
        return ScenarioResult(
            self.key, title, seconds, self.checks, orders, self.notes, calls, aws, error, summary
        )


@dataclass(frozen=True)
class Scenario:
    """A named scenario: call it with a client to run it. ``exclusive`` ones run with nothing beside them;
    ``slow`` ones (they wait for the follower's schedule) are started first."""

    key: str
    title: str
    run: Callable[[DemoClient], ScenarioResult]
    exclusive: bool = False
    slow: bool = False

    def __call__(self, client: DemoClient) -> ScenarioResult:
        return self.run(client)


def scenario(
    key: str, title: str, *, exclusive: bool = False, slow: bool = False
) -> Callable[[Callable[[Run], None]], Scenario]:
    """Makes a scenario of ``body(run)``: the body acts and checks; a wait that runs out ends it as failed."""

    def wrap(body: Callable[[Run], None]) -> Scenario:
        def run(client: DemoClient) -> ScenarioResult:
            started = time.monotonic()
            recorder = Run(client, key)
            error = None
            try:
                body(recorder)
            except DemoError as exc:
                error = str(exc)
            except Exception as exc:  # a broken step fails this scenario, not the whole demo
                error = f"{exc!r} at {traceback.extract_tb(exc.__traceback__)[-1].line}"
            return recorder.result(title, summary, started, error)

        summary = " ".join((body.__doc__ or "").split())
        run.__doc__ = body.__doc__
        return Scenario(key, title, run, exclusive, slow)

    return wrap
