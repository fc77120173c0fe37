"""Reconcile every order touched in a time window with Juspay's Order Status, and say what was done.

For each order whose record was last written in the window (the orders table's ``ByTouchedHour`` index:
settlement's writes, RECEIVED records made before Juspay was asked, signed orders), the record, its refunds
and its follower are compared with Get Order Status (``paybridge.logic.reconciliation.compare``). Repairs go
through the normal logic the handler passes in (settlement, refund following and credit-back, starting the
follower), so they make the same conditional writes as live traffic: safe beside it, and a second run finds
nothing left to do. Mismatches are published as ``ReconciliationMismatch`` once per (order, kind).

A Juspay error on one order is noted in the report and the run goes on: the next run (the window overlaps)
tries again. The run stops early, reporting the orders it did not reach, when its time is nearly up.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from paybridge.bus import SOURCE_PAYBRIDGE
from paybridge.dal.orders import OrderRecord
from paybridge.errors import TRANSIENT_ERRORS, JuspayNotFoundError, PaybridgeError
from paybridge.logic.reconciliation import Action, Facts, Finding, MismatchKind, compare
from paybridge.models.juspay import Order
from paybridge.models.money import format_major
from paybridge.models.refund import RefundRecord
from paybridge.observability import MetricUnit, logger, metrics

__all__ = [
    "EVENT_RECONCILIATION_MISMATCH",
    "OrderReport",
    "ReconcileDependencies",
    "ReconcileReport",
    "Repaired",
    "reconcile_orders",
]

EVENT_RECONCILIATION_MISMATCH = "ReconciliationMismatch"
#: Stop taking new orders when less than this is left of the invocation (one order's work fits in it).
STOP_BEFORE_MS = 60_000
#: Juspay unavailable for this many orders in a row: the run stops (each would wait out the client's
#: timeouts and retries); the next run, whose window overlaps, starts over.
STOP_AFTER_UNAVAILABLE = 3


class OrderStatusSource(Protocol):
    """Juspay's Order Status (``JuspayClient`` satisfies it)."""

    def get_order_status(self, order_id: str, *, customer_id: str | None) -> Order:
        """Juspay's current view of the order."""
        ...


class OrderRecords(Protocol):
    """Settlement records (``OrdersRepository``)."""

    def get(self, order_id: str) -> OrderRecord | None:
        """The order's record, consistently read."""
        ...


class RefundRecords(Protocol):
    """The refunds of an order (``RefundsRepository``)."""

    def list_for_order(self, order_id: str) -> list[RefundRecord]:
        """Every refund of the order."""
        ...


class Followers(Protocol):
    """Pending-order items (``PendingOrdersRepository``)."""

    def get(self, order_id: str) -> dict[str, Any] | None:
        """The order's pending-order item, or None if it was never followed."""
        ...


class MismatchMarks(Protocol):
    """Once-per-(order, kind) claims (``paybridge.dal.reconciliation.MismatchMarks``)."""

    def claim(self, order_id: str, kind: str) -> bool:
        """True if this run is the first to report ``kind`` for the order."""
        ...

    def release(self, order_id: str, kind: str) -> None:
        """Gives the claim back (the publish failed)."""
        ...


class Publisher(Protocol):
    """The event bus (``EventPublisher``)."""

    def publish(self, source: str, detail_type: str, detail: dict[str, Any]) -> str:
        """Publishes one event; raises ``PublishError`` when it did not land."""
        ...


@dataclass(frozen=True)
class Repaired:
    """What a repair did: ``changed`` is False when the normal path found it already done."""

    changed: bool
    what: str


#: A repair keyed by the order: (order id, customer id) → what it did.
Repair = Callable[[str, str | None], Repaired]


