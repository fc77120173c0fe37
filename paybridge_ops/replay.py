"""``paybridge_ops replay``: replays the bus archive's events of a time window to the rules that take the
given detail-types (EventBridge ``StartReplay``).

StartReplay has no event-pattern parameter; it filters by *rule* (``Destination.FilterArns``). So the
command picks the bus's rules whose own pattern takes one of the detail-types (and sources) asked for, and
replays the window to those rules only. Each rule's pattern then decides as for live events: a rule that
takes more detail-types than asked also gets its other events of the window again. Every consumer is
idempotent on business ids, so an event handled once already changes nothing the second time.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from paybridge_ops.target import add_target_arguments, target_of

ARCHIVE = "EventBusArchive"
BUS = "EventBus"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """``replay --since T [--until T] [--detail-type X ...] [--source S ...] [--dry-run]``."""
    parser.add_argument("--since", type=_aware, required=True, help="start, ISO 8601 with offset")
    parser.add_argument("--until", type=_aware, help="end, ISO 8601 with offset (default: now)")
    parser.add_argument("--detail-type", action="append", default=[], help="a detail-type (repeatable)")
    parser.add_argument(
        "--source", action="append", default=[], help="a source, juspay or paybridge (repeatable)"
    )
    parser.add_argument("--name", help="the replay's name (default: paybridge-replay-<time>)")
    parser.add_argument(
        "--dry-run", action="store_true", help="print the StartReplay request, do not start it"
    )
    add_target_arguments(parser)


def _aware(text: str) -> datetime:
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        raise argparse.ArgumentTypeError(f"{text!r} has no UTC offset (write 2026-11-29T10:00Z)")
    return moment


def run(args: argparse.Namespace) -> int:
    """Builds the request from the stack's archive and rules; starts it unless ``--dry-run``."""
    target = target_of(args)
    events = target.client("events")
    archive = events.describe_archive(ArchiveName=target.ref(ARCHIVE))
    bus_arn = str(archive["EventSourceArn"])
    rules: list[dict[str, Any]] = []
    for page in events.get_paginator("list_rules").paginate(EventBusName=bus_arn.rsplit("/", 1)[-1]):
        rules.extend(page["Rules"])
    until = args.until or datetime.now(UTC)
    name = args.name or f"paybridge-replay-{datetime.now(UTC):%Y%m%dT%H%M%S}"
    request = replay_request(
        name, str(archive["ArchiveArn"]), bus_arn, args.since, until, rules, args.detail_type, args.source
    )
    print(json.dumps(request, indent=2, default=str))
    if not request["Destination"]["FilterArns"]:
        print("no rule of the bus takes these detail-types: nothing to replay")
        return 1
    if args.dry_run:
        return 0
    answer = events.start_replay(**request)
    print(
        f"replay {answer['ReplayArn']} {answer['State']}; follow it with `aws events describe-replay "
        f"--replay-name {name}`"
    )
    return 0


def replay_request(
    name: str,
    archive_arn: str,
    bus_arn: str,
    since: datetime,
    until: datetime,
    rules: Iterable[dict[str, Any]],
    detail_types: list[str],
    sources: list[str],
) -> dict[str, Any]:
    """The StartReplay request: the archive's events of the window, back onto the bus, to the rules taking
    those events only."""
    if until <= since:
        raise SystemExit("--until must be after --since")
    chosen = [
        str(rule["Arn"])
        for rule in rules
        if not rule.get("ManagedBy")  # the archive's own rule (managed by EventBridge) is not a consumer
        and _takes(rule.get("EventPattern"), "detail-type", detail_types)
        and _takes(rule.get("EventPattern"), "source", sources)
    ]
    return {
        "ReplayName": name,
        "Description": f"detail-types {detail_types or 'all'}, sources {sources or 'all'}",
        "EventSourceArn": archive_arn,
        "EventStartTime": since,
        "EventEndTime": until,
        "Destination": {"Arn": bus_arn, "FilterArns": sorted(chosen)},
    }


def _takes(pattern_json: str | None, field: str, wanted: list[str]) -> bool:
    """Whether a rule's pattern lets one of ``wanted`` through ``field`` (no wish, or no constraint: yes)."""
    if not wanted:
        return True
    pattern = json.loads(pattern_json) if pattern_json else {}
    allowed = pattern.get(field)
    if allowed is None:
        return True
    return any(_matches(value, allowed) for value in wanted)


def _matches(value: str, allowed: list[Any]) -> bool:
    for matcher in allowed:
        if isinstance(matcher, str) and matcher == value:
            return True
        if isinstance(matcher, dict):
            if "prefix" in matcher and value.startswith(str(matcher["prefix"])):
                return True
            if "anything-but" in matcher:
                excluded = matcher["anything-but"]
                if value not in (excluded if isinstance(excluded, list) else [excluded]):
                    return True
    return False
