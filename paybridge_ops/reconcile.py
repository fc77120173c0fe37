"""``python -m paybridge_ops reconcile``: runs the deployed ReconcileOrdersFunction now and prints its report.

The command invokes the function (synchronously), so an on-demand run is exactly a scheduled one: same code,
same permissions, same composition. Where the function is:

* ``--stack paybridge-dev`` (AWS, the usual profile and region, or ``--profile`` / ``--region``): the
  stack's ``ReconcileOrdersFunction``;
* ``--function-name NAME``: that function;
* otherwise the local stack of ``make local``, found through ``.local/outputs.json`` (``--outputs`` or
  ``LOCAL_OUTPUTS``).

The window: ``--since``/``--until`` (ISO 8601 with an offset, e.g. ``2026-11-29T10:00Z``), or ``--hours N``
(the last N hours), or the function's default (``ReconcileWindowHours``). Exit status 0 when the run
finished, 1 when it failed or was cut short, 2 for bad arguments.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config

DEFAULT_OUTPUTS = Path(__file__).resolve().parent.parent / ".local" / "outputs.json"
LOGICAL_ID = "ReconcileOrdersFunction"
#: The function's timeout is 900 s; the call waits a little longer and is never repeated by the client.
_CLIENT_CONFIG = Config(read_timeout=930, connect_timeout=10, retries={"max_attempts": 1, "mode": "standard"})


def add_arguments(run: argparse.ArgumentParser) -> None:
    """The ``reconcile`` command's options."""
    window = run.add_argument_group("window (default: the function's ReconcileWindowHours)")
    window.add_argument("--since", type=_aware, help="start, ISO 8601 with offset (2026-11-29T10:00Z)")
    window.add_argument("--until", type=_aware, help="end, ISO 8601 with offset (default: now)")
    window.add_argument("--hours", type=int, help="the last N hours (1-168)")
    where = run.add_mutually_exclusive_group()
    where.add_argument("--stack", help="a deployed stack's name (AWS)")
    where.add_argument("--function-name", help="the function's name or ARN (AWS)")
    where.add_argument(
        "--outputs", type=Path, help="the local stack's outputs.json (default .local/outputs.json)"
    )
    run.add_argument("--region", help="AWS region (AWS only; default: your configuration)")
    run.add_argument("--profile", help="AWS profile (AWS only)")
    run.add_argument("--json", action="store_true", help="print the report as JSON instead of text")


def parse_args(argv: list[str]) -> argparse.Namespace:
    """The command line (``reconcile`` first)."""
    parser = argparse.ArgumentParser(prog="python -m paybridge_ops", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    add_arguments(
        commands.add_parser("reconcile", help="reconcile the orders touched in a window with Juspay")
    )
    return check_args(parser, parser.parse_args(argv))


def check_args(parser: argparse.ArgumentParser, args: argparse.Namespace) -> argparse.Namespace:
    """Refuses option combinations argparse cannot express."""
    if args.hours is not None and (args.since or args.until):
        parser.error("--hours and --since/--until exclude each other")
    return args


def _aware(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        raise argparse.ArgumentTypeError(f"{text!r} has no UTC offset (write 2026-11-29T10:00Z)")
    return moment


def request_of(args: argparse.Namespace) -> dict[str, Any]:
    """The function's input for these arguments."""
    request: dict[str, Any] = {}
    if args.since:
        request["since"] = args.since.isoformat()
    if args.until:
        request["until"] = args.until.isoformat()
    if args.hours is not None:
        request["hours"] = args.hours
    return request


def target(args: argparse.Namespace) -> tuple[Any, str]:
    """A Lambda client and the function to invoke."""
    if args.stack or args.function_name:
        session = boto3.session.Session(profile_name=args.profile, region_name=args.region)
        name = args.function_name
        if name is None:
            resource = session.client("cloudformation").describe_stack_resource(
                StackName=args.stack, LogicalResourceId=LOGICAL_ID
            )
            name = resource["StackResourceDetail"]["PhysicalResourceId"]
        return session.client("lambda", config=_CLIENT_CONFIG), str(name)
    path = args.outputs or Path(os.environ.get("LOCAL_OUTPUTS") or DEFAULT_OUTPUTS)
    if not path.is_file():
        raise SystemExit(f"{path} not found: start the local stack (make local), or pass --stack for AWS")
    outputs = json.loads(path.read_text(encoding="utf-8"))
    client = boto3.client(
        "lambda",
        endpoint_url=outputs["urls"]["aws"],
        region_name=outputs["region"],
        # The local stack's documented credentials (README, "The local stack").
        aws_access_key_id="testing",
        aws_secret_access_key="testing",  # noqa: S106
        config=_CLIENT_CONFIG,
    )
    return client, str(outputs["functions"][LOGICAL_ID]["name"])


def render(report: dict[str, Any]) -> str:
    """The report as text a person reads: the window, the counts, then one block per order."""
    counts = report["counts"]
    state = "complete"
    if not report["complete"]:
        state = f"STOPPED, {report.get('stopped')}: {counts['not_reached']} orders not reached"
    lines = [
        f"Reconciliation of orders touched {report['since']} .. {report['until']} ({state})",
        f"checked {counts['checked']}: {counts['repaired']} repaired, {counts['mismatch']} mismatch(es) "
        f"reported, {counts['in_agreement']} in agreement, {counts['error']} error(s)",
    ]
    for order in sorted(report["orders"], key=_attention):
        lines.append("")
        lines.append(
            f"  {order['order_id']}  here {order['record_status']}, Juspay {order['juspay_status']}"
            f"  [{order['result']}]"
        )
        for found in order["found"]:
            lines.append(f"      found: {found}")
        for done in order["done"]:
            lines.append(f"      done:  {done}")
    return "\n".join(lines)


def _attention(order: dict[str, Any]) -> tuple[int, str]:
    rank = {"error": 0, "mismatch": 1, "repaired": 2}.get(order["result"], 3)
    return rank, order["order_id"]


def main(argv: list[str]) -> int:
    """Runs the command; returns the exit status."""
    return run(parse_args(argv))


def run(args: argparse.Namespace) -> int:
    """Invokes the function and prints its report; returns the exit status."""
    client, name = target(args)
    response = client.invoke(
        FunctionName=name, InvocationType="RequestResponse", Payload=json.dumps(request_of(args)).encode()
    )
    payload = json.loads(response["Payload"].read() or b"null")
    if response.get("FunctionError"):
        message = payload.get("errorMessage") if isinstance(payload, dict) else payload
        print(f"reconciliation failed: {message}", file=sys.stderr)
        return 1
    print(json.dumps(payload, indent=2) if args.json else render(payload))
    return 0 if payload["complete"] else 1