@dataclass
class ReconcileDependencies:
    """What a run reads and which normal paths it repairs through (wired by the handler or a test)."""

    touched: Callable[[datetime, datetime], Iterable[str]]
    orders: OrderRecords
    refunds: RefundRecords
    followers: Followers
    juspay: OrderStatusSource
    marks: MismatchMarks
    publisher: Publisher
    settle: Repair
    start_follower: Repair
    #: Follows the order's open refunds against this Order Status.
    follow_refunds: Callable[[Order, Sequence[RefundRecord]], Repaired]
    #: Gives a settled order's wallet share back if the Order Status shows it owed.
    credit_back: Callable[[OrderRecord, Order], Repaired]
    clock: Callable[[], datetime]
    #: Milliseconds left in this invocation (Lambda's context); None: no limit.
    time_left_ms: Callable[[], int] | None = None


@dataclass
class OrderReport:
    """One order: what was found and what was done about it."""

    order_id: str
    record_status: str | None
    juspay_status: str | None
    found: list[str] = field(default_factory=list)
    done: list[str] = field(default_factory=list)
    #: repaired | mismatch | in_agreement | error
    result: str = "in_agreement"
    #: The error was Juspay being unavailable (rate limited, 5xx, timeouts).
    unavailable: bool = False


@dataclass
class ReconcileReport:
    """A run: the window, per-order lines and counts."""

    since: str
    until: str
    started_at: str
    finished_at: str = ""
    complete: bool = True
    orders: list[OrderReport] = field(default_factory=list)
    not_reached: int = 0
    #: Why the run stopped before the end of its window (None when it did not).
    stopped: str | None = None

    def counts(self) -> dict[str, int]:
        """Orders checked, by result, and those the run did not reach."""
        counts = {"checked": len(self.orders), "not_reached": self.not_reached}
        for name in ("in_agreement", "repaired", "mismatch", "error"):
            counts[name] = sum(1 for o in self.orders if o.result == name)
        return counts


def reconcile_orders(since: datetime, until: datetime, deps: ReconcileDependencies) -> ReconcileReport:
    """Reconciles every order touched in ``[since, until]``; returns the report (also logged, ids only)."""
    report = ReconcileReport(since.isoformat(), until.isoformat(), deps.clock().isoformat())
    order_ids = list(dict.fromkeys(deps.touched(since, until)))
    unavailable = 0
    for index, order_id in enumerate(order_ids):
        stop = None
        if deps.time_left_ms is not None and deps.time_left_ms() < STOP_BEFORE_MS:
            stop = "out of time"
        elif unavailable >= STOP_AFTER_UNAVAILABLE:
            stop = f"Juspay unavailable for {unavailable} orders in a row"
        if stop is not None:
            report.complete, report.not_reached, report.stopped = False, len(order_ids) - index, stop
            metrics.add_metric(name="ReconciliationIncomplete", unit=MetricUnit.Count, value=1)
            break
        line = _reconcile_one(order_id, deps)
        if line is not None:
            report.orders.append(line)
            unavailable = unavailable + 1 if line.unavailable else 0
    report.finished_at = deps.clock().isoformat()
    counts = report.counts()
    for name, metric in (("repaired", "ReconciliationRepaired"), ("error", "ReconciliationErrors")):
        if counts[name]:
            metrics.add_metric(name=metric, unit=MetricUnit.Count, value=counts[name])
    logger.info("reconciliation finished", extra={"since": report.since, "until": report.until, **counts})
    return report


