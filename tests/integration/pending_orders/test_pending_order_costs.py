"""What following costs, measured on the real definition with the default schedule and expiry, a day
compressed by the template's ``TimeScale`` (as ``LOCAL_TIME_SCALE`` does for ``make local``). The schedule
counts scheduled seconds, so the scale changes how long the test takes, never how many polls it costs. The
README's cost table quotes these numbers."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from paybridge.logic.pending_orders import execution_name
from paybridge.models.pending_order import STATUS_ABANDONED, STATUS_STALE
from paybridge_local.api_gateway import LocalApiGateway
from paybridge_local.simulator import JuspaySimulator
from paybridge_local.stack import LocalStack
from tests.helpers import signed

from .support import cost, finished, of_type, order, put_order, repository, start, status_polls, tap

#: A day in 15 s: the default waits (30 s doubling to 4 h) become 1 to 3 s.
DAY_IN_SECONDS = {"TimeScale": "5760"}
#: The default 15-minute expiry in 1 s.
EXPIRY_IN_A_SECOND = {"TimeScale": "900"}


@pytest.mark.parametrize("pending_parameters", [DAY_IN_SECONDS])
def test_an_order_pending_for_the_whole_deadline(stack: LocalStack, simulator: JuspaySimulator) -> None:
    order_id = "po_cost_day"
    put_order(simulator, order(order_id, "PENDING_VBV"))
    started = start(stack, order_id)
    assert started.execution_arn is not None

    execution = finished(stack, started.execution_arn, timeout_s=120)
    stack.runtime.drain()

    assert execution["status"] == "SUCCEEDED"
    assert json.loads(execution["output"])["outcome"] == "stale"
    spent = cost(stack, started.execution_arn)
    assert spent.polls == status_polls(simulator, order_id) == 15 <= 20
    assert spent.transitions == 47 <= 60
    assert spent.task_invocations == {"AwaitWebhookOrTimeout": 15, "CheckOrderStatus": 15}
    assert (repository(stack).get(order_id) or {})["status"] == STATUS_STALE
    assert len(of_type(tap(stack), "OrderStale")) == 1


@pytest.mark.parametrize("pending_parameters", [EXPIRY_IN_A_SECOND])
def test_a_signed_order_never_created(
    gateway: LocalApiGateway, stack: LocalStack, simulator: JuspaySimulator
) -> None:
    order_id = "pocostabandoned"
    body = {"order_id": order_id, "amount": "50.00", "currency": "INR", "customer_id": "cust_cost_1"}
    assert signed(gateway, "POST", "/sdk/process", json.dumps(body)).status_code == 200
    item = repository(stack).get(order_id)
    assert item is not None
    machine = str(stack.output("PendingOrderStateMachine"))
    arn = machine.replace(":stateMachine:", ":execution:") + ":" + execution_name(order_id, 1)

    execution = finished(stack, arn, timeout_s=60)
    stack.runtime.drain()

    assert execution["status"] == "SUCCEEDED"
    assert json.loads(execution["output"])["outcome"] == "abandoned"
    spent = cost(stack, arn)
    assert spent.polls == status_polls(simulator, order_id) == 6
    assert spent.transitions == 20
    assert spent.states[-1] == "Abandoned"
    assert (repository(stack).get(order_id) or {})["status"] == STATUS_ABANDONED
    events = tap(stack)
    [abandoned] = of_type(events, "OrderAbandoned")
    assert abandoned["detail"]["polls"] == 6
    # The default expiry: 15 minutes after signing, scaled by 900 to one second.
    expired_at = datetime.fromisoformat(abandoned["detail"]["expired_at"])
    assert 0 < (datetime.now(UTC) - expired_at).total_seconds() < 60
    assert of_type(events, "PendingOrderFailed") == []
