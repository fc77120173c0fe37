"""``paybridge_ops order show ORDER_ID``: one order's history as one timeline, read from the stack's tables
and its follower's Step Functions executions.

Sources: the settlement record (``OrdersTable``: created, settled/cancelled, the status and the event
published for it), the webhooks received (``WebhookEventsTable``, with when each went on the bus), the
customer's ledger entries for the order (``LedgerTable``), its refunds (``RefundsTable``), the follower's
record (``PendingOrdersTable``) and executions with their status checks (Step Functions history). Bus events
are not stored as such: the timeline shows those the tables record (a webhook's ``published_at``, the
order record's ``published_status``); the archive holds the rest (``paybridge_ops replay``).
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from paybridge.dal.orders import OrdersRepository
from paybridge.dal.pending_orders import PendingOrdersRepository
from paybridge.dal.refunds import RefundsRepository
from paybridge.dal.wallets import WalletRepository
from paybridge.dal.webhook_events import WebhookEventsRepository
from paybridge.logic.pending_orders import execution_name
from paybridge.models.money import format_major
from paybridge_ops.target import Target, add_target_arguments, target_of

#: Follows older than this many back from the current one are not looked up (an order has at most 25
#: payment attempts, each at most one follow).
_MAX_FOLLOWS = 25


@dataclass(frozen=True)
class Entry:
    """One line of the timeline."""

    at: str
    source: str
    what: str


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """``order show ORDER_ID [--json]``."""
    parser.add_argument("order_id")
    parser.add_argument("--json", action="store_true", help="print the timeline as JSON")
    add_target_arguments(parser)


def run(args: argparse.Namespace) -> int:
    """Prints the timeline; 1 when the stack knows nothing about the order."""
    entries = gather(target_of(args), args.order_id)
    if args.json:
        print(json.dumps([asdict(e) for e in entries], indent=2))
    else:
        print(render(args.order_id, entries))
    return 0 if entries else 1


def render(order_id: str, entries: list[Entry]) -> str:
    """The timeline as text, oldest first."""
    if not entries:
        return f"order {order_id}: nothing recorded in this stack"
    lines = [f"order {order_id}"]
    lines += [f"  {e.at:<32}  {e.source:<9}  {e.what}" for e in entries]
    return "\n".join(lines)


def gather(target: Target, order_id: str) -> list[Entry]:
    """Reads every source and merges them into one timeline."""
    dynamodb = target.client("dynamodb")
    record = OrdersRepository(dynamodb, target.ref("OrdersTable")).get(order_id)
    webhooks = WebhookEventsRepository(
        dynamodb, target.ref("WebhookEventsTable"), retention=timedelta(0), dedup=timedelta(0)
    ).for_order(order_id)
    refunds = [
        asdict(r) for r in RefundsRepository(dynamodb, target.ref("RefundsTable")).list_for_order(order_id)
    ]
    ledger: list[dict[str, Any]] = []
    customer = record.routing_customer_id if record else None
    if customer:
        wallets = WalletRepository(dynamodb, target.ref("LedgerTable"))
        ledger = [asdict(e) for e in wallets.all_entries(customer) if e.order_id == order_id]
    follower = PendingOrdersRepository(dynamodb, target.ref("PendingOrdersTable")).get(order_id)
    executions = _executions(target, order_id, int((follower or {}).get("follow", 0)))
    return timeline(
        record=asdict(record) if record else None,
        webhooks=webhooks,
        ledger=ledger,
        refunds=refunds,
        follower=follower,
        executions=executions,
    )


def _executions(target: Target, order_id: str, follows: int) -> list[dict[str, Any]]:
    if not follows or not target.has("PendingOrderStateMachine"):
        return []
    sfn = target.client("stepfunctions")
    machine = target.ref("PendingOrderStateMachine")
    found = []
    for follow in range(max(1, follows - _MAX_FOLLOWS + 1), follows + 1):
        arn = machine.replace(":stateMachine:", ":execution:", 1) + ":" + execution_name(order_id, follow)
        try:
            execution = sfn.describe_execution(executionArn=arn)
        except sfn.exceptions.ExecutionDoesNotExist:
            continue
        history = sfn.get_execution_history(executionArn=arn, maxResults=1000)["events"]
        checks = [
            str(e["timestamp"].isoformat())
            for e in history
            if e["type"] == "TaskStateEntered"
            and e.get("stateEnteredEventDetails", {}).get("name") == "CheckOrderStatus"
        ]
        found.append(
            {
                "follow": follow,
                "name": execution["name"],
                "status": execution["status"],
                "started_at": _iso(execution.get("startDate")),
                "stopped_at": _iso(execution.get("stopDate")),
                "status_checks": checks,
            }
        )
    return found


def _iso(value: Any) -> str | None:
    return value.isoformat() if isinstance(value, datetime) else (str(value) if value else None)


def timeline(
    *,
    record: dict[str, Any] | None,
    webhooks: Iterable[dict[str, Any]],
    ledger: Iterable[dict[str, Any]],
    refunds: Iterable[dict[str, Any]],
    follower: dict[str, Any] | None,
    executions: Iterable[dict[str, Any]],
) -> list[Entry]:
    """The entries of every source, oldest first (a pure function of what was read)."""
    entries: list[Entry] = []

    def add(at: Any, source: str, what: str) -> None:
        if at:
            entries.append(Entry(str(at), source, what))

    for hook in webhooks:
        add(
            hook.get("received_at"),
            "webhook",
            f"{hook.get('event_name')} {hook.get('event_id')} received "
            f"({hook.get('deliveries', 1)} deliveries, {str(hook.get('status', '')).lower()})",
        )
        add(
            hook.get("published_at"),
            "bus",
            f"{hook.get('event_name')} published (bus id {hook.get('bus_event_id')})",
        )
    if record:
        currency = record.get("currency") or "INR"
        amounts = ", ".join(
            f"{name} {format_major(int(record[key]), currency)}"
            for name, key in (
                ("amount", "amount_minor"),
                ("online", "online_minor"),
                ("wallet", "wallet_minor"),
            )
            if record.get(key) is not None
        )
        add(record.get("created_at"), "order", f"record created ({amounts or 'no amounts yet'})")
        add(record.get("settled_at"), "order", f"SETTLED (wallet txn {record.get('wallet_txn_id')})")
        add(record.get("cancelled_at"), "order", f"CANCELLED ({record.get('reason')})")
        now = (
            f"now {record.get('status')}, Juspay {record.get('juspay_status')}"
            + (f", reason {record['reason']}" if record.get("reason") else "")
            + (
                f"; event for {record['published_status']} published"
                if record.get("published_status")
                else ""
            )
        )
        add(record.get("updated_at"), "order", now)
    for entry in ledger:
        currency = str(entry.get("currency") or "INR")
        amount = format_major(int(entry["amount_minor"]), currency)
        after = format_major(int(entry["balance_after_minor"]), currency)
        add(
            entry.get("created_at"),
            "ledger",
            f"{entry['entry_type']} {amount} (seq {entry['seq']}, balance after {after})",
        )
    for refund in refunds:
        amount = format_major(int(refund["amount_minor"]), str(refund.get("currency") or "INR"))
        add(
            refund.get("created_at"),
            "refund",
            f"#{refund['seq']} {refund['kind']} refund {amount} requested "
            f"({refund.get('reason')}, id {refund.get('unique_request_id')})",
        )
        add(
            refund.get("updated_at"),
            "refund",
            f"#{refund['seq']} now {refund['status']}"
            + (f", Juspay {refund['juspay_status']}" if refund.get("juspay_status") else ""),
        )
    for execution in executions:
        add(
            execution.get("started_at"),
            "follower",
            f"follow {execution['follow']} started ({execution['name']})",
        )
        for check in execution.get("status_checks", []):
            add(check, "follower", f"follow {execution['follow']}: Order Status checked")
        add(
            execution.get("stopped_at"),
            "follower",
            f"follow {execution['follow']} ended {execution['status']}",
        )
    if follower:
        add(
            follower.get("updated_at") or follower.get("started_at"),
            "follower",
            f"follow {follower.get('follow')} {follower.get('status')}, {follower.get('polls', 0)} polls, "
            f"last Juspay status {follower.get('last_status')}"
            + (f", resolved by {follower['resolved_by']}" if follower.get("resolved_by") else ""),
        )
    return sorted(entries, key=lambda e: _sort_key(e.at))


def _sort_key(at: str) -> str:
    # Times are ISO 8601 with an offset; normalise to UTC so "+00:00" and "Z" sort together.
    try:
        return datetime.fromisoformat(at.replace("Z", "+00:00")).astimezone(UTC).isoformat()
    except ValueError:
        return at