def _reconcile_one(order_id: str, deps: ReconcileDependencies) -> OrderReport | None:
    record = deps.orders.get(order_id)
    if record is None:  # pragma: no cover - records are never deleted; the index lags the table briefly
        return None
    customer = record.customer_id or record.signed_customer_id
    line = OrderReport(order_id, record.status.value, None)
    try:
        try:
            order: Order | None = deps.juspay.get_order_status(order_id, customer_id=customer)
        except JuspayNotFoundError:
            order = None
        line.juspay_status = order.status if order is not None else "NOT_FOUND"
        facts = Facts(record, order, deps.refunds.list_for_order(order_id), _follower(order_id, deps))
        for finding in compare(facts):
            line.found.append(finding.found)
            if finding.action is Action.NONE:
                continue
            done = _act(finding, facts, deps)
            line.done.append(done.what)
            if finding.action is Action.REPORT:
                line.result = "mismatch"
            elif done.changed and line.result != "mismatch":
                line.result = "repaired"
    except Exception as exc:
        # One order's trouble must not stop the others; the next (overlapping) run tries it again.
        transient = isinstance(exc, TRANSIENT_ERRORS)
        line.result, line.unavailable = "error", transient
        note = " (Juspay unavailable; the next run retries)" if transient else ""
        line.done.append(f"error: {type(exc).__name__}{note}")
        log = logger.warning if transient or isinstance(exc, PaybridgeError) else logger.exception
        log("order not reconciled", extra={"order_id": order_id, "error_type": type(exc).__name__})
    return line


def _follower(order_id: str, deps: ReconcileDependencies) -> str | None:
    item = deps.followers.get(order_id)
    return str(item.get("status") or "WAITING") if item is not None else None


def _act(finding: Finding, facts: Facts, deps: ReconcileDependencies) -> Repaired:
    record, order = facts.record, facts.order
    customer = record.customer_id or record.signed_customer_id
    if finding.action is Action.SETTLE:
        done = deps.settle(record.order_id, customer)
        return Repaired(done.changed, f"settlement: {done.what}")
    if finding.action is Action.START_FOLLOWER:
        done = deps.start_follower(record.order_id, customer)
        return Repaired(done.changed, f"follower: {done.what}")
    if order is None:  # pragma: no cover - compare asks Juspay-based repairs only with an Order Status
        return Repaired(False, "nothing: Juspay does not know the order")
    if finding.action is Action.FOLLOW_REFUNDS:
        done = deps.follow_refunds(order, facts.refunds)
        return Repaired(done.changed, f"refunds: {done.what}")
    if finding.action is Action.CREDIT_BACK:
        done = deps.credit_back(record, order)
        return Repaired(done.changed, f"credit-back: {done.what}")
    assert finding.kind is not None  # REPORT findings always carry their kind
    return Repaired(False, _report_mismatch(finding.kind, finding.found, record, order, deps))


def _report_mismatch(
    kind: MismatchKind, found: str, record: OrderRecord, order: Order | None, deps: ReconcileDependencies
) -> str:
    if not deps.marks.claim(record.order_id, kind.value):
        return f"mismatch {kind} already reported"
    currency = record.currency or (order.currency if order is not None else None) or "INR"
    detail = {
        "order_id": record.order_id,
        "customer_id": record.customer_id,
        "kind": kind.value,
        "found": found,
        "record_status": record.status.value,
        "juspay_status": order.status if order is not None else "NOT_FOUND",
        "currency": currency,
        "amount": format_major(record.amount_minor, currency) if record.amount_minor is not None else None,
        "juspay_amount": _juspay_amount(order),
        "wallet_amount": format_major(record.wallet_minor, currency) if record.wallet_minor else None,
        "wallet_txn_id": record.wallet_txn_id,
        "reason": record.reason,
        "found_at": deps.clock().isoformat(),
    }
    try:
        deps.publisher.publish(SOURCE_PAYBRIDGE, EVENT_RECONCILIATION_MISMATCH, detail)
    except Exception:
        deps.marks.release(record.order_id, kind.value)
        raise
    metrics.add_metric(name=EVENT_RECONCILIATION_MISMATCH, unit=MetricUnit.Count, value=1)
    logger.warning("reconciliation mismatch", extra={"order_id": record.order_id, "kind": kind.value})
    return f"mismatch {kind} reported"


def _juspay_amount(order: Order | None) -> str | None:
    if order is None or order.amount is None:
        return None
    return str(order.amount)
