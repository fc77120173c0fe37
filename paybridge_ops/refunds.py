"""``paybridge_ops refunds sweep``: runs the deployed SweepRefundsFunction once, now, and prints what it did.

Like ``reconcile``, it invokes the function (synchronously), so an on-demand sweep is exactly a scheduled one:
the same code, permissions and limits. It checks the refunds due now (``RefundsTable``'s ``OpenByNextCheck``
index) with Order Status and schedules their next checks; a refund not due yet is not checked early.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from botocore.config import Config

from paybridge_ops.target import add_target_arguments, target_of

LOGICAL_ID = "SweepRefundsFunction"
#: The function's timeout is 300 s; the call waits a little longer and is never repeated by the client.
_CLIENT_CONFIG = Config(read_timeout=330, connect_timeout=10, retries={"max_attempts": 1, "mode": "standard"})


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """``refunds sweep [--json]``."""
    actions = parser.add_subparsers(dest="action", required=True)
    sweep = actions.add_parser(
        "sweep", help="check the refunds due now with Juspay (the scheduled sweep, once)"
    )
    sweep.add_argument("--json", action="store_true", help="print the function's answer as JSON")
    add_target_arguments(sweep)


def run(args: argparse.Namespace) -> int:
    """Invokes the sweep; 1 when it failed or stopped early."""
    target = target_of(args)
    response = target.client("lambda", _CLIENT_CONFIG).invoke(
        FunctionName=target.ref(LOGICAL_ID), InvocationType="RequestResponse", Payload=b"{}"
    )
    payload = json.loads(response["Payload"].read() or b"null")
    if response.get("FunctionError"):
        message = payload.get("errorMessage") if isinstance(payload, dict) else payload
        print(f"refund sweep failed: {message}")
        return 1
    print(json.dumps(payload, indent=2) if args.json else render(payload))
    return 1 if payload.get("stopped_early") else 0


def render(result: dict[str, Any]) -> str:
    """The sweep's answer as text: counts, then one line per refund checked."""
    lines = [
        f"refund sweep: {result['due']} due, {result['orders_checked']} order(s) checked, "
        f"{result['orders_failed']} failed"
        + (" (stopped early: time ran out)" if result["stopped_early"] else "")
    ]
    for refund in result.get("refunds", []):
        after = "final" if refund.get("next_check_at") is None else f"next check at {refund['next_check_at']}"
        which = f"{refund['order_id']} #{refund['refund_seq']} {refund['unique_request_id']}"
        lines.append(f"  {which}: {refund['status']}, {after}")
    for order_id, outcome in result.get("wallet", {}).items():
        lines.append(f"  {order_id}: wallet share {outcome}")
    return "\n".join(lines)
