"""Running many scenarios against one stack: four at a time, the ``exclusive`` ones alone, after the rest."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed

from demo.client import DemoClient
from demo.result import ScenarioResult
from demo.run import Scenario
from demo.scenarios import SCENARIOS

__all__ = ["routing_problems", "run_scenarios"]


def run_scenarios(
    client: DemoClient,
    scenarios: Sequence[Scenario] = SCENARIOS,
    *,
    jobs: int = 4,
    on_start: Callable[[Scenario], None] | None = None,
    on_result: Callable[[ScenarioResult], None] | None = None,
) -> list[ScenarioResult]:
    """Runs ``scenarios`` against ``client``'s stack; answers their results in the order given.

    ``on_start`` and ``on_result`` are called as each one starts and ends (progress). Scenarios use ids of
    their own, so they can share a stack; an ``exclusive`` one (reconciliation reads every order touched in
    its window) runs alone, after the others.
    """
    results: dict[str, ScenarioResult] = {}

    def done(result: ScenarioResult) -> None:
        results[result.key] = result
        if on_result is not None:
            on_result(result)

    def start(scenario: Scenario) -> ScenarioResult:
        if on_start is not None:
            on_start(scenario)
        return scenario(client)

    shared = sorted((s for s in scenarios if not s.exclusive), key=lambda s: not s.slow)
    with ThreadPoolExecutor(max_workers=max(1, jobs), thread_name_prefix="scenario") as pool:
        for future in as_completed([pool.submit(start, s) for s in shared]):
            done(future.result())
    for alone in (s for s in scenarios if s.exclusive):
        done(start(alone))
    return [results[s.key] for s in scenarios]


def routing_problems(client: DemoClient) -> list[str]:
    """Juspay calls whose ``x-routing-id`` was not their customer's, as the simulator judged every call."""
    violations = client.sim("GET", "/__sim/routing-violations")
    return [f"Juspay call {v['method']} {v['path']} routed by {v['routing_id']!r}" for v in violations]
