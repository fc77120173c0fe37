"""Refunds that need a person or race settlement, and the reconciliation that repairs what an outage broke."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

from demo.client import DemoClient, DemoError
from demo.orders import ROOT, split_card
from demo.run import Run, scenario


def _settled(run: Run, name: str) -> tuple[str, str, dict[str, Any]]:
    """A split order (40.00 card + 10.00 wallet) paid and settled from its webhook."""
    client = run.client
    order_id, customer = run.ids(name)
    run.follow(order_id, customer, wallet_before=run.fund(customer, "100.00"))
    order = split_card(order_id, customer)
    client.put_order(order)
    client.deliver(order_id, "ORDER_PARTIAL_CHARGED")
    client.event(order_id, "OrderSettled")
    return order_id, customer, order


@scenario("review", "A refund that reaches MANUAL_REVIEW")
def refund_manual_review(run: Run) -> None:
    """The merchant refunds the card part; Juspay puts the refund in MANUAL_REVIEW: recorded, alarmed, never
    retried, and the wallet share stays debited (nothing came back to the customer yet)."""
    client = run.client
    order_id, customer, order = _settled(run, "review")
    body = {"amount": "40.00", "idempotency_key": "demo-review", "txn_id": order["txn_list"][0]["txn_id"]}
    refund = client.api_json("POST", f"/orders/{order_id}/refunds", body)
    run.equal(refund["status"], "PENDING", "Juspay accepted the refund (PENDING)")
    client.sim("POST", f"/__sim/refunds/{refund['unique_request_id']}", {"status": "MANUAL_REVIEW"})
    client.deliver(order_id, "REFUND_MANUAL_REVIEW_NEEDED")
    review = client.event(order_id, "RefundManualReview")["detail"]
    run.equal(review["unique_request_id"], refund["unique_request_id"], "RefundManualReview names the refund")
    run.equal([r["status"] for r in client.refunds(order_id)], ["MANUAL_REVIEW"], "the refund's status")
    run.equal(client.balance(customer), "90.00", "the wallet share stays debited")
    run.check("paybridge/WalletShareReversed" not in client.bus.kinds(order_id), "no credit-back")
    run.equal(len(client.txn_refund_calls(body["txn_id"])), 1, "one refund call")


@scenario("race", "A refund from the dashboard that races settlement")
def dashboard_refund_races_settlement(run: Run) -> None:
    """Juspay's dashboard refunds the card part in full while the order's ORDER_PARTIAL_CHARGED and
    ORDER_REFUNDED webhooks arrive together: the order ends REFUNDED and the wallet is never charged."""
    client = run.client
    order_id, customer = run.ids("race")
    run.follow(order_id, customer, wallet_before=run.fund(customer, "100.00"))
    order = split_card(order_id, customer)
    client.put_order(order)
    client.sim(
        "POST",
        f"/__sim/orders/{order_id}/refunds",
        {"amount": "40", "txn_id": order["txn_list"][0]["txn_id"]},
    )
    with ThreadPoolExecutor(max_workers=2) as pool:
        both = [pool.submit(client.deliver, order_id, e) for e in ("ORDER_PARTIAL_CHARGED", "ORDER_REFUNDED")]
        for delivery in both:
            delivery.result()
    refunded = client.event(order_id, "OrderRefunded")["detail"]
    run.equal(refunded["refunded_amount"], "40.00", "the whole card part refunded before any debit")
    client.deliver(order_id, "ORDER_PARTIAL_CHARGED")  # Juspay resends the success: nothing changes
    time.sleep(2)
    kinds = client.bus.kinds(order_id)
    run.check("paybridge/OrderSettled" not in kinds, "never settled", str(kinds))
    wallet = client.wallet(customer) or {"entries": []}
    run.equal([e["type"] for e in wallet["entries"]], ["CREDIT"], "the wallet was never debited")
    run.equal(client.balance(customer), "100.00", "the customer keeps the wallet share")


def _reconcile(client: DemoClient, since: datetime) -> dict[str, Any]:
    """``python -m paybridge_ops reconcile --json`` against this stack, as an operator runs it."""
    if client.outputs_path is None:
        raise DemoError("reconciliation needs the stack's outputs file")
    command = [
        sys.executable,
        "-m",
        "paybridge_ops",
        "reconcile",
        "--outputs",
        str(client.outputs_path),
        "--since",
        since.isoformat(),
        "--json",
    ]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300, check=False)  # noqa: S603
    if done.returncode != 0:
        raise DemoError(f"reconcile exited {done.returncode}: {done.stderr[-500:]}")
    report: dict[str, Any] = json.loads(done.stdout)
    return report


def _line(report: dict[str, Any], order_id: str) -> dict[str, Any]:
    lines = [o for o in report["orders"] if o["order_id"] == order_id]
    if len(lines) != 1:
        raise DemoError(f"{order_id} is not in the reconciliation report once")
    return dict(lines[0])


@scenario("reconcile", "A reconciliation run", exclusive=True)
def reconciliation_run(run: Run) -> None:
    """Juspay's Order Status is down for one order long enough that its settlement ends in the dead-letter
    queue; another order settled here is failed at Juspay. `python -m paybridge_ops reconcile` settles the
    first and reports the second once; a second run finds nothing more to do."""
    client = run.client
    since = datetime.now(UTC) - timedelta(seconds=5)
    outage_id, outage_customer = run.ids("outage")
    run.follow(outage_id, outage_customer, wallet_before=run.fund(outage_customer, "100.00"))
    fault = {"method": "GET", "path": f"/orders/{outage_id}", "status": 503, "times": 1000}
    client.sim("POST", "/__sim/faults", fault)
    try:
        client.put_order(split_card(outage_id, outage_customer))
        client.deliver(outage_id, "ORDER_PARTIAL_CHARGED")
        # Lambda retries a failed event after about 1 and 2 minutes (divided by the stack's time scale).
        letter = client.eventually(
            lambda: _dead_letter(client, outage_id),
            "settlement in the dead-letter queue",
            timeout_s=max(client.wait_s, 240),
        )
        run.equal(letter["error"]["errorType"], "JuspayUnavailableError", "dead-lettered: Juspay unavailable")
    finally:
        client.sim("DELETE", "/__sim/faults")  # Juspay is back
    run.equal(client.balance(outage_customer), "100.00", "nothing debited during the outage")

    mismatch_id, _, order = _settled(run, "mismatch")
    order["status"] = "AUTHORIZATION_FAILED"
    order["txn_list"][0]["status"] = order["txn_list"][0]["txn_detail"]["status"] = "AUTHORIZATION_FAILED"
    client.put_order(order)

    first = _reconcile(client, since)
    repaired, reported = _line(first, outage_id), _line(first, mismatch_id)
    run.note(f"run 1: {first['counts']}")
    run.equal(
        (repaired["record_status"], repaired["result"]), ("RECEIVED", "repaired"), "the outage order repaired"
    )
    run.equal(client.balance(outage_customer), "90.00", "the outage order's wallet share debited")
    run.equal(reported["result"], "mismatch", "settled here, failed at Juspay: a mismatch")
    event = client.event(mismatch_id, "ReconciliationMismatch")["detail"]
    run.equal(event["kind"], "settled_but_failed", "ReconciliationMismatch on the bus")

    second = _reconcile(client, since)
    run.note(f"run 2: {second['counts']}")
    run.equal(_line(second, outage_id)["result"], "in_agreement", "run 2: the repaired order agrees")
    run.equal(_line(second, mismatch_id)["done"], ["mismatch settled_but_failed already reported"], "run 2")
    time.sleep(1)
    run.equal(client.bus.kinds(mismatch_id).count("paybridge/ReconciliationMismatch"), 1, "reported once")
    run.equal(client.balance(outage_customer), "90.00", "debited once")


def _dead_letter(client: DemoClient, order_id: str) -> dict[str, Any] | None:
    sqs = client.aws("sqs")
    batch = sqs.receive_message(QueueUrl=client.resource("RuleTargetDeadLetterQueue"), MaxNumberOfMessages=10)
    for message in batch.get("Messages", []):
        body: dict[str, Any] = json.loads(message["Body"])
        if body["event"]["detail"].get("order_id") == order_id:
            return body
    return None
