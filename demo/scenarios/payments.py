"""Paying an order: the split kinds, a failed online part, a wallet too low, and a storm of duplicates."""

from __future__ import annotations

import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from demo.client import DemoClient
from demo.observe import Follower
from demo.orders import cod_split, failed_split, split_card, split_upi, wallet_only
from demo.run import Run, scenario

#: How long a scenario watches for something that must *not* happen (a second debit) after the last event.
QUIET_S = 2.0


def _status_reads(client: DemoClient, order_id: str) -> int:
    return sum(
        1 for r in client.juspay_requests() if r["method"] == "GET" and r["path"] == f"/orders/{order_id}"
    )


def _debits(client: DemoClient, customer_id: str) -> list[dict[str, Any]]:
    wallet = client.wallet(customer_id) or {"entries": []}
    return [e for e in wallet["entries"] if e["type"] == "DEBIT"]


def _settles_once(run: Run, order: dict[str, Any], event_name: str, wallet_share: str, after: str) -> None:
    """Delivers ``event_name`` for ``order`` and checks the one debit that must follow, and its cost."""
    client = run.client
    order_id, customer = str(order["order_id"]), str(order["customer_id"])
    client.put_order(order)
    client.deliver(order_id, event_name)
    settled = client.event(order_id, "OrderSettled")["detail"]
    run.equal(settled["wallet_amount"], wallet_share, "the wallet share debited is the wallet transaction's")
    run.equal(client.balance(customer), after, "the wallet balance after the debit")
    time.sleep(QUIET_S)
    run.equal(len(_debits(client, customer)), 1, "exactly one debit")
    run.equal(_status_reads(client, order_id), 1, "one Order Status call confirmed the webhook")
    run.equal(
        Follower(client).executions(order_id), [], "no follower execution: the first webhook settled it"
    )


@scenario("split", "Split payment: UPI + wallet")
def split_payment(run: Run) -> None:
    """Juspay's ORDER_PARTIAL_CHARGED sample: 5950.00, of which 1951.00 by UPI and 3999.00 from the
    in-house wallet. Settled by its first webhook: one Order Status call, one debit, no follower."""
    order_id, customer = run.ids("split")
    run.follow(order_id, customer, wallet_before=run.fund(customer, "5000.00"))
    _settles_once(run, split_upi(order_id, customer), "ORDER_PARTIAL_CHARGED", "3999.00", "1001.00")


@scenario("wallet", "Wallet only")
def wallet_pays_all(run: Run) -> None:
    """Juspay's TO_BE_CHARGED sample: the wallet pays the whole 50."""
    order_id, customer = run.ids("wallet")
    run.follow(order_id, customer, wallet_before=run.fund(customer, "80.00"))
    _settles_once(run, wallet_only(order_id, customer), "ORDER_TO_BE_CHARGED", "50.00", "30.00")


@scenario("cod", "Cash on delivery + wallet")
def cod_and_wallet(run: Run) -> None:
    """40 cash on delivery (COD_INITIATED) + 10 from the wallet: debited, and no online refund is ever due."""
    order_id, customer = run.ids("cod")
    run.follow(order_id, customer, wallet_before=run.fund(customer, "100.00"))
    _settles_once(run, cod_split(order_id, customer), "ORDER_TO_BE_CHARGED", "10.00", "90.00")
    settled = run.client.event(order_id, "OrderSettled")["detail"]
    run.equal(settled["cod"], True, "the settlement is marked cash on delivery")


@scenario("failed", "Online part failed")
def online_part_failed(run: Run) -> None:
    """Juspay's ORDER_FAILED split sample: the UPI part failed, the wallet entry still says TO_BE_CHARGED."""
    client = run.client
    order_id, customer = run.ids("failed")
    run.follow(order_id, customer, wallet_before=run.fund(customer, "100.00"))
    client.put_order(failed_split(order_id, customer))
    client.deliver(order_id, "ORDER_FAILED")
    failed = client.event(order_id, "OrderFailed")["detail"]
    run.equal(failed["juspay_status"], "AUTHENTICATION_FAILED", "recorded as Juspay's failed status")
    time.sleep(QUIET_S)
    run.equal(client.balance(customer), "100.00", "the wallet is untouched")
    run.equal(_debits(client, customer), [], "no debit from the wallet entry alone")


