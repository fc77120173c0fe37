"""`make demo` as a user runs it: the README's Demo block, the report, and exit status 1 when an outcome is
wrong (here: Juspay's Order Status down, so the split payment never settles)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator

import pytest

from demo import SCENARIOS, DemoClient
from tests.e2e.demo_support import demo_stack
from tests.helpers import ROOT

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoClient]:
    yield from demo_stack(tmp_path_factory.mktemp("demo-cli"))


def _demo_block() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text[text.index("## Demo (`make demo`)") : text.index("## The local stack")]
    [block] = re.findall(r"```bash\n(.*?)```", section, re.S)
    return [line for line in block.splitlines() if line.strip()]


def _clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "LOCAL_", "DEMO_"))}
    return env | extra


def test_the_readme_demo_block_names_the_commands_a_user_runs() -> None:
    commands = [line.split("#")[0].strip() for line in _demo_block()]
    assert commands[0] == "make demo"
    assert all(c.startswith(("make demo", ".venv/bin/python -m demo")) for c in commands), commands


def test_a_few_scenarios_run_as_the_readme_writes_it() -> None:
    [line] = [line for line in _demo_block() if "--only" in line]
    run = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", line],
        cwd=ROOT,
        env=_clean_env(),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
    keys = re.search(r'--only ([a-z,]+)"', line)
    assert keys is not None
    count = len(keys.group(1).split(","))
    assert f"demo: {count}/{count} scenarios passed" in run.stdout
    assert "starting the local stack" in run.stdout
    assert re.search(r"\[ 1/\d+\] ok ", run.stdout), run.stdout  # progress while it runs
    assert "Juspay calls  GET /orders/{order_id} x1" in run.stdout  # the split order's one Order Status call


def test_the_list_names_every_scenario() -> None:
    run = subprocess.run(
        [sys.executable, "-m", "demo", "--list"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert run.returncode == 0
    assert [line.split()[0] for line in run.stdout.splitlines()] == [s.key for s in SCENARIOS]


def test_a_wrong_outcome_exits_1_with_what_went_wrong(client: DemoClient) -> None:
    # Juspay's Order Status is down: the webhook is accepted, nothing can be confirmed, so nothing settles.
    client.sim("POST", "/__sim/faults", {"method": "GET", "path": "/orders/*", "status": 503, "times": 10000})
    try:
        run = subprocess.run(
            [sys.executable, "-m", "demo", "--outputs", str(client.outputs_path), "--only", "split"],
            cwd=ROOT,
            env=_clean_env(DEMO_WAIT_SECONDS="5"),
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
    finally:
        client.sim("DELETE", "/__sim/faults")
    assert run.returncode == 1, run.stdout[-3000:] + run.stderr[-2000:]
    assert "[ 1/1] FAILED Split payment: UPI + wallet" in run.stdout
    assert "FAILED: stopped: timed out waiting for OrderSettled" in run.stdout
    assert run.stdout.rstrip().endswith("FAILED: Split payment: UPI + wallet")
