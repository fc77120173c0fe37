"""GET /orders/{order_id}/refunds (merchant API, IAM auth). Thin: wiring, then ``logic.list_refunds``."""

from __future__ import annotations

import functools
from typing import Annotated, Any

from aws_lambda_powertools.event_handler.openapi.params import Path
from aws_lambda_powertools.utilities.typing import LambdaContext

from paybridge.api import error_responses, new_resolver
from paybridge.composition import refund_list
from paybridge.dal.refunds import RefundsRepository
from paybridge.logic.list_refunds import list_refunds
from paybridge.models.order_api import RefundListAnswer
from paybridge.models.validation import ORDER_ID_PATTERN
from paybridge.observability import log_correlation_ids, logger, metrics, tracer
from paybridge.settings.refunds import ListRefundsSettings

#: This function's settings: its fields are its template Environment (tests/contract checks).
SETTINGS = ListRefundsSettings

app = new_resolver()


@functools.cache
def _refunds() -> RefundsRepository:
    # Built on first use, once per container: no AWS client exists at import time.
    return refund_list.for_list_refunds(SETTINGS.from_env())


@app.get(
    "/orders/<order_id>/refunds",
    summary="An order's refunds: status, unique_request_id, amounts, Juspay's verdict and times",
    responses=error_responses(400, 404, 503),
)
def read_refunds(order_id: Annotated[str, Path(pattern=ORDER_ID_PATTERN)]) -> RefundListAnswer:
    """The order's refunds, oldest first (an empty list when it has none)."""
    return RefundListAnswer.model_validate(list_refunds(order_id, refunds=_refunds()))


@logger.inject_lambda_context(clear_state=True)
@log_correlation_ids
@tracer.capture_lambda_handler(capture_response=False)
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """API Gateway (REST, proxy) entry point."""
    return app.resolve(event, context)
