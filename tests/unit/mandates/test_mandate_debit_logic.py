"""Recurring debits, logic level: the notification window, one execution per cycle (also under a race and
after an unknown outcome), Juspay's refusals, final states from Order Status and their events. The tables
are moto's, built from template.yaml; Juspay and the bus are fakes that count their calls."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import boto3
import pytest
from moto import mock_aws

from paybridge.dal.mandate_debits import MandateDebitsRepository
from paybridge.dal.mandates import MandatesRepository
from paybridge.errors import (
    JuspayBadRequestError,
    JuspayUnavailableError,
    MandateDebitRefusedError,
    PublishError,
)
from paybridge.logic.execute_mandate_debit import execute_mandate_debit
from paybridge.logic.mandate_debit_outcome import DebitDependencies, notification_window, settle_debit
from paybridge.logic.notify_mandate_debit import notify_mandate_debit
from paybridge.logic.track_mandate_debit import track_mandate_debit
from paybridge.models.juspay import Order
from paybridge.models.mandate import MandateSummary
from paybridge.models.mandate_debit import (
    ExecuteDebitRequest,
    MandateExecution,
    Notification,
    NotifyDebitRequest,
    execution_order_id,
)
from tests.unit.settlement.conftest import Clock, RacingClient, create_table

MANDATE = "mnd_unit_1"
CUSTOMER = "cust_unit_1"
WINDOW = timedelta(hours=24)


class FakeJuspay:
    """Juspay's debit calls and Order Status; records every call."""

    def __init__(self) -> None:
        self.notifies: list[dict[str, Any]] = []
        self.executions: list[dict[str, Any]] = []
        self.notification_statuses: list[str] = []
        self.notification_answer = "SUCCESS"
        self.execute_error: Exception | None = None
        self.order_state = "PENDING_VBV"
        self.order_calls = 0

    def pre_debit_notify(self, mandate_id: str, **kwargs: Any) -> Notification:
        self.notifies.append({"mandate_id": mandate_id, **kwargs})
        return Notification(id=f"n{len(self.notifies)}", status="SUCCESS")

    def notification_status(self, notification_id: str, *, customer_id: str) -> Notification:
        self.notification_statuses.append(notification_id)
        return Notification(id=notification_id, status=self.notification_answer)

    def execute(self, mandate_id: str, **kwargs: Any) -> MandateExecution:
        self.executions.append({"mandate_id": mandate_id, **kwargs})
        if self.execute_error is not None:
            raise self.execute_error
        return MandateExecution(order_id=kwargs["order_id"], txn_id="t-1", status="PENDING_VBV")

    def order_status(self, order_id: str, customer_id: str | None) -> Order:
        self.order_calls += 1
        failed = self.order_state not in ("CHARGED", "PENDING_VBV")
        return Order.model_validate(
            {
                "order_id": order_id,
                "status": self.order_state,
                "amount": 499,
                "txn_id": f"m-{order_id}-1",
                "bank_error_code": "JP_801" if failed else "",
                "bank_error_message": "declined" if failed else "",
            }
        )


class FakeBus:
    def __init__(self) -> None:
        self.events: list[tuple[str, dict[str, Any]]] = []
        self.fail_next = 0

    def publish(self, source: str, detail_type: str, detail: dict[str, Any]) -> str:
        if self.fail_next:
            self.fail_next -= 1
            raise PublishError("bus down")
        self.events.append((detail_type, detail))
        return f"e{len(self.events)}"


@pytest.fixture
def dynamodb() -> Iterator[Any]:
    with mock_aws():
        client = boto3.client("dynamodb", region_name="ap-south-1")
        create_table(client, "debits", "MandateDebitsTable")
        create_table(client, "mandates", "MandatesTable")
        yield RacingClient(client)


@pytest.fixture
def juspay() -> FakeJuspay:
    return FakeJuspay()


@pytest.fixture
def bus() -> FakeBus:
    return FakeBus()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def follows() -> list[str]:
    return []


@pytest.fixture
def deps(
    dynamodb: Any, juspay: FakeJuspay, bus: FakeBus, clock: Clock, follows: list[str]
) -> DebitDependencies:
    mandates = MandatesRepository(dynamodb, "mandates")
    mandates.save(
        MandateSummary(mandate_id=MANDATE, status="ACTIVE", customer_id=CUSTOMER), source="test", now=clock()
    )
    return DebitDependencies(
        calls=juspay,
        order_status=juspay.order_status,
        debits=MandateDebitsRepository(dynamodb, "debits"),
        mandates=mandates,
        publisher=bus,
        clock=clock,
        window=WINDOW,
        follow=lambda order_id, customer_id: follows.append(order_id),
    )


def notified(deps: DebitDependencies, cycle: str = "2026-12", amount: str = "499.00") -> Any:
    debit, _ = notify_mandate_debit(MANDATE, NotifyDebitRequest(cycle=cycle, amount=Decimal(amount)), deps)
    return debit


