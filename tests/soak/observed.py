"""Reading a soak run's collected data: amounts, each order's charged attempt and refunds at Juspay, ledger
entries and bus events per order, and the counts printed after a run. Pure functions over JSON-shaped data."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from typing import Any


def minor(amount: Any) -> int:
    """A major-unit amount (string or number) as integer minor units."""
    return int((Decimal(str(amount)) * 100).to_integral_value())


def ledger_by_order(wallets: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """Every wallet's ledger entries that name an order, by order id."""
    found: dict[str, list[dict[str, Any]]] = {}
    for wallet in wallets.values():
        for entry in (wallet or {}).get("entries") or []:
            if entry.get("order_id"):
                found.setdefault(entry["order_id"], []).append(entry)
    return found


def events_by_order(events: list[dict[str, Any]]) -> dict[str, Counter[str]]:
    """How many of each ``paybridge`` event (by detail-type) the bus carried per order."""
    found: dict[str, Counter[str]] = {}
    for event in events:
        if event.get("source") != "paybridge":
            continue
        order_id = (event.get("detail") or {}).get("order_id")
        if order_id:
            found.setdefault(order_id, Counter())[event.get("detail-type") or "?"] += 1
    return found


def charged_attempt(juspay: dict[str, Any]) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """(online transaction that was charged, the same attempt's wallet transaction) — or Nones."""
    txns = juspay.get("txn_list") or []
    online = next(
        (
            t
            for t in txns
            if t.get("payment_method_type") != "MERCHANT_CONTAINER" and t.get("status") == "CHARGED"
        ),
        None,
    )
    if online is None:
        return None, None
    attempt = str(online.get("txn_id", "")).rsplit("-", 1)[0]
    wallet = next(
        (
            t
            for t in txns
            if t.get("payment_method_type") == "MERCHANT_CONTAINER"
            and str(t.get("txn_id", "")).rsplit("-", 1)[0] == attempt
        ),
        None,
    )
    return online, wallet


def txn_minor(txn: dict[str, Any]) -> int:
    """A transaction's own share (``txn_detail.txn_amount``) in minor units."""
    return minor((txn.get("txn_detail") or {}).get("txn_amount", 0))


def refunded_online(juspay: dict[str, Any], online: dict[str, Any] | None) -> int:
    """SUCCESS refunds of the charged online transaction (Txn-ID refunds of it, and order refunds)."""
    if online is None:
        return 0
    return sum(
        minor(r.get("amount", 0))
        for r in juspay.get("refunds") or []
        if r.get("status") == "SUCCESS" and r.get("txn_id") in (None, online.get("txn_id"))
    )


def refund_summary(juspay: dict[str, Any]) -> list[str]:
    """The order's refunds at Juspay, one short string each (for violation messages)."""
    return [
        f"{r.get('unique_request_id')}:{r.get('initiated_by')}:{r.get('status')}:{r.get('amount')}"
        for r in juspay.get("refunds") or []
    ]


def counts(data: dict[str, Any], ledger: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    """What happened in a run: orders by status on both sides, ledger movements, refunds, events, faults."""
    orders = data.get("orders") or {}
    entries = [e for found in ledger.values() for e in found]
    refunds = [r for o in orders.values() for r in ((o.get("juspay") or {}).get("refunds") or [])]
    office = data.get("back_office") or {}
    return {
        "plan": data.get("plan_counts") or {},
        "juspay_status": dict(Counter(str((o.get("juspay") or {}).get("status")) for o in orders.values())),
        "settlement_status": dict(
            Counter(str((o.get("settlement") or {}).get("status")) for o in orders.values())
        ),
        "ledger": dict(Counter(str(e.get("type")) for e in entries)),
        "refunds_at_juspay": dict(Counter(f"{r.get('initiated_by')}:{r.get('status')}" for r in refunds)),
        "webhook_deliveries": len(data.get("webhooks") or []),
        "back_office": office.get("webhooks") or {},
        "juspay_faults_fired": data.get("faults_fired", 0),
        "routing_violations": data.get("routing_violations", 0),
        "bus_events": dict(
            Counter(
                str(e.get("detail-type")) for e in data.get("events") or [] if e.get("source") == "paybridge"
            )
        ),
        "seconds": data.get("seconds") or {},
        # An order driven for longer than the follow deadline may be STALE while Juspay charged it later.
        "longest_order_s": max((float(o.get("seconds") or 0) for o in orders.values()), default=0.0),
        "driven_past_deadline": sum(
            1
            for o in orders.values()
            if float(o.get("seconds") or 0) > float(data.get("deadline_s") or "inf")
        ),
    }
