"""``python -m paybridge_ops <command>``: the operator's command line, against a deployed stack
(``--stack NAME``, the usual AWS profile and region) or the local stack (``.local/outputs.json``, default).

Commands: ``order show ID``, ``replay``, ``dlq list``, ``dlq redrive``, ``reconcile``, ``refunds sweep``.
Each is thin: it reads through ``paybridge.dal`` or invokes the deployed function that holds the logic.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable

from paybridge_ops import dlq, order_show, reconcile, refunds, replay


def parser() -> argparse.ArgumentParser:
    """Every command and its options."""
    top = argparse.ArgumentParser(prog="python -m paybridge_ops", description="The operator's command line.")
    commands = top.add_subparsers(dest="command", required=True)
    order = commands.add_parser("order", help="one order").add_subparsers(dest="action", required=True)
    order_show.add_arguments(order.add_parser("show", help="the order's timeline from every table"))
    replay.add_arguments(commands.add_parser("replay", help="replay the bus archive for a window"))
    dlq.add_arguments(commands.add_parser("dlq", help="dead-letter queues: list, redrive"))
    reconcile.add_arguments(commands.add_parser("reconcile", help="reconcile orders touched in a window"))
    refunds.add_arguments(commands.add_parser("refunds", help="refunds: sweep"))
    return top


_RUN: dict[str, Callable[[argparse.Namespace], int]] = {
    "order": order_show.run,
    "replay": replay.run,
    "dlq": dlq.run,
    "reconcile": reconcile.run,
    "refunds": refunds.run,
}


def main(argv: list[str]) -> int:
    """Runs one command; returns its exit status (2 for bad arguments, from argparse)."""
    top = parser()
    args = top.parse_args(argv)
    if args.command == "reconcile":
        reconcile.check_args(top, args)
    return _RUN[args.command](args)
