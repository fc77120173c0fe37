"""The demo's scenarios as end-to-end tests: one stack per test module, one test per scenario."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from demo import DemoClient, Scenario
from demo.report import render
from demo.stack import local_stack
from paybridge_local.stack import LocalSettings
from tests.log_scan import function_output, leaks


def demo_stack(directory: Path) -> Iterator[DemoClient]:
    """The local stack as ``make demo`` starts it (free ports, its time scale and overrides).

    When the module's scenarios are done, everything every function logged is scanned: no card number,
    e-mail address or VPA, mobile number, Juspay API key or webhook credential may appear in it.
    """
    with local_stack(directory) as outputs:
        yield DemoClient.from_file(outputs)
    settings = LocalSettings.from_env()  # what the stack process read too
    secrets = [
        settings.juspay_api_key,
        settings.webhook_password,
        f"{settings.webhook_username}:{settings.webhook_password}",
    ]
    output = function_output(directory / "local.log")
    records = [line for line in output.splitlines() if line.startswith("{")]
    assert len(records) >= 10, "the scenarios logged too little to prove anything"
    found = leaks(output, secrets)
    assert not found, f"the functions' logs hold secrets or personal data: {found[:20]}"


def passes(scenario: Scenario, client: DemoClient) -> None:
    """Runs ``scenario``; fails with its report unless all checks held and Juspay calls were routed right."""
    result = scenario(client)
    report = render(1, result)
    violations = client.sim("GET", "/__sim/routing-violations")
    client.sim("DELETE", "/__sim/routing-violations")
    assert result.ok, report
    assert violations == [], f"{violations}\n{report}"
