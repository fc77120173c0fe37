"""What a soak run does, decided up front from one seed: customers and their wallet credits, orders with their
payment attempts, every webhook Juspay builds and how often (and in which order) it is delivered, and the
refunds made from Juspay's dashboard. Pure: the same seed gives the same plan, whatever the timing later.

An order's script is a list of steps run in order by one worker:

* ``sign`` — ``POST /sdk/process`` (the wallet offer is whatever the customer's balance allows then);
* ``attempt`` — Juspay's order moves: attempt *n* starts (``PENDING_VBV``) or ends (its outcome);
* ``build`` — Juspay builds a webhook from the order as it is now (a snapshot), to be delivered 0 to 3 times;
* ``deliver`` — one delivery of an earlier snapshot (deliveries of an order's snapshots are shuffled);
* ``refund`` — a refund from the dashboard (whole online part or some of it; settled now or later);
* ``pause`` — a short sleep, so orders interleave differently.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Literal

FAILURES = ("AUTHENTICATION_FAILED", "AUTHORIZATION_FAILED", "JUSPAY_DECLINED")
METHODS = ("UPI", "CARD", "NB")
#: Chance that Juspay never sends a webhook at all.
DROP_PROBABILITY = 0.15
#: Share of attempts whose TXN_CREATED webhook is built (it is optional in Juspay's dashboard).
TXN_CREATED_PROBABILITY = 0.6
#: Share of a customer's planned orders that get a dashboard refund once charged.
DASHBOARD_REFUND_PROBABILITY = 0.25

Outcome = Literal["CHARGED", "PENDING"] | str


@dataclass(frozen=True)
class Attempt:
    """One payment attempt; ``wallet_share``: the fraction (0 < f <= 1) of the signed wallet offer it uses."""

    number: int
    method: str
    wallet_share: float
    outcome: Outcome  # CHARGED, one of FAILURES, or PENDING (left pending: the customer walked away)


@dataclass(frozen=True)
class Step:
    """One thing an order's worker does; ``kind`` says which (see the module docstring)."""

    kind: Literal["sign", "attempt", "build", "deliver", "refund", "pause"]
    attempt: int = 0
    phase: Literal["start", "end"] = "start"
    event: int = -1  # build/deliver: the snapshot's index within the order
    event_name: str = ""
    deliveries: int = 0  # build: how often it will be delivered (0 = never sent)
    refund_fraction: float = 1.0  # refund: share of the online part (1.0 = all of it)
    refund_by_txn: bool = False  # refund: a Txn-ID refund (else an order refund)
    refund_settled: bool = True  # refund: SUCCESS at once (else left PENDING for the back office)
    pause_ms: int = 0


@dataclass(frozen=True)
class OrderPlan:
    """One order: who pays, how much, its attempts and its script."""

    order_id: str
    customer_id: str
    amount_minor: int
    attempts: tuple[Attempt, ...]
    steps: tuple[Step, ...]

    @property
    def final_outcome(self) -> str:
        """The last attempt's outcome (what Juspay says in the end)."""
        return self.attempts[-1].outcome


@dataclass(frozen=True)
class Plan:
    """A whole run."""

    seed: int
    credits_minor: dict[str, int]
    orders: tuple[OrderPlan, ...]
    fault_probability: float
    concurrency: int
    counts: dict[str, int] = field(default_factory=dict)


