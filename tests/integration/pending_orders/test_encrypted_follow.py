"""The pending-order follower's poll task with ``JuspayApiMode=encrypted``: its Order Status reads go through
Juspay's encrypted v4 API (the poll task builds its client with the one factory, like every function)."""

from __future__ import annotations

import json

import pytest

from paybridge_local.simulator import JuspaySimulator
from paybridge_local.stack import LocalStack

from .conftest import SHORT_WAITS
from .support import finished, order, put_order, start, status_polls


@pytest.mark.parametrize(
    "pending_parameters", [{**SHORT_WAITS, "PendingOrderDeadlineSeconds": "60", "JuspayApiMode": "encrypted"}]
)
def test_an_order_followed_in_encrypted_mode_is_polled_over_the_v4_api(
    stack: LocalStack, simulator: JuspaySimulator
) -> None:
    assert stack.environment["JUSPAY_API_MODE"] == "encrypted"
    order_id = "po_jwe_1"
    put_order(simulator, order(order_id, "CHARGED"))
    started = start(stack, order_id)
    assert started.execution_arn is not None
    execution = finished(stack, started.execution_arn)
    stack.runtime.drain()

    assert execution["status"] == "SUCCEEDED"
    assert json.loads(execution["output"])["status"] == "CHARGED"
    assert status_polls(simulator, order_id) == 0  # no plain GET /orders/{id}
    polls = [c for c in simulator.jwe.calls() if c["inner_path"] == f"/orders/{order_id}"]
    assert polls
    assert {(c["path"], c["key_id"], c["status"]) for c in polls} == {
        ("/v4/order-status", "local-jwt-key", 200)
    }