def execute(deps: DebitDependencies, cycle: str = "2026-12") -> Any:
    return execute_mandate_debit(MANDATE, ExecuteDebitRequest(cycle=cycle), deps)


def rule_of(excinfo: pytest.ExceptionInfo[MandateDebitRefusedError]) -> str:
    return str(excinfo.value.details["rule"])


def test_the_window_is_divided_by_the_time_scale_and_never_below_a_second() -> None:
    assert notification_window(86400, 1) == timedelta(hours=24)
    assert notification_window(86400, 60) == timedelta(seconds=1440)
    assert notification_window(30, 60) == timedelta(seconds=1)


def test_a_cycle_is_notified_once_and_announces_the_end_of_the_window(
    deps: DebitDependencies, juspay: FakeJuspay, clock: Clock
) -> None:
    debit, created = notify_mandate_debit(
        MANDATE, NotifyDebitRequest(cycle="2026-12", amount=Decimal("499.00")), deps
    )
    assert created
    assert (debit.status, debit.notification_id, debit.amount_minor) == ("NOTIFIED", "n1", 49900)
    assert debit.debit_after == (clock.now + WINDOW).isoformat()
    assert juspay.notifies[0]["txn_date"] == int((clock.now + WINDOW).timestamp())
    assert juspay.notifies[0]["customer_id"] == CUSTOMER
    again, created = notify_mandate_debit(
        MANDATE, NotifyDebitRequest(cycle="2026-12", amount=Decimal("499.00")), deps
    )
    assert (created, again.notification_id, len(juspay.notifies)) == (False, "n1", 1)
    with pytest.raises(MandateDebitRefusedError) as excinfo:
        notified(deps, amount="500.00")
    assert rule_of(excinfo) == "cycle_amount_differs"


def test_no_execution_before_the_window_has_passed(
    deps: DebitDependencies, juspay: FakeJuspay, clock: Clock
) -> None:
    with pytest.raises(MandateDebitRefusedError) as excinfo:
        execute(deps)
    assert rule_of(excinfo) == "not_notified"
    debit = notified(deps)
    clock.advance(WINDOW.total_seconds() - 1)
    with pytest.raises(MandateDebitRefusedError) as excinfo:
        execute(deps)
    assert rule_of(excinfo) == "notification_window"
    assert excinfo.value.details["debit_after"] == debit.debit_after
    assert juspay.executions == []
    clock.advance(1)
    executed, created = execute(deps)
    assert created
    assert (executed.status, executed.txn_id) == ("PENDING", "t-1")


def test_a_cycle_is_executed_once_and_followed(
    deps: DebitDependencies, juspay: FakeJuspay, clock: Clock, follows: list[str]
) -> None:
    notified(deps)
    clock.advance(WINDOW.total_seconds())
    first, created = execute(deps)
    second, again = execute(deps)
    assert (created, again) == (True, False)
    assert first.order_id == second.order_id == execution_order_id(MANDATE, "2026-12")
    assert len(juspay.executions) == 1
    assert juspay.executions[0]["amount"] == Decimal("499.00")
    assert follows == [first.order_id]


def test_a_concurrent_execute_that_loses_the_write_never_calls_juspay(
    deps: DebitDependencies, dynamodb: RacingClient, juspay: FakeJuspay, clock: Clock
) -> None:
    debit = notified(deps)
    clock.advance(WINDOW.total_seconds())
    # Another request moves the cycle to EXECUTING between this request's read and its write.
    dynamodb.before_transact.append(lambda: deps.debits.begin_execution(debit, {"executed_at": "x"}))
    answer, created = execute(deps)
    assert not created
    assert answer.status == "PENDING", "the winner's execution, as Order Status shows it"
    assert juspay.executions == []


def test_an_unknown_outcome_is_never_executed_again_but_read(
    deps: DebitDependencies, juspay: FakeJuspay, clock: Clock, follows: list[str]
) -> None:
    notified(deps)
    clock.advance(WINDOW.total_seconds())
    juspay.execute_error = JuspayUnavailableError("timeout")
    with pytest.raises(JuspayUnavailableError):
        execute(deps)
    assert follows, "followed even so: the order may exist"
    juspay.execute_error = None
    answer, created = execute(deps)
    assert (created, answer.status, len(juspay.executions), juspay.order_calls) == (False, "PENDING", 1, 1)


def test_a_refused_execution_is_rejected_and_published_as_failed(
    deps: DebitDependencies, juspay: FakeJuspay, bus: FakeBus, clock: Clock
) -> None:
    notified(deps)
    clock.advance(WINDOW.total_seconds())
    juspay.execute_error = JuspayBadRequestError(
        "refused", error_code="invalid.mandate.state", error_message="Mandate is PAUSED"
    )
    debit, created = execute(deps)
    assert (created, debit.status, debit.error_code) == (True, "REJECTED", "invalid.mandate.state")
    assert [t for t, _ in bus.events] == ["MandateDebitFailed"]
    assert bus.events[0][1]["status"] == "REJECTED"
    execute(deps)
    assert len(bus.events) == 1


