"""The soak's judge: a pure function from what the public interfaces said after a run to violations, counts.

Input (``data``, as ``tests.soak.driver.run`` collects it, JSON-shaped):

* ``orders[order_id]``: ``customer_id``, ``signed`` (HTTP status of ``POST /sdk/process``), ``juspay``
  (the simulator's final Order Status JSON: ``txn_list``, ``refunds``), ``api_status`` and ``settlement``
  (``GET /orders/{id}``), ``driver_errors``;
* ``wallets[customer_id]``: ``GET /wallets/{customer_id}`` (balance, entries), ``credits_minor``: what the
  run credited;
* ``events``: every bus event (the local event tap); ``webhooks``: the simulator's delivery log.

Invariants (each names its order, or customer, and why):

========================== ==========================================================================
``double_debit``            an order's wallet share debited more than once
``debit_not_confirmed``     a debit on an order Juspay never charged, or of another amount than the
                            charged attempt's wallet share
``debit_after_refund``      the online part is refunded in full at Juspay, the wallet share still debited
``cancelled_not_refunded``  a CANCELLED order whose online part is not refunded exactly once (in full),
                            that still holds a debit, or for which the system did not request exactly one
                            cancellation refund (``GET /orders/{id}/refunds``)
``credit_back_exceeds``     credit-backs (REVERSAL entries) of an order add up to more than its debits
``not_final_or_followed``   the settlement state disagrees with Juspay's final status: charged but not
                            settled/cancelled/refunded, failed but not recorded as failed, pending but
                            not recorded pending (with ``followed_to_deadline``: not STALE/ABANDONED and
                            no ``OrderStale`` event); a refund of ours not at its end
``lost``                    a webhook not accepted or not on the bus, a ledger movement without its event
                            (or the reverse), an order that could not be signed or read
``duplicate_event``         a webhook published twice, or a settlement event published twice
``ledger_inconsistent``     a wallet whose entries do not add up to its balance, a negative balance, or
                            credits other than the run's
``run_incomplete``          the run itself could not do a step (the simulator refused it, a call failed):
                            its data cannot vouch for the other invariants
========================== ==========================================================================
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from tests.soak.ledger_checks import check_wallets, check_webhooks
from tests.soak.observed import (
    charged_attempt,
    counts,
    events_by_order,
    ledger_by_order,
    minor,
    refund_summary,
    refunded_online,
    txn_minor,
)
from tests.soak.violations import INVARIANTS, Report, Violation

__all__ = ["INVARIANTS", "Report", "Violation", "check"]

CHARGED_OK = frozenset({"SETTLED", "CANCELLED", "REFUNDED", "REVIEW"})
NO_WALLET_OK = frozenset({"NO_WALLET", "REFUNDED", "REVIEW"})
FAILED_OK = frozenset({"FAILED", "ABANDONED"})
#: A pending order that is signed only (RECEIVED) or recorded pending is being followed, as far as the public
#: interfaces can tell.
PENDING_OK = frozenset({"RECEIVED", "PENDING", "STALE", "ABANDONED"})
#: After the follow deadline has passed for every order: followed to the end, or given up on by design.
STALE_OK = frozenset({"STALE", "ABANDONED"})
JUSPAY_PENDING = frozenset({"NEW", "STARTED", "PENDING_VBV", "VBV_SUCCESSFUL", "AUTHORIZING"})
#: A refund of ours in one of these has reached its end (``GET /orders/{id}/refunds``).
REFUND_FINAL = frozenset({"SUCCESS", "FAILED", "REJECTED", "MANUAL_REVIEW"})


def check(data: dict[str, Any]) -> Report:
    """Every invariant over ``data``; never raises on odd data (what cannot be read is ``lost``)."""
    report = Report()
    add = report.violations.append
    ledger = ledger_by_order(data.get("wallets") or {})
    events = events_by_order(data.get("events") or [])
    pending_ok = STALE_OK if data.get("followed_to_deadline") else PENDING_OK
    for order_id, order in sorted((data.get("orders") or {}).items()):
        # An order still being paid after its follow deadline (a slow machine) may rightly be given up on.
        past_deadline = float(order.get("seconds") or 0) > float(data.get("deadline_s") or "inf")
        order_events = events.get(order_id, Counter())
        final_ok = frozenset() if past_deadline else pending_ok
        _check_order(order_id, order, ledger.get(order_id, []), order_events, final_ok, add)
    check_wallets(data.get("wallets") or {}, data.get("credits_minor") or {}, add)
    check_webhooks(data.get("webhooks") or [], data.get("events") or [], add)
    report.counts = counts(data, ledger)
    return report


# --- per order ---------------------------------------------------------------------------------------------
def _check_order(
    order_id: str,
    order: dict[str, Any],
    entries: list[dict[str, Any]],
    events: Counter[str],
    pending_ok: frozenset[str],
    add: Any,
) -> None:
    for error in order.get("driver_errors") or []:
        add(Violation("run_incomplete", order_id, str(error)))
    if order.get("signed") != 200:
        add(Violation("lost", order_id, f"could not be signed (HTTP {order.get('signed')})"))
        return
    juspay, settlement = order.get("juspay"), order.get("settlement")
    if juspay is None or order.get("api_status") != 200:
        add(Violation("lost", order_id, f"GET /orders answered {order.get('api_status')}"))
        return
    debits = [e for e in entries if e.get("type") == "DEBIT"]
    reversals = [e for e in entries if e.get("type") == "REVERSAL"]
    debited = sum(minor(e["amount"]) for e in debits)
    reversed_ = sum(minor(e["amount"]) for e in reversals)
    online, wallet = charged_attempt(juspay)
    refunded = refunded_online(juspay, online)
    status = (settlement or {}).get("status")

    if len(debits) > 1:
        add(Violation("double_debit", order_id, f"{len(debits)} debits: {[e['amount'] for e in debits]}"))
    if debits and online is None:
        add(
            Violation(
                "debit_not_confirmed", order_id, f"debited {debited} but Juspay says {juspay.get('status')}"
            )
        )
    elif debits and wallet is not None and {minor(e["amount"]) for e in debits} != {txn_minor(wallet)}:
        add(
            Violation(
                "debit_not_confirmed",
                order_id,
                f"debited {[e['amount'] for e in debits]}, wallet share charged {txn_minor(wallet)}",
            )
        )
    if reversed_ > debited:
        add(Violation("credit_back_exceeds", order_id, f"credited back {reversed_} of {debited} debited"))
    if online is not None and refunded >= txn_minor(online) and debited - reversed_ > 0:
        add(
            Violation(
                "debit_after_refund",
                order_id,
                f"online part {txn_minor(online)} refunded, {debited - reversed_} still debited",
            )
        )
    if status == "CANCELLED" and online is not None:
        if refunded != txn_minor(online):
            add(
                Violation(
                    "cancelled_not_refunded",
                    order_id,
                    f"online {txn_minor(online)}, refunded {refunded}: {refund_summary(juspay)}",
                )
            )
        _check_cancellation_refund(order_id, order, add)
        if debited - reversed_ > 0:
            add(
                Violation(
                    "cancelled_not_refunded", order_id, f"cancelled but {debited - reversed_} still debited"
                )
            )
    _check_refunds_final(order_id, order, add)
    if pending_ok:  # empty: the order was driven past its follow deadline (counted, not judged)
        _check_final(order_id, juspay, status, events, pending_ok, add)
    _check_events(order_id, status, debits, reversals, events, add)


def _check_cancellation_refund(order_id: str, order: dict[str, Any], add: Any) -> None:
    """The system's own side (``GET /orders/{id}/refunds``): one cancellation refund, followed to its end."""
    records = order.get("system_refunds")
    if records is None:
        if order.get("refunds_api_status") not in (None, 404):
            add(
                Violation(
                    "lost", order_id, f"GET /orders/{{id}}/refunds answered {order['refunds_api_status']}"
                )
            )
        return
    cancellation = [r for r in records if str(r.get("reason") or "").startswith("wallet_debit_failed")]
    if len(cancellation) != 1:
        add(
            Violation(
                "cancelled_not_refunded", order_id, f"{len(cancellation)} cancellation refunds: {records}"
            )
        )


