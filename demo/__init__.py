"""``make demo``: the whole system at work, scenario by scenario, against a fresh local stack.

Every scenario speaks only as a merchant's backend and Juspay would: SigV4-signed HTTP to the merchant API,
the Juspay simulator's ``/__sim/`` control API (Juspay's side: orders, webhooks, refunds, faults), the bus
through the local event tap, and read-only AWS calls to the emulated account (a KMS public key, Step
Functions executions, the dead-letter queue). Each scenario is a function taking a :class:`DemoClient` and
returning a checked :class:`ScenarioResult`, so the end-to-end tests (``tests/e2e/test_demo_*.py``) run the
very same code, and another suite can run them all: ``run_scenarios(DemoClient.from_file(outputs))``.
"""

from demo.client import DemoClient, DemoError
from demo.result import ScenarioResult
from demo.runner import run_scenarios
from demo.scenarios import SCENARIOS, Scenario

__all__ = ["SCENARIOS", "DemoClient", "DemoError", "Scenario", "ScenarioResult", "run_scenarios"]