@scenario("toolow", "Wallet too low: cancelled, online part refunded")
def wallet_too_low(run: Run) -> None:
    """The wallet holds 5.00 of the 10.00 share: the order is cancelled and the 40.00 card part refunded."""
    client = run.client
    order_id, customer = run.ids("toolow")
    run.follow(order_id, customer, wallet_before=run.fund(customer, "5.00"))
    order = split_card(order_id, customer)
    online_txn = order["txn_list"][0]["txn_id"]
    client.put_order(order)
    client.deliver(order_id, "ORDER_PARTIAL_CHARGED")
    cancelled = client.event(order_id, "OrderCancelled")["detail"]
    run.equal(cancelled["reason"], "insufficient_funds", "cancelled for insufficient funds")
    requested = client.event(order_id, "RefundRequested")["detail"]
    run.equal((requested["txn_id"], requested["amount"]), (online_txn, "40.00"), "the card part is refunded")
    issued = client.event(order_id, "RefundIssued")["detail"]
    # Juspay's side: the refund settles, and Juspay says so with its webhook.
    client.sim("POST", f"/__sim/refunds/{issued['unique_request_id']}", {"status": "SUCCESS"})
    client.deliver(order_id, "ORDER_REFUNDED")
    succeeded = client.event(order_id, "RefundSucceeded")["detail"]
    run.equal(succeeded["amount"], "40.00", "the refund succeeded in full")
    run.equal(
        [(r["amount"], r["status"]) for r in client.refunds(order_id)],
        [("40.00", "SUCCESS")],
        "one refund, SUCCESS",
    )
    run.equal(client.balance(customer), "5.00", "the wallet is untouched")
    run.equal(len(client.txn_refund_calls(online_txn)), 1, "one Txn-ID refund call")


@scenario("storm", "A duplicate storm on one order")
def duplicate_storm(run: Run) -> None:
    """One webhook resent 12 times at once (same id and body) plus 3 copies under new ids: one debit."""
    client = run.client
    order_id, customer = run.ids("storm")
    run.follow(order_id, customer, wallet_before=run.fund(customer, "100.00"))
    client.put_order(split_card(order_id, customer))
    snapshot = client.sim(
        "POST", f"/__sim/orders/{order_id}/webhook", {"event_name": "ORDER_PARTIAL_CHARGED", "deliver": False}
    )
    event_id = snapshot["event_id"]
    with ThreadPoolExecutor(max_workers=8) as pool:
        resends = [
            pool.submit(client.sim, "POST", f"/__sim/webhooks/{event_id}/redeliver") for _ in range(12)
        ]
        copies = [pool.submit(client.deliver, order_id, "ORDER_PARTIAL_CHARGED") for _ in range(3)]
        deliveries = [f.result() for f in resends + copies]
    run.check(all(d["delivered"] for d in deliveries), "Juspay got a 200 for every delivery in the end")
    # Each attempt's HTTP status, or the error of an attempt that got none (a timeout on a busy machine).
    answers = Counter(str(a["status"] or a["error"]) for d in deliveries for a in d["attempts"])
    run.note(
        "webhook answers during the storm: " + ", ".join(f"{k} x{n}" for k, n in sorted(answers.items()))
    )
    client.event(order_id, "OrderSettled")
    time.sleep(QUIET_S)
    published = [e for e in client.bus.events(order_id) if e["source"] == "juspay"]
    run.equal(
        sum(1 for e in published if e["detail"]["event_id"] == event_id), 1, "the resent event published once"
    )
    run.equal(len(published), 4, "four distinct webhook ids on the bus (the resent one and 3 copies)")
    run.equal(client.bus.kinds(order_id).count("paybridge/OrderSettled"), 1, "OrderSettled published once")
    run.equal(len(_debits(client, customer)), 1, "exactly one debit")
    run.equal(client.balance(customer), "90.00", "the wallet share debited once")
