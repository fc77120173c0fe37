"""``make demo`` = ``python -m demo``: starts a local stack on free ports, runs every scenario, prints a
report per scenario, and exits 1 when any outcome is wrong.

``--outputs .local/outputs.json`` runs against a stack that is already running (``make local``) instead.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

from demo.client import DemoClient, DemoError
from demo.orders import ROOT
from demo.report import render, render_summary
from demo.result import ScenarioResult
from demo.run import Scenario
from demo.runner import routing_problems, run_scenarios
from demo.scenarios import SCENARIOS, by_key
from demo.stack import local_stack


def parse_args(argv: list[str]) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(prog="python -m demo", description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", help="comma-separated scenario keys (default: all; --list names them)")
    parser.add_argument("--jobs", type=int, default=4, help="scenarios run at once (default 4)")
    parser.add_argument("--outputs", type=Path, help="use the running stack of this outputs file")
    parser.add_argument("--json", type=Path, help="also write every result as JSON here")
    parser.add_argument("--list", action="store_true", help="list the scenarios and exit")
    return parser.parse_args(argv)


def say(line: str) -> None:
    """Progress and report lines, flushed at once."""
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def demo(client: DemoClient, scenarios: list[Scenario], jobs: int, json_path: Path | None) -> int:
    """Runs, reports, answers the exit status."""
    started = time.monotonic()
    say(f"running {len(scenarios)} scenarios, {jobs} at a time")
    finished: list[ScenarioResult] = []

    def progress(result: ScenarioResult) -> None:
        finished.append(result)
        verdict = "ok    " if result.ok else "FAILED"
        say(f"  [{len(finished):2}/{len(scenarios)}] {verdict} {result.title} ({result.seconds:.1f} s)")

    def starting(scenario: Scenario) -> None:
        say(f"  [ -/{len(scenarios)}] start  {scenario.title}")

    results = run_scenarios(client, scenarios, jobs=jobs, on_start=starting, on_result=progress)
    problems = routing_problems(client)
    say("")
    for number, result in enumerate(results, start=1):
        say(render(number, result))
        say("")
    say(render_summary(results, time.monotonic() - started, problems))
    if json_path:
        json_path.write_text(json.dumps([r.as_dict() for r in results], indent=1) + "\n", encoding="utf-8")
    return 0 if all(r.ok for r in results) and not problems else 1


def main(argv: list[str]) -> int:
    """``python -m demo``."""
    args = parse_args(argv)
    if args.list:
        for found in SCENARIOS:
            say(f"{found.key:10} {found.title}")
        return 0
    try:
        scenarios = [by_key(k.strip()) for k in args.only.split(",")] if args.only else list(SCENARIOS)
    except KeyError as exc:
        say(f"demo: {exc.args[0]}")
        return 2
    if args.outputs:
        return demo(DemoClient.from_file(args.outputs), scenarios, args.jobs, args.json)
    started = time.monotonic()
    say("starting the local stack (emulated AWS, the API, the Juspay simulator) on free ports ...")
    try:
        return _on_own_stack(args, scenarios, started)
    except DemoError as exc:  # the stack did not start (or stopped answering): say why, no traceback
        say(f"demo: {exc}")
        return 1


def _on_own_stack(args: argparse.Namespace, scenarios: list[Scenario], started: float) -> int:
    with (
        tempfile.TemporaryDirectory(prefix="paybridge-demo-") as directory,
        local_stack(Path(directory)) as path,
    ):
        client = DemoClient.from_file(path)
        up = time.monotonic() - started
        say(f"  up in {up:.1f} s: API {client.api_url}, Juspay simulator {client.sim_url}")
        code = demo(client, scenarios, args.jobs, args.json)
        if code != 0:  # the stack's own log goes with the temporary directory: keep it for the reader
            kept = ROOT / ".local" / "demo-failed.log"
            kept.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path.parent / "local.log", kept)
            say(f"the local stack's log: {kept}")
    say(f"demo finished in {time.monotonic() - started:.0f} s (stack included)")
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
