"""The pending-order task logic with in-memory fakes: the branches a real run only hits in a race."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from botocore.exceptions import ClientError

from paybridge.errors import ConflictError, JuspayNotFoundError
from paybridge.logic.await_order_webhook import AwaitDependencies, await_order_webhook
from paybridge.logic.check_pending_order import CheckDependencies, check_pending_order
from paybridge.logic.pending_order_schedule import FollowSchedule
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
    execution_status: str = "RUNNING"

    def describe_execution(self, **kwargs: Any) -> dict[str, Any]:
        return {"status": self.execution_status}

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

    def mark_abandoned(self, order_id: str, **kwargs: Any) -> bool:
        return self._write("mark_abandoned")

    def open_follow(self, order_id: str, *, follow: int, seen: Any, now: datetime, **kwargs: Any) -> bool:
        self.writes.append(f"open_follow:{follow}")
        self.item = {
            "status": "WAITING",
            "follow": follow,
            "started_at": now.isoformat(),
            "deadline_at": kwargs["deadline_at"].isoformat(),
            "customer_id": kwargs["customer_id"],
        }
        return True

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
    status: str | None  # None: Juspay does not know the order (404)
    txn_id: str | None = None

    def get_order_status(self, order_id: str, *, customer_id: str | None = None) -> Order:
        if self.status is None:
            raise JuspayNotFoundError("Juspay get_order_status: not found")
        return Order(
            order_id=order_id, status=self.status, customer_id="cust_from_juspay", txn_id=self.txn_id
        )


@dataclass
class FakeExpiries:
    expires_at: datetime | None = None

    def order_expiry(self, order_id: str) -> datetime | None:
        return self.expires_at


@dataclass
class FakeOrders:
    recorded: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)

    def record(self, order_id: str, status: Any, **kwargs: Any) -> Any:
        self.recorded.append((order_id, str(status), dict(kwargs.get("fields") or {})))
        return None


SCHEDULE = FollowSchedule(first_wait_s=10, max_wait_s=600, deadline_s=1000)


def check_payload(**overrides: Any) -> dict[str, Any]:
    payload = {
        "order_id": "ord_1",
        "customer_id": None,
        "follow": 2,
        "started_at": (NOW - timedelta(seconds=100)).isoformat(),
        "deadline_at": (NOW + timedelta(seconds=900)).isoformat(),
        "polls": 2,
        "followed_seconds": 40,
    }
    return {**payload, **overrides}


def run_check(
    status: str | None,
    repo: FakeRepository,
    *,
    expires_at: datetime | None = None,
    orders: FakeOrders | None = None,
    txn_id: str | None = None,
    **overrides: Any,
) -> tuple[dict[str, Any], FakePublisher]:
    publisher = FakePublisher()
    deps = CheckDependencies(
        repo,  # type: ignore[arg-type]
        FakeJuspay(status, txn_id),
        publisher,  # type: ignore[arg-type]
        lambda: NOW,
        SCHEDULE,
        FakeExpiries(expires_at),
        orders or FakeOrders(),
    )
    return check_pending_order(check_payload(**overrides), deps), publisher


# --- check -----------------------------------------------------------------------------------------------
def test_pending_order_gets_the_next_wait_of_the_schedule() -> None:
    answer, publisher = run_check("PENDING_VBV", FakeRepository())
    assert (answer["outcome"], answer["polls"], answer["next_wait_seconds"]) == ("pending", 3, 40)
    assert (answer["followed_seconds"], answer["follow"]) == (80, 2)
    assert answer["customer_id"] == "cust_from_juspay"
    assert publisher.events == []


def test_an_unknown_order_not_signed_here_is_still_an_error() -> None:
    with pytest.raises(JuspayNotFoundError):
        run_check(None, FakeRepository())


def test_a_signed_order_not_created_yet_is_followed_until_its_expiry() -> None:
    repo = FakeRepository()
    # Expiry 100 s after the follow started (= 100 scheduled seconds): the next poll lands on it.
    answer, publisher = run_check(None, repo, expires_at=NOW, followed_seconds=70)
    assert (answer["outcome"], answer["status"], answer["next_wait_seconds"]) == (
        "pending",
        "NOT_CREATED",
        30,
    )
    assert repo.writes == ["record_poll"]
    assert publisher.events == []


@pytest.mark.parametrize(("status", "reason"), [(None, "not_created"), ("NEW", "no_attempt")])
def test_an_order_never_attempted_is_abandoned_at_its_expiry(status: str | None, reason: str) -> None:
    repo, orders = FakeRepository(), FakeOrders()
    answer, publisher = run_check(status, repo, expires_at=NOW, orders=orders, followed_seconds=100)
    assert answer["outcome"] == "abandoned"
    assert repo.writes == ["mark_abandoned"]
    assert orders.recorded == [
        ("ord_1", "ABANDONED", {"reason": reason, "juspay_status": status or "NOT_CREATED"})
    ]
    [(source, detail_type, detail)] = publisher.events
    assert (source, detail_type) == ("paybridge", "OrderAbandoned")
    assert detail["expired_at"] == NOW.isoformat()
    assert detail["polls"] == 3


def test_an_order_with_an_attempt_is_not_abandoned_at_its_expiry() -> None:
    answer, publisher = run_check(
        "NEW", FakeRepository(), expires_at=NOW, followed_seconds=100, txn_id="m-o-1"
    )
    assert answer["outcome"] == "pending"
    assert publisher.events == []


def test_an_abandonment_that_lost_to_a_webhook_publishes_nothing() -> None:
    orders = FakeOrders()
    answer, publisher = run_check(
        None, FakeRepository(lands=False), expires_at=NOW, orders=orders, followed_seconds=100
    )
    assert (answer["outcome"], answer["resolved_by"]) == ("resolved", "webhook")
    assert publisher.events == []
    assert orders.recorded == []


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


@pytest.mark.parametrize(("status", "followed"), [("CHARGED", 40), ("PENDING_VBV", 1000), ("NEW", 40)])
def test_an_order_a_webhook_resolved_meanwhile_ends_without_publishing(status: str, followed: int) -> None:
    answer, publisher = run_check(status, FakeRepository(lands=False), followed_seconds=followed)
    assert (answer["outcome"], answer["resolved_by"]) == ("resolved", "webhook")
    assert publisher.events == []


def test_deadline_passed_marks_stale() -> None:
    answer, publisher = run_check(
        "AUTHORIZING", FakeRepository(), followed_seconds=1000, deadline_at=NOW.isoformat()
    )
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
        "follow": 1,
        "started_at": NOW.isoformat(),
        "deadline_at": (NOW + timedelta(seconds=600)).isoformat(),
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


def test_await_of_a_superseded_follow_ends_at_once() -> None:
    repo, sfn = FakeRepository(lands=False, item={"status": "WAITING", "follow": 2}), FakeSfn()
    answer = await_order_webhook(await_payload(), AwaitDependencies(repo, sfn, lambda: NOW))  # type: ignore[arg-type]
    assert answer["waiting"] is False
    assert json.loads(sfn.calls[0]["output"])["resolved_by"] == "superseded"


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
def start_deps(sfn: FakeSfn, repo: FakeRepository | None = None) -> StartDependencies:
    return StartDependencies(
        sfn,  # type: ignore[arg-type]
        MACHINE,
        lambda: NOW,
        repo or FakeRepository(),
        FollowSchedule(first_wait_s=30, deadline_s=86400, time_scale=10),
    )


def test_start_opens_the_first_follow_and_names_the_execution_after_order_and_follow() -> None:
    sfn, repo = FakeSfn(), FakeRepository()
    result = start_pending_order(
        "ord_1", "cust_1", trigger="juspay/TXN_CREATED", deps=start_deps(sfn, repo), juspay_event_id="evt_1"
    )
    assert (result.action, result.follow) == ("started", 1)
    assert repo.writes == ["open_follow:1"]
    [call] = sfn.calls
    assert call["name"] == result.execution_name
    assert call["name"].endswith("-f1")
    assert call["stateMachineArn"] == MACHINE
    assert json.loads(call["input"]) == {
        "order_id": "ord_1",
        "customer_id": "cust_1",
        "follow": 1,
        "started_at": NOW.isoformat(),
        "deadline_at": (NOW + timedelta(seconds=8640)).isoformat(),  # a day, scaled by 10
        "trigger": "juspay/TXN_CREATED",
        "juspay_event_id": "evt_1",  # the correlation id every task of the execution passes on
        "requested_at": NOW.isoformat(),
        "followed_seconds": 30,
        "next_wait_seconds": 3,
    }


@pytest.mark.parametrize(
    "item",
    [
        {"status": "RESOLVED", "follow": 1, "resolved_status": "AUTHENTICATION_FAILED"},
        {"status": "RESOLVED", "resolved_status": "JUSPAY_DECLINED"},  # noted by a release, never followed
        {"status": "STALE", "follow": 1},
        {"status": "FAILED", "follow": 1},
        {"status": "ABANDONED", "follow": 1},
    ],
)
def test_a_follow_that_ended_is_followed_by_a_new_one(item: dict[str, Any]) -> None:
    sfn, repo = FakeSfn(), FakeRepository(item=dict(item))
    result = start_pending_order("ord_1", None, trigger="juspay/TXN_CREATED", deps=start_deps(sfn, repo))
    follow = int(item.get("follow", 0)) + 1
    assert (result.action, result.follow) == ("started", follow)
    assert repo.writes == [f"open_follow:{follow}"]
    assert sfn.calls[0]["name"].endswith(f"-f{follow}")


def test_an_order_resolved_as_paid_is_not_followed_again() -> None:
    sfn = FakeSfn()
    repo = FakeRepository(item={"status": "RESOLVED", "follow": 1, "resolved_status": "CHARGED"})
    result = start_pending_order("ord_1", None, trigger="t", deps=start_deps(sfn, repo))
    assert result.action == "closed"
    assert sfn.calls == []
    assert repo.writes == []


def waiting(follow: int = 3) -> dict[str, Any]:
    return {
        "status": "WAITING",
        "follow": follow,
        "started_at": NOW.isoformat(),
        "deadline_at": NOW.isoformat(),
    }


def test_a_second_start_of_a_running_follow_is_harmless_and_other_errors_raise() -> None:
    repo = FakeRepository(item=waiting())
    result = start_pending_order(
        "ord_1", None, trigger="t", deps=start_deps(FakeSfn(client_error("ExecutionAlreadyExists")), repo)
    )
    assert (result.action, result.follow) == ("already_started", 3)
    assert (
        result.execution_arn == f"{MACHINE.replace(':stateMachine:', ':execution:')}:{result.execution_name}"
    )
    assert repo.writes == []
    with pytest.raises(ClientError):
        start_pending_order(
            "ord_1", None, trigger="t", deps=start_deps(FakeSfn(client_error("ThrottlingException")), repo)
        )


def test_a_waiting_follow_whose_execution_ended_is_replaced() -> None:
    class EndedOnce(FakeSfn):
        def start_execution(self, **kwargs: Any) -> dict[str, Any]:
            if kwargs["name"].endswith("-f3"):
                self.calls.append(kwargs)
                raise client_error("ExecutionAlreadyExists")
            return super().start_execution(**kwargs)

    sfn, repo = EndedOnce(execution_status="ABORTED"), FakeRepository(item=waiting())
    result = start_pending_order("ord_1", None, trigger="t", deps=start_deps(sfn, repo))
    assert (result.action, result.follow) == ("started", 4)
    assert repo.writes == ["open_follow:4"]


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
    answer = record_pending_order_failure(
        {"order_id": "ord_1", "follow": 1, "error": {"Error": "States.Timeout"}}, deps
    )
    assert answer == {"order_id": "ord_1", "error": "States.Timeout", "recorded": True}
    [(_, detail_type, detail)] = publisher.events
    assert detail_type == "PendingOrderFailed"
    assert detail["already_resolved"] is True
