"""The demo's scenarios as end-to-end tests: one stack per test module, one test per scenario."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from demo import DemoClient, Scenario
from demo.report import render
from demo.stack import local_stack


def demo_stack(directory: Path) -> Iterator[DemoClient]:
    """The local stack as ``make demo`` starts it (free ports, its time scale and overrides)."""
    with local_stack(directory) as outputs:
        yield DemoClient.from_file(outputs)


def passes(scenario: Scenario, client: DemoClient) -> None:
    """Runs ``scenario``; fails with its report unless all checks held and Juspay calls were routed right."""
    result = scenario(client)
    report = render(1, result)
    violations = client.sim("GET", "/__sim/routing-violations")
    client.sim("DELETE", "/__sim/routing-violations")
    assert result.ok, report
    assert violations == [], f"{violations}\n{report}"
