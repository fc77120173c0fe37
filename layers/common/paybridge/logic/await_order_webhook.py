"""The callback task of the pending-order state machine: store the wait's task token for the order.

The state machine invokes this with ``.waitForTaskToken`` and a timeout of the current backoff step. It
returns at once; the execution then waits until either settlement releases the token
(``pending_orders.release_pending_order``: a webhook settled the order, so the execution ends without
another poll) or the timeout passes (the execution polls Get Order Status).

If a webhook resolved the order before this wait began, there is no point waiting: the task reports the
stored outcome itself, and the execution ends at once. So it does when a later follow of the order replaced
this one (this execution is superseded).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field

from paybridge.dal.pending_orders import PendingOrdersRepository
from paybridge.errors import ConflictError
from paybridge.logic.pending_orders import send_outcome
from paybridge.models.pending_order import STATUS_RESOLVED
from paybridge.observability import logger

if TYPE_CHECKING:
    from mypy_boto3_stepfunctions import SFNClient


class AwaitRequest(BaseModel):
    """The task's payload, as the state machine builds it."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    task_token: str = Field(min_length=1, repr=False)
    execution_arn: str
    order_id: str = Field(min_length=1)
    customer_id: str | None = None
    follow: int = Field(ge=1)
    started_at: datetime
    deadline_at: datetime
    wait_seconds: int = Field(gt=0)
    polls: int = Field(ge=0)


@dataclass(frozen=True)
class AwaitDependencies:
    """What the task needs, passed in by the handler (or a test)."""

    repository: PendingOrdersRepository
    sfn_client: SFNClient
    clock: Callable[[], datetime]


def await_order_webhook(payload: dict[str, Any], deps: AwaitDependencies) -> dict[str, Any]:
    """Stores the token; if the order was already resolved by a webhook, releases the wait right away."""
    request = AwaitRequest.model_validate(payload)
    logger.append_keys(order_id=request.order_id)
    stored = deps.repository.record_wait(
        request.order_id,
        follow=request.follow,
        task_token=request.task_token,
        execution_arn=request.execution_arn,
        customer_id=request.customer_id,
        started_at=request.started_at,
        deadline_at=request.deadline_at,
        wait_seconds=request.wait_seconds,
        polls=request.polls,
        now=deps.clock(),
    )
    if stored:
        logger.info(
            "waiting for a webhook", extra={"wait_seconds": request.wait_seconds, "polls": request.polls}
        )
        return {"order_id": request.order_id, "waiting": True, "wait_seconds": request.wait_seconds}
    record = deps.repository.get(request.order_id) or {}
    if int(record.get("follow", 0)) > request.follow:
        outcome: dict[str, Any] = {"order_id": request.order_id, "status": None, "resolved_by": "superseded"}
    elif record.get("status") == STATUS_RESOLVED:
        outcome = {
            "order_id": request.order_id,
            "status": record.get("resolved_status"),
            "resolved_by": record.get("resolved_by"),
        }
    else:
        # Only RESOLVED or a later follow can precede a wait of this follow; anything else is a defect.
        raise ConflictError(
            "pending order record is not waiting", details={"record_status": str(record.get("status"))}
        )
    send_outcome(deps.sfn_client, request.task_token, outcome)
    logger.info("order already resolved; wait released at once")
    return {"order_id": request.order_id, "waiting": False}
