"""The operator's command line against `make local`, as an operator meets it: `order show` reads one
order's timeline, `refunds sweep` settles a refund no webhook reported, `dlq list` / `dlq redrive` bring a
settlement that died in a Juspay outage back to where it failed."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from tests.e2e.support import balance, call, eventually, fund_and_deliver, running_local_stack, split_order
from tests.helpers import ROOT

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def local(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """The local stack, following pending orders on a short schedule (first poll after 1 s)."""
    overrides = "PendingOrderFirstWaitSeconds=1 PendingOrderMaxWaitSeconds=2"
    with running_local_stack(tmp_path_factory.mktemp("ops"), parameter_overrides=overrides) as stack:
        yield stack


def ops(local: dict[str, Any], *args: str) -> subprocess.CompletedProcess[str]:
    """``python -m paybridge_ops ...`` against this local stack (its outputs file)."""
    outputs = str(local["log"].parent / "outputs.json")
    return subprocess.run(
        [sys.executable, "-m", "paybridge_ops", *args, "--outputs", outputs],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_order_show_and_refunds_sweep(local: dict[str, Any]) -> None:
    order = split_order("ops", "r")
    order_id, customer = order["order_id"], order["customer_id"]
    fund_and_deliver(local, order, "ops-1")
    eventually(lambda: balance(local, customer) == "90.00", timeout_s=30, what="the wallet debit")

    online = next(t for t in order["txn_list"] if t["payment_method_type"] != "MERCHANT_CONTAINER")
    refund = call(
        local,
        "POST",
        f"/orders/{order_id}/refunds",
        {"amount": "1.00", "idempotency_key": "ops-refund-1", "txn_id": online["txn_id"]},
    )
    assert refund.status_code == 201, refund.text
    unique_request_id = refund.json()["unique_request_id"]
    # Juspay settles the refund and no webhook comes: only the sweep can learn it.
    sim = local["outputs"]["urls"]["juspay"]
    assert requests.post(
        f"{sim}/__sim/refunds/{unique_request_id}", json={"status": "SUCCESS"}, timeout=10
    ).ok

    sweep = ops(local, "refunds", "sweep", "--json")
    assert sweep.returncode == 0, sweep.stdout + sweep.stderr
    checked = {r["unique_request_id"]: r["status"] for r in json.loads(sweep.stdout)["refunds"]}
    assert checked.get(unique_request_id) == "SUCCESS", sweep.stdout
    [stored] = call(local, "GET", f"/orders/{order_id}/refunds").json()["refunds"]
    assert stored["status"] == "SUCCESS"

    shown = ops(local, "order", "show", order_id)
    assert shown.returncode == 0, shown.stderr
    text = shown.stdout
    for expected in (
        "ORDER_PARTIAL_CHARGED",  # the webhook
        "published (bus id",  # its bus event
        "SETTLED",  # the settlement record
        "DEBIT 10.00",  # the ledger entry
        "refund 1.00 requested",  # the refund ...
        "now SUCCESS",  # ... and its end
    ):
        assert expected in text, text
    lines = text.splitlines()[1:]
    assert [line.split()[0] for line in lines] == sorted(line.split()[0] for line in lines), (
        "not in time order"
    )
    as_json = json.loads(ops(local, "order", "show", order_id, "--json").stdout)
    assert {e["source"] for e in as_json} >= {"webhook", "bus", "order", "ledger", "refund"}

    unknown = ops(local, "order", "show", "ops-never-seen")
    assert unknown.returncode == 1
    assert "nothing recorded" in unknown.stdout


def test_dlq_list_and_redrive_after_an_outage(local: dict[str, Any]) -> None:
    sim = local["outputs"]["urls"]["juspay"]
    order = split_order("ops", "d")
    order_id, customer = order["order_id"], order["customer_id"]
    fault = {"method": "GET", "path": "/orders/*", "status": 503, "times": 1000}
    assert requests.post(f"{sim}/__sim/faults", json=fault, timeout=10).ok
    try:
        fund_and_deliver(local, order, "ops-1")

        def listed() -> str | None:
            run = ops(local, "dlq", "list")
            assert run.returncode == 0, run.stderr
            return run.stdout if "RuleTargetDeadLetterQueue  1 message(s)" in run.stdout else None

        listing = eventually(listed, timeout_s=90, what="settlement in the dead-letter queue")
        assert "SettleOrderFunction" in listing
        assert balance(local, customer) == "100.00"
    finally:
        assert requests.delete(f"{sim}/__sim/faults", timeout=10).ok  # Juspay is back

    redrive = ops(local, "dlq", "redrive")
    assert redrive.returncode == 0, redrive.stdout + redrive.stderr
    assert "RuleTargetDeadLetterQueue: 1 redriven, 0 left" in redrive.stdout
    # Back in settlement (asynchronously): the wallet is debited once, and the queue is empty.
    eventually(lambda: balance(local, customer) == "90.00", timeout_s=30, what="the redriven settlement")
    assert "RuleTargetDeadLetterQueue  0 message(s)" in ops(local, "dlq", "list").stdout
    assert "SETTLED" in ops(local, "order", "show", order_id).stdout


def test_order_show_lists_the_followers_executions_and_status_checks(local: dict[str, Any]) -> None:
    sim = local["outputs"]["urls"]["juspay"]
    order = split_order("ops", "f")
    order["status"] = "PENDING_VBV"
    for txn in order["txn_list"]:
        if txn["payment_method_type"] != "MERCHANT_CONTAINER":
            txn["status"] = "PENDING_VBV"
    assert requests.put(f"{sim}/__sim/orders/{order['order_id']}", json=order, timeout=10).ok
    delivery = requests.post(
        f"{sim}/__sim/orders/{order['order_id']}/webhook", json={"event_name": "TXN_CREATED"}, timeout=60
    )
    assert delivery.status_code == 200, delivery.text

    def followed() -> str | None:
        shown = ops(local, "order", "show", order["order_id"])
        return shown.stdout if shown.stdout.count("Order Status checked") >= 2 else None

    text = eventually(followed, timeout_s=60, what="two status checks of the follower")
    assert "follow 1 started" in text
    assert "TXN_CREATED" in text