def make_plan(*, seed: int, orders: int, concurrency: int = 16, fault_probability: float = 0.2) -> Plan:
    """The plan for ``orders`` orders (about four per customer), reproducible from ``seed``."""
    if orders < 1:
        raise ValueError("orders must be >= 1")
    rng = random.Random(seed)
    customers = [f"soak{seed}-c{i:04d}" for i in range(max(2, orders // 4))]
    credits = {c: rng.randrange(100_00, 1500_00) for c in customers}
    plans = tuple(_order(rng, f"sk{seed}o{i:05d}"[-20:], rng.choice(customers)) for i in range(orders))
    return Plan(
        seed=seed,
        credits_minor=credits,
        orders=plans,
        fault_probability=fault_probability,
        concurrency=concurrency,
        counts=_counts(plans),
    )


def _order(rng: random.Random, order_id: str, customer_id: str) -> OrderPlan:
    amount = rng.randrange(50_00, 2000_00)
    count = rng.choices([1, 2, 3, 4], weights=[30, 40, 25, 5])[0]
    last = rng.choices(["CHARGED", "FAILED", "PENDING"], weights=[75, 15, 10])[0]
    attempts = []
    for number in range(1, count + 1):
        outcome = rng.choice(FAILURES) if number < count or last == "FAILED" else last
        attempts.append(Attempt(number, rng.choice(METHODS), round(rng.uniform(0.2, 1.0), 3), outcome))
    return OrderPlan(order_id, customer_id, amount, tuple(attempts), _script(rng, attempts))


def _script(rng: random.Random, attempts: list[Attempt]) -> tuple[Step, ...]:
    steps: list[Step] = [Step("sign")]
    outbox: list[int] = []  # snapshot indices still to deliver, one entry per delivery
    events = 0
    charged = False
    refund_planned = rng.random() < DASHBOARD_REFUND_PROBABILITY

    def build(name: str) -> None:
        nonlocal events
        deliveries = 0 if rng.random() < DROP_PROBABILITY else rng.choices([1, 2, 3], weights=[55, 30, 15])[0]
        steps.append(Step("build", event=events, event_name=name, deliveries=deliveries))
        outbox.extend([events] * deliveries)
        events += 1

    def deliver_some() -> None:
        rng.shuffle(outbox)
        for _ in range(rng.randint(0, len(outbox))):
            steps.append(Step("deliver", event=outbox.pop()))
        steps.append(Step("pause", pause_ms=rng.randint(0, 150)))

    def maybe_refund(chance: float) -> None:
        nonlocal refund_planned
        if charged and refund_planned and rng.random() < chance:
            refund_planned = False
            full = rng.random() < 0.7
            settled = rng.random() < 0.5
            steps.append(
                Step(
                    "refund",
                    refund_fraction=1.0 if full else round(rng.uniform(0.1, 0.9), 3),
                    refund_by_txn=rng.random() < 0.5,
                    refund_settled=settled,
                )
            )
            if settled:  # a pending refund's webhook comes from the back office once it is settled
                build("ORDER_REFUNDED")

    for attempt in attempts:
        steps.append(Step("attempt", attempt=attempt.number, phase="start"))
        if rng.random() < TXN_CREATED_PROBABILITY:
            build("TXN_CREATED")
        deliver_some()
        if attempt.outcome == "PENDING":
            continue
        steps.append(Step("attempt", attempt=attempt.number, phase="end"))
        charged = attempt.outcome == "CHARGED"
        build("ORDER_PARTIAL_CHARGED" if charged else "ORDER_FAILED")
        maybe_refund(0.3)
        deliver_some()
        maybe_refund(0.5)
    maybe_refund(1.0)
    rng.shuffle(outbox)
    steps.extend(Step("deliver", event=index) for index in outbox)
    return tuple(steps)


def _counts(orders: tuple[OrderPlan, ...]) -> dict[str, int]:
    builds = [s for o in orders for s in o.steps if s.kind == "build"]
    return {
        "orders": len(orders),
        "attempts": sum(len(o.attempts) for o in orders),
        "webhooks_built": len(builds),
        "webhooks_dropped": sum(1 for s in builds if s.deliveries == 0),
        "webhook_deliveries": sum(s.deliveries for s in builds),
        "webhooks_duplicated": sum(1 for s in builds if s.deliveries > 1),
        "dashboard_refunds": sum(1 for o in orders for s in o.steps if s.kind == "refund"),
    }
