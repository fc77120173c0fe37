"""``make soak`` = ``python -m tests.soak``: a bounded soak of the local stack; exits 1 on any violation.

Starts ``python -m paybridge_local`` on free ports (pending orders followed on a short schedule so that the
run ends), drives the plan, checks the invariants and prints the counts and every violation.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from tests.soak.checker import Report, check
from tests.soak.driver import Endpoints, Timing, run
from tests.soak.plan import make_plan


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options (``make soak`` passes ORDERS, CONCURRENCY and SEED)."""
    parser = argparse.ArgumentParser(prog="python -m tests.soak", description=__doc__)
    parser.add_argument("--orders", type=int, default=500)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--faults", type=float, default=0.2, help="share of Juspay calls that fail (503)")
    parser.add_argument("--deadline", type=int, default=90, help="follow deadline of the run (s)")
    parser.add_argument("--backoff", default="3,6,12", help="follow waits of the run (s, comma-separated)")
    parser.add_argument(
        "--time-scale",
        type=int,
        default=60,
        help="LOCAL_TIME_SCALE: scheduled rules fire N times as often; the follow parameters are passed N"
        " times larger so that, divided by TIME_SCALE, the run still follows with --deadline and --backoff",
    )
    parser.add_argument(
        "--expiry", type=int, default=600, help="how long a signed order can be paid (s; OrderExpiryMinutes)"
    )
    parser.add_argument("--max-settle", type=float, default=300.0, help="longest wait after driving (s)")
    parser.add_argument(
        "--follow-to-deadline",
        action="store_true",
        help="wait out the follow deadline: orders Juspay still calls pending must then be STALE",
    )
    parser.add_argument("--json", type=Path, help="also write the collected data and the report here")
    return parser.parse_args(argv)


def say(message: str) -> None:
    """Progress lines (stdout, flushed: a long run shows where it is)."""
    sys.stdout.write(message + "\n")
    sys.stdout.flush()


def follow_parameters(args: argparse.Namespace) -> str:
    """``LOCAL_PARAMETER_OVERRIDES`` for the run's follow schedule, for whichever of these parameters the
    template has (the follower's parameters change as it evolves). Passed ``--time-scale`` times larger: the
    functions divide them by ``TIME_SCALE``."""
    from paybridge_local.template import load_template

    scale = args.time_scale
    waits = [int(b) * scale for b in args.backoff.split(",")]
    wanted = {
        "PendingOrderBackoffSeconds": ",".join(str(w) for w in waits),
        "PendingOrderFirstWaitSeconds": str(waits[0]),
        "PendingOrderMaxWaitSeconds": str(waits[-1]),
        "PendingOrderDeadlineSeconds": str(args.deadline * scale),
        "OrderExpiryMinutes": str(min(1440, math.ceil(args.expiry * scale / 60))),
    }
    known = load_template().get("Parameters") or {}
    return " ".join(f"{name}={value}" for name, value in wanted.items() if name in known)


def longest_schedule_s(template: dict[str, Any]) -> int:
    """The longest period among the template's scheduled functions (``rate(...)``, parameters at their
    defaults), in template seconds; 0 without any. A run waits one such period after its orders stop, so
    every sweep and reconciliation gets its turn."""
    from paybridge_local.scheduler import rate_seconds

    parameters = template.get("Parameters") or {}
    periods = [0]
    for resource in (template.get("Resources") or {}).values():
        for event in ((resource.get("Properties") or {}).get("Events") or {}).values():
            if event.get("Type") not in ("Schedule", "ScheduleV2"):
                continue
            props = event.get("Properties") or {}
            expression = props.get("Schedule") or props.get("ScheduleExpression")
            if isinstance(expression, dict) and "Ref" in expression:
                expression = (parameters.get(expression["Ref"]) or {}).get("Default")
            if isinstance(expression, str) and expression.startswith("rate("):
                periods.append(rate_seconds(expression))
    return max(periods)


def soak(args: argparse.Namespace, log: Any = say) -> Report:
    """Runs one soak on a fresh local stack and answers the report."""
    from tests.e2e.support import running_local_stack  # starts the real process, as a user would

    plan = make_plan(
        seed=args.seed, orders=args.orders, concurrency=args.concurrency, fault_probability=args.faults
    )
    overrides = follow_parameters(args)
    longest_wait = max(int(s) for s in args.backoff.split(","))
    # At least two polls after the last order moved, so the follower sees every final status; with
    # --follow-to-deadline, until the last signed order's deadline has passed; and one period of the
    # slowest scheduled job (reconciliation), scaled.
    follow = args.deadline + longest_wait + 5 if args.follow_to_deadline else 2 * longest_wait + 3
    from paybridge_local.template import load_template

    follow = max(follow, math.ceil(longest_schedule_s(load_template()) / args.time_scale) + 5)
    timing = Timing(follow_until_s=follow, max_settle_s=max(args.max_settle, follow))
    with tempfile.TemporaryDirectory(prefix="soak-") as directory:
        started = time.monotonic()
        with running_local_stack(
            Path(directory),
            parameter_overrides=overrides,
            env={"LOCAL_TIME_SCALE": str(args.time_scale)},
        ) as local:
            log(f"soak: local stack up in {time.monotonic() - started:.0f} s")
            data = run(plan, Endpoints.from_outputs(local["outputs"], local["aws"]), timing, log)
    data.update(followed_to_deadline=args.follow_to_deadline, deadline_s=args.deadline)
    if args.json:  # written before the check, so a long run's data survives whatever the check does
        args.json.write_text(json.dumps({"data": data}, indent=1, default=str))
    report = check(data)
    if args.json:
        document = {"report": [str(v) for v in report.violations], "counts": report.counts, "data": data}
        args.json.write_text(json.dumps(document, indent=1, default=str))
    return report


def render(report: Report) -> str:
    """The counts, the violations per invariant, then every violation (one per line)."""
    lines = ["", "== soak counts"]
    for name, value in report.counts.items():
        lines.append(f"  {name:22} {json.dumps(value, sort_keys=True, default=str)}")
    lines.append("== invariants")
    for name, count in report.by_invariant().items():
        lines.append(f"  {name:24} {'ok' if count == 0 else f'{count} VIOLATIONS'}")
    if report.violations:
        lines.append("== violations")
        lines.extend(f"  {v}" for v in report.violations)
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Runs, prints, exits 0 when every invariant holds."""
    report = soak(parse_args(argv))
    sys.stdout.write(render(report) + "\n")
    sys.stdout.flush()
    return 1 if report.violations else 0


if __name__ == "__main__":
    sys.exit(main())
