"""The demo's own pieces that need no stack: counting Juspay calls, folding the follower's path, verdicts,
the report, and a scenario that stops half-way."""

from __future__ import annotations

import socket
from typing import Any

import pytest

from demo.client import DemoError
from demo.observe import Follower, _compress, juspay_calls
from demo.report import render, render_summary
from demo.result import Check, OrderFacts, ScenarioResult
from demo.run import Run, scenario
from demo.stack import _ports


def result(**overrides: Any) -> ScenarioResult:
    fields: dict[str, Any] = {
        "key": "split",
        "title": "Split payment",
        "seconds": 1.5,
        "checks": [Check("one debit", True)],
        "orders": [],
        "notes": [],
        "juspay_calls": {},
        "aws_calls": {},
    }
    return ScenarioResult(**(fields | overrides))


def test_juspay_calls_are_counted_per_route_for_the_scenarios_ids_only() -> None:
    log = [
        {"method": "GET", "path": "/orders/ord1", "form": {}},
        {"method": "GET", "path": "/orders/ord1", "form": {}},
        {"method": "GET", "path": "/orders/ord10", "form": {}},  # another order whose id starts the same
        {"method": "POST", "path": "/refunds", "form": {"txn_id": "m-ord1-1-1", "amount": "40.00"}},
        {"method": "POST", "path": "/refunds", "form": {"txn_id": "m-other-1-1"}},
        {"method": "POST", "path": "/mandates/mnd1", "form": {"command": "pause"}},
        {"method": "POST", "path": "/session", "form": {}, "json": {"order_id": "ord1"}},
    ]
    counts = juspay_calls(log, {"ord1": "{order_id}", "mnd1": "{mandate_id}"})
    assert counts == {
        "GET /orders/{order_id}": 2,  # not ord10's, whose id starts the same
        "POST /mandates/{mandate_id} command=pause": 1,
        "POST /refunds": 1,  # the Txn-ID refund of ord1's transaction, not the other one
        "POST /session": 1,
    }


def test_the_followers_wait_poll_decide_loop_is_folded() -> None:
    states = ["Init"] + ["AwaitWebhookOrTimeout", "CheckOrderStatus", "Decide"] * 3
    assert _compress([*states, "AwaitWebhookOrTimeout", "ResolvedByWebhook"]) == (
        "Init → (wait → poll → decide) x3 → AwaitWebhookOrTimeout → ResolvedByWebhook"
    )
    assert _compress(["Init", "AwaitWebhookOrTimeout", "ResolvedByWebhook"]) == (
        "Init → AwaitWebhookOrTimeout → ResolvedByWebhook"
    )


def test_a_result_is_ok_only_with_checks_that_all_held_and_no_error() -> None:
    assert result().ok
    assert not result(checks=[]).ok
    assert result(checks=[]).failures() == ["the scenario checked nothing"]
    wrong = Check("balance", False, "expected '90.00', got '80.00'")
    failed = result(checks=[Check("one debit", True), wrong])
    assert not failed.ok
    assert failed.failures() == ["balance: expected '90.00', got '80.00'"]
    stopped = result(error="timed out waiting for OrderSettled")
    assert not stopped.ok
    assert stopped.failures() == ["stopped: timed out waiting for OrderSettled"]


def test_the_report_shows_the_facts_and_every_failure() -> None:
    facts = OrderFacts(
        order_id="ord1",
        customer_id="cust1",
        juspay_status="PARTIAL_CHARGED",
        settlement_status="SETTLED",
        wallet_before="100.00",
        wallet_after="90.00",
        webhooks=["ORDER_PARTIAL_CHARGED (delivered)"],
        bus={"paybridge/OrderSettled": 1},
    )
    text = render(
        3,
        result(
            orders=[facts],
            checks=[Check("balance", False, "expected '90.00', got '80.00'")],
            juspay_calls={"GET /orders/{order_id}": 1},
        ),
    )
    assert text.splitlines()[0] == "== 3. Split payment: FAILED (1.5 s)"
    assert "wallet     100.00 → 90.00" in text
    assert "Juspay PARTIAL_CHARGED; here SETTLED" in text
    assert "GET /orders/{order_id} x1" in text
    assert "FAILED: balance: expected '90.00', got '80.00'" in text
    summary = render_summary([result(), result(error="x", title="Wallet only")], 42.0, ["a routing problem"])
    assert summary.splitlines() == [
        "demo: 1/2 scenarios passed in 42 s",
        "  FAILED: Wallet only",
        "  FAILED: a routing problem",
    ]