def test_final_states_come_from_order_status_and_are_published_once(
    deps: DebitDependencies, juspay: FakeJuspay, bus: FakeBus, clock: Clock
) -> None:
    notified(deps)
    clock.advance(WINDOW.total_seconds())
    debit, _ = execute(deps)
    juspay.order_state = "PENDING_VBV"
    assert settle_debit(
        debit, juspay.order_status(debit.order_id, CUSTOMER), deps, resolved_by="poll"
    ).status == ("PENDING")
    juspay.order_state = "AUTHORIZATION_FAILED"
    failed = settle_debit(debit, juspay.order_status(debit.order_id, CUSTOMER), deps, resolved_by="webhook")
    assert (failed.status, failed.error_code) == ("FAILED", "JP_801")
    settle_debit(debit, juspay.order_status(debit.order_id, CUSTOMER), deps, resolved_by="webhook")
    # Juspay's silent retry succeeds hours later.
    juspay.order_state = "CHARGED"
    done = settle_debit(failed, juspay.order_status(debit.order_id, CUSTOMER), deps, resolved_by="poll")
    assert (done.status, done.error_code, done.resolved_by) == ("SUCCEEDED", None, "poll")
    assert [t for t, _ in bus.events] == ["MandateDebitFailed", "MandateDebitSucceeded"]
    assert bus.events[1][1]["amount"] == "499.00"
    assert bus.events[1][1]["cycle"] == "2026-12"


def test_an_event_the_bus_refused_goes_out_on_the_next_look(
    deps: DebitDependencies, juspay: FakeJuspay, bus: FakeBus, clock: Clock
) -> None:
    notified(deps)
    clock.advance(WINDOW.total_seconds())
    debit, _ = execute(deps)
    juspay.order_state = "CHARGED"
    bus.fail_next = 1
    with pytest.raises(PublishError):
        settle_debit(debit, juspay.order_status(debit.order_id, CUSTOMER), deps, resolved_by="webhook")
    assert bus.events == []
    answer, _ = execute(deps)  # any later look finishes it
    assert answer.status == "SUCCEEDED"
    assert [t for t, _ in bus.events] == ["MandateDebitSucceeded"]


def test_a_failed_notification_blocks_the_debit_until_the_cycle_is_notified_again(
    deps: DebitDependencies, juspay: FakeJuspay, clock: Clock
) -> None:
    notified(deps)
    juspay.notification_answer = "FAILURE"  # confirmed by GET /notifications/{id}
    track_mandate_debit(
        {"detail-type": "NOTIFICATION_FAILED", "detail": {"content": {"notification": {"id": "n1"}}}}, deps
    )
    assert deps.debits.get(MANDATE, "2026-12").notification_status == "FAILURE"  # type: ignore[union-attr]
    clock.advance(WINDOW.total_seconds())
    with pytest.raises(MandateDebitRefusedError) as excinfo:
        execute(deps)
    assert rule_of(excinfo) == "notification_failed"
    renotified = notified(deps)
    assert (renotified.notification_id, renotified.notification_status, len(juspay.notifies)) == (
        "n2",
        "SUCCESS",
        2,
    )
    with pytest.raises(MandateDebitRefusedError) as excinfo:
        execute(deps)
    assert rule_of(excinfo) == "notification_window", "a new notification starts a new window"


def test_a_mandate_known_in_another_state_is_not_debited(deps: DebitDependencies, clock: Clock) -> None:
    deps.mandates.save(
        MandateSummary(mandate_id=MANDATE, status="PAUSED", customer_id=CUSTOMER), source="test", now=clock()
    )
    with pytest.raises(MandateDebitRefusedError) as excinfo:
        notified(deps)
    assert rule_of(excinfo) == "mandate_not_active"


def test_the_tracker_ignores_orders_that_are_no_debit_and_settles_executions(
    deps: DebitDependencies, juspay: FakeJuspay, bus: FakeBus, clock: Clock
) -> None:
    assert track_mandate_debit(
        {"detail-type": "ORDER_SUCCEEDED", "detail": {"order_id": "ord_x"}}, deps
    ).action == ("ignored")
    assert juspay.order_calls == 0
    notified(deps)
    clock.advance(WINDOW.total_seconds())
    debit, _ = execute(deps)
    juspay.order_state = "CHARGED"
    result = track_mandate_debit(
        {
            "source": "paybridge",
            "detail-type": "PendingOrderResolved",
            "detail": {"order_id": debit.order_id},
        },
        deps,
    )
    assert (result.action, result.status) == ("settled", "SUCCEEDED")
    assert bus.events[0][1]["resolved_by"] == "poll"
    assert datetime.fromisoformat(str(deps.debits.get(MANDATE, "2026-12").final_at)).tzinfo == UTC  # type: ignore[union-attr]
