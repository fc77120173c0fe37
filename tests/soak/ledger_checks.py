"""The soak's checks that are not per order: wallet ledgers, and webhooks against the bus."""

from __future__ import annotations

from collections import Counter
from typing import Any

from tests.soak.observed import minor
from tests.soak.violations import Violation

#: The wallet API returns the newest 100 entries; a longer ledger cannot be summed from it.
ENTRY_PAGE = 100


def check_wallets(wallets: dict[str, Any], credits: dict[str, int], add: Any) -> None:
    """``ledger_inconsistent``: entries add up to the balance, which is never negative; only the run's
    credits. ``lost``: a credited wallet that cannot be read."""
    for customer, wallet in sorted(wallets.items()):
        if wallet is None:
            if credits.get(customer):
                add(Violation("lost", customer, "credited wallet not found"))
            continue
        entries = wallet.get("entries") or []
        balance = minor(wallet["balance"])
        if balance < 0:
            add(Violation("ledger_inconsistent", customer, f"negative balance {balance}"))
        credited = sum(minor(e["amount"]) for e in entries if e.get("type") == "CREDIT")
        if len(entries) < ENTRY_PAGE:
            signed = {"CREDIT": 1, "REVERSAL": 1, "DEBIT": -1}
            total = sum(signed.get(e.get("type"), 0) * minor(e["amount"]) for e in entries)
            if total != balance:
                add(
                    Violation(
                        "ledger_inconsistent", customer, f"entries add up to {total}, balance {balance}"
                    )
                )
            if credited != credits.get(customer, 0):
                add(
                    Violation(
                        "ledger_inconsistent",
                        customer,
                        f"credits {credited}, the run credited {credits.get(customer, 0)}",
                    )
                )


def check_webhooks(webhooks: list[dict[str, Any]], events: list[dict[str, Any]], add: Any) -> None:
    """``lost``: a webhook Juspay could not deliver, or accepted and not on the bus; ``duplicate_event``:
    one webhook published twice."""
    published = Counter(
        (e.get("detail") or {}).get("event_id") for e in events if e.get("source") == "juspay"
    )
    for delivery in webhooks:
        subject = delivery.get("order_id") or "?"
        if not delivery.get("delivered"):
            add(
                Violation(
                    "lost",
                    subject,
                    f"webhook {delivery.get('event_id')} not accepted: {delivery.get('attempts')}",
                )
            )
    for event_id in sorted({d.get("event_id") for d in webhooks if d.get("delivered")}):
        subject = next(d.get("order_id") for d in webhooks if d.get("event_id") == event_id)
        if published[event_id] == 0:
            add(Violation("lost", subject or "?", f"webhook {event_id} accepted but not on the bus"))
        elif published[event_id] > 1:
            add(
                Violation(
                    "duplicate_event",
                    subject or "?",
                    f"webhook {event_id} published {published[event_id]} times",
                )
            )
