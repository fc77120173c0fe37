"""The pending-order task logic with in-memory fakes: the branches a real run only hits in a race."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from botocore.exceptions import ClientError

from paybridge.errors import ConflictError
from paybridge.logic.await_order_webhook import AwaitDependencies, await_order_webhook
from paybridge.logic.check_pending_order import CheckDependencies, check_pending_order
from paybridge.logic.pending_orders import release_pending_order
from paybridge.logic.record_pending_order_failure import (
    FailureDependencies,
    error_summary,
    record_pending_order_failure,
)
from paybridge.logic.start_pending_order import StartDependencies, handle_pending_event, start_pending_order
from paybridge.models.juspay import Order

NOW = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)
MACHINE = "arn:aws:states:ap-south-1:123456789012:stateMachine:stack-pending-order"


def client_error(code: str) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": code}}, "Operation")


@dataclass
class FakeSfn:
    raises: Exception | None = None
    calls: list[dict[str, Any]] = field(default_factory=list)

    def start_execution(self, **kwargs: Any) -> dict[str, Any]:
        self.calls.append(kwargs)
        if self.raises:
            raise self.raises
        return {"executionArn": MACHINE.replace(":stateMachine:", ":execution:") + ":" + kwargs["name"]}

    def send_task_success(self, **kwargs: Any) -> dict[str, Any]:
        self.calls.append(kwargs)
        if self.raises:
            raise self.raises
        return {}


@dataclass
class FakeRepository:
    """Answers each transition as configured (True: the conditional write landed)."""

    item: dict[str, Any] | None = None
    lands: bool = True
    previous: dict[str, Any] | None = field(default_factory=dict)
    writes: list[str] = field(default_factory=list)

    def get(self, order_id: str) -> dict[str, Any] | None:
        return self.item

    def _write(self, name: str) -> bool:
        self.writes.append(name)
        return self.lands

    def record_wait(self, order_id: str, **kwargs: Any) -> bool:
        return self._write("record_wait")

    def record_poll(self, order_id: str, **kwargs: Any) -> bool:
        return self._write("record_poll")

    def resolve_by_poll(self, order_id: str, **kwargs: Any) -> bool:
        return self._write("resolve_by_poll")

    def mark_stale(self, order_id: str, **kwargs: Any) -> bool:
        return self._write("mark_stale")

    def mark_failed(self, order_id: str, **kwargs: Any) -> bool:
        return self._write("mark_failed")

    def resolve_by_webhook(self, order_id: str, status: str, **kwargs: Any) -> dict[str, Any] | None:
        self.writes.append("resolve_by_webhook")
        return self.previous


@dataclass
class FakePublisher:
    events: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)

    def publish(self, source: str, detail_type: str, detail: dict[str, Any]) -> str:
        self.events.append((source, detail_type, detail))
        return "evt-1"


@dataclass
class FakeJuspay:
    status: str

    def get_order_status(self, order_id: str, *, customer_id: str | None = None) -> Order:
        return Order(order_id=order_id, status=self.status, customer_id="cust_from_juspay")


def check_payload(**overrides: Any) -> dict[str, Any]:
    payload = {
        "order_id": "ord_1",
        "customer_id": None,
        "started_at": (NOW - timedelta(seconds=100)).isoformat(),
        "polls": 2,
        "schedule": "10,30,60",
        "deadline_seconds": "1000",
    }
    return {**payload, **overrides}


def run_check(status: str, repo: FakeRepository, **overrides: Any) -> tuple[dict[str, Any], FakePublisher]:
    publisher = FakePublisher()
    deps = CheckDependencies(repo, FakeJuspay(status), publisher, lambda: NOW)  # type: ignore[arg-type]
    return check_pending_order(check_payload(**overrides), deps), publisher


# --- check -----------------------------------------------------------------------------------------------
def test_pending_order_gets_the_next_wait_of_the_schedule() -> None:
    answer, publisher = run_check("PENDING_VBV", FakeRepository())
    assert (answer["outcome"], answer["polls"], answer["next_wait_seconds"]) == ("pending", 3, 60)
    assert answer["customer_id"] == "cust_from_juspay"
    assert publisher.events == []


def test_terminal_order_is_handed_to_settlement() -> None:
    answer, publisher = run_check("PARTIAL_CHARGED", FakeRepository())
    assert (answer["outcome"], answer["resolved_by"]) == ("resolved", "poll")
    [(source, detail_type, detail)] = publisher.events
    assert (source, detail_type) == ("paybridge", "PendingOrderResolved")
    assert detail == {
        "order_id": "ord_1",
        "customer_id": "cust_from_juspay",
        "status": "PARTIAL_CHARGED",
        "resolved_by": "poll",
        "polls": 3,
    }


@pytest.mark.parametrize(
    ("status", "deadline"), [("CHARGED", "1000"), ("PENDING_VBV", "50"), ("NEW", "1000")]
)
def test_an_order_a_webhook_resolved_meanwhile_ends_without_publishing(status: str, deadline: str) -> None:
    answer, publisher = run_check(status, FakeRepository(lands=False), deadline_seconds=deadline)
    assert (answer["outcome"], answer["resolved_by"]) == ("resolved", "webhook")
    assert publisher.events == []


def test_deadline_passed_marks_stale() -> None:
    answer, publisher = run_check("AUTHORIZING", FakeRepository(), deadline_seconds="100")
    assert answer["outcome"] == "stale"
    [(_, detail_type, detail)] = publisher.events
    assert detail_type == "OrderStale"
    assert detail["deadline_at"] == NOW.isoformat()


# --- await -----------------------------------------------------------------------------------------------
def await_payload() -> dict[str, Any]:
    return {
        "task_token": "tok-1",
        "execution_arn": "arn:exec",
        "order_id": "ord_1",
        "customer_id": "cust_1",
        "started_at": NOW.isoformat(),
        "deadline_seconds": "600",
        "wait_seconds": 10,
        "polls": 0,
    }


def test_await_stores_the_token_and_waits() -> None:
    repo, sfn = FakeRepository(), FakeSfn()
    answer = await_order_webhook(await_payload(), AwaitDependencies(repo, sfn, lambda: NOW))  # type: ignore[arg-type]
    assert answer == {"order_id": "ord_1", "waiting": True, "wait_seconds": 10}
    assert sfn.calls == []


def test_await_releases_at_once_an_order_already_resolved_by_webhook() -> None:
    repo = FakeRepository(
        lands=False, item={"status": "RESOLVED", "resolved_status": "CHARGED", "resolved_by": "webhook"}
    )
    sfn = FakeSfn()
    answer = await_order_webhook(await_payload(), AwaitDependencies(repo, sfn, lambda: NOW))  # type: ignore[arg-type]
    assert answer["waiting"] is False
    [call] = sfn.calls
    assert call["taskToken"] == "tok-1"
    assert json.loads(call["output"]) == {"order_id": "ord_1", "status": "CHARGED", "resolved_by": "webhook"}


def test_await_refuses_a_record_in_any_other_state() -> None:
    repo = FakeRepository(lands=False, item={"status": "STALE"})
    with pytest.raises(ConflictError):
        await_order_webhook(await_payload(), AwaitDependencies(repo, FakeSfn(), lambda: NOW))  # type: ignore[arg-type]


# --- release ---------------------------------------------------------------------------------------------
def release(repo: FakeRepository, sfn: FakeSfn) -> str:
    result = release_pending_order(
        "ord_1",
        {"status": "CHARGED"},
        repository=repo,
        sfn_client=sfn,
        now=NOW,  # type: ignore[arg-type]
    )
    return result.action


def test_release_sends_the_outcome_to_a_waiting_execution() -> None:
    sfn = FakeSfn()
    assert (
        release(FakeRepository(previous={"task_token": "tok-9", "execution_arn": "arn:e"}), sfn) == "released"
    )
    [call] = sfn.calls
    assert json.loads(call["output"]) == {"status": "CHARGED", "order_id": "ord_1", "resolved_by": "webhook"}


def test_release_without_a_waiting_execution_only_records() -> None:
    sfn = FakeSfn()
    assert release(FakeRepository(previous={}), sfn) == "recorded"
    assert sfn.calls == []
    assert release(FakeRepository(previous=None), sfn) == "already_resolved"


@pytest.mark.parametrize("code", ["TaskTimedOut", "TaskDoesNotExist", "InvalidToken"])
def test_release_ignores_a_wait_that_already_ended(code: str) -> None:
    repo = FakeRepository(previous={"task_token": "tok-9"})
    assert release(repo, FakeSfn(raises=client_error(code))) == "recorded"


def test_release_raises_other_errors_so_settlement_retries() -> None:
    with pytest.raises(ClientError):
        release(
            FakeRepository(previous={"task_token": "tok-9"}),
            FakeSfn(raises=client_error("ThrottlingException")),
        )


# --- start -----------------------------------------------------------------------------------------------
def start_deps(sfn: FakeSfn) -> StartDependencies:
    return StartDependencies(sfn, MACHINE, lambda: NOW)  # type: ignore[arg-type]


def test_start_names_the_execution_after_the_order() -> None:
    sfn = FakeSfn()
    result = start_pending_order("ord_1", "cust_1", trigger="juspay/TXN_CREATED", deps=start_deps(sfn))
    assert result.action == "started"
    [call] = sfn.calls
    assert call["name"] == result.execution_name
    assert call["stateMachineArn"] == MACHINE
    assert json.loads(call["input"]) == {
        "order_id": "ord_1",
        "customer_id": "cust_1",
        "started_at": NOW.isoformat(),
        "trigger": "juspay/TXN_CREATED",
    }


def test_a_second_start_is_harmless_and_other_errors_raise() -> None:
    result = start_pending_order(
        "ord_1", None, trigger="t", deps=start_deps(FakeSfn(client_error("ExecutionAlreadyExists")))
    )
    assert result.action == "already_started"
    assert (
        result.execution_arn == f"{MACHINE.replace(':stateMachine:', ':execution:')}:{result.execution_name}"
    )
    with pytest.raises(ClientError):
        start_pending_order(
            "ord_1", None, trigger="t", deps=start_deps(FakeSfn(client_error("ThrottlingException")))
        )


def test_events_start_by_their_order_id_and_events_without_one_are_ignored() -> None:
    sfn = FakeSfn()
    event = {
        "source": "paybridge",
        "detail-type": "OrderPending",
        "detail": {"order_id": " ord_2 ", "customer_id": 7},
    }
    assert handle_pending_event(event, start_deps(sfn)).action == "started"
    assert json.loads(sfn.calls[0]["input"])["customer_id"] == "7"
    assert json.loads(sfn.calls[0]["input"])["order_id"] == "ord_2"
    for detail in ({}, {"order_id": ""}, {"order_id": {"x": 1}}, None):
        assert handle_pending_event({"detail": detail}, start_deps(sfn)).action == "ignored"
    assert len(sfn.calls) == 1


# --- failure ---------------------------------------------------------------------------------------------
def test_error_summary_keeps_our_messages_only() -> None:
    cause = json.dumps(
        {"errorType": "JuspayNotFoundError", "errorMessage": "Juspay get_order_status: not found"}
    )
    assert error_summary({"Error": "JuspayNotFoundError", "Cause": cause}) == (
        "JuspayNotFoundError",
        "Juspay get_order_status: not found",
    )
    secret_bearing = json.dumps({"errorMessage": "customer@example.com"})
    assert error_summary({"Error": "KeyError", "Cause": secret_bearing}) == ("KeyError", None)
    assert error_summary({"Error": "JuspayError", "Cause": "not json"}) == ("JuspayError", None)
    assert error_summary({}) == ("UnknownError", None)


def test_failure_of_an_order_resolved_meanwhile_is_still_reported() -> None:
    publisher = FakePublisher()
    deps = FailureDependencies(FakeRepository(lands=False), publisher, lambda: NOW)  # type: ignore[arg-type]
    answer = record_pending_order_failure({"order_id": "ord_1", "error": {"Error": "States.Timeout"}}, deps)
    assert answer == {"order_id": "ord_1", "error": "States.Timeout", "recorded": True}
    [(_, detail_type, detail)] = publisher.events
    assert detail_type == "PendingOrderFailed"
    assert detail["already_resolved"] is True