def _check_refunds_final(order_id: str, order: dict[str, Any], add: Any) -> None:
    for record in order.get("system_refunds") or []:
        if record.get("status") not in REFUND_FINAL:
            add(
                Violation(
                    "not_final_or_followed",
                    order_id,
                    f"refund {record.get('unique_request_id')} still {record.get('status')} at the end",
                )
            )


def _check_final(
    order_id: str,
    juspay: dict[str, Any],
    status: str | None,
    events: Counter[str],
    pending_ok: frozenset[str],
    add: Any,
) -> None:
    juspay_status = juspay.get("status")
    has_wallet = any(
        t.get("payment_method_type") == "MERCHANT_CONTAINER" for t in juspay.get("txn_list") or []
    )
    if juspay_status == "PARTIAL_CHARGED" or (juspay_status == "CHARGED" and has_wallet):
        allowed = CHARGED_OK
    elif juspay_status == "CHARGED":
        allowed = NO_WALLET_OK
    elif juspay_status in JUSPAY_PENDING:
        if events["OrderStale"]:
            return
        allowed = pending_ok
    else:
        allowed = FAILED_OK
    if status not in allowed:
        add(
            Violation(
                "not_final_or_followed",
                order_id,
                f"Juspay {juspay_status}, settlement {status}; expected one of {sorted(allowed)}",
            )
        )


def _check_events(
    order_id: str,
    status: str | None,
    debits: list[dict[str, Any]],
    reversals: list[dict[str, Any]],
    events: Counter[str],
    add: Any,
) -> None:
    for name, movements in (("OrderSettled", debits), ("WalletShareReversed", reversals)):
        if events[name] > len(movements) and events[name] > 1:
            add(Violation("duplicate_event", order_id, f"{name} published {events[name]} times"))
        elif events[name] != len(movements):
            add(
                Violation(
                    "lost", order_id, f"{len(movements)} ledger movements, {events[name]} {name} events"
                )
            )
    if status == "CANCELLED":
        if events["OrderCancelled"] == 0:
            add(Violation("lost", order_id, "CANCELLED without an OrderCancelled event"))
        for name in ("OrderCancelled", "RefundRequested"):
            if events[name] > 1:
                add(Violation("duplicate_event", order_id, f"{name} published {events[name]} times"))