class _StubClient:
    """Just enough of DemoClient for a scenario that follows no order."""

    def juspay_requests(self) -> list[dict[str, Any]]:
        return []

    def aws(self, service: str) -> object:
        return object()

    def resource(self, logical_id: str, attribute: str = "Ref") -> str:
        return "arn:aws:states:ap-south-1:123456789012:stateMachine:x"


def test_a_scenario_that_stops_half_way_fails_with_what_it_waited_for() -> None:
    @scenario("half", "Half a scenario")
    def half(run: Run) -> None:
        """Checks one thing, then waits in vain."""
        run.check(True, "the first step")
        raise DemoError("timed out waiting for OrderSettled")

    outcome = half(_StubClient())  # type: ignore[arg-type]

    assert (outcome.key, outcome.title, outcome.summary) == ("half", "Half a scenario", half.run.__doc__)
    assert not outcome.ok
    assert outcome.failures() == ["stopped: timed out waiting for OrderSettled"]
    assert [c.what for c in outcome.checks] == ["the first step"]


def test_a_port_given_but_taken_is_refused_before_anything_starts() -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        taken = str(holder.getsockname()[1])
        with pytest.raises(DemoError, match=f"LOCAL_API_PORT={taken} is in use"):
            _ports({"LOCAL_API_PORT": taken})
    ports = _ports({})
    assert sorted(ports) == ["LOCAL_API_PORT", "LOCAL_AWS_PORT", "LOCAL_JUSPAY_PORT"]
    assert all(int(p) > 0 for p in ports.values())


class _StubStepFunctions:
    """An execution of order ``ord1`` (and one of another order), its history paged as Step Functions does."""

    def __init__(self) -> None:
        entered = [
            {"type": "PassStateEntered", "stateEnteredEventDetails": {"name": "Init"}},
            {"type": "TaskStateEntered", "stateEnteredEventDetails": {"name": "AwaitWebhookOrTimeout"}},
            {
                "type": "TaskScheduled",
                "taskScheduledEventDetails": {"resource": "invoke.waitForTaskToken", "timeoutInSeconds": 1},
            },
            {"type": "TaskStateEntered", "stateEnteredEventDetails": {"name": "CheckOrderStatus"}},
            {"type": "TaskScheduled", "taskScheduledEventDetails": {"resource": "invoke"}},
            {"type": "ChoiceStateEntered", "stateEnteredEventDetails": {"name": "Decide"}},
            {"type": "TaskStateEntered", "stateEnteredEventDetails": {"name": "AwaitWebhookOrTimeout"}},
            {
                "type": "TaskScheduled",
                "taskScheduledEventDetails": {"resource": "invoke.waitForTaskToken", "timeoutInSeconds": 8},
            },
        ]
        self.pages = [entered[:4], entered[4:]]

    def list_executions(self, **kwargs: Any) -> dict[str, Any]:
        executions = [
            {"executionArn": "arn:e2", "name": "other-f1", "startDate": 2},
            {"executionArn": "arn:e1", "name": "ord1-f1", "startDate": 1},
        ]
        return {"executions": executions}

    def describe_execution(self, executionArn: str) -> dict[str, Any]:
        order = "ord1" if executionArn == "arn:e1" else "other"
        return {"input": f'{{"order_id": "{order}"}}', "status": "RUNNING"}

    def get_execution_history(self, executionArn: str, nextToken: str | None = None) -> dict[str, Any]:
        page = int(nextToken or 0)
        answer: dict[str, Any] = {"events": self.pages[page]}
        if page + 1 < len(self.pages):
            answer["nextToken"] = str(page + 1)
        return answer


def test_the_follower_is_read_from_the_execution_history_of_the_orders_own_executions() -> None:
    client = _StubClient()
    sfn = _StubStepFunctions()
    client.aws = lambda service: sfn  # type: ignore[method-assign]

    [execution] = Follower(client).executions("ord1")  # type: ignore[arg-type]

    assert execution == {
        "name": "ord1-f1",
        "status": "RUNNING",
        "states": ["Init", "AwaitWebhookOrTimeout", "CheckOrderStatus", "Decide", "AwaitWebhookOrTimeout"],
        "transitions": 5,
        "wait_s": 8,  # the latest callback wait's timeout, not the poll task's
    }
