"""Logger, Tracer and Metrics shared by every function; the masking policy applied to every log record;
correlation ids on every record.

Powertools objects are cheap to create and hold no AWS clients, so they live at module level; handlers
decorate themselves with them. Every record of every function goes through ``MaskingFormatter``, which runs
``redact`` (``paybridge.masking``: by key and by value) over the whole record, exception text included, so
a value that slipped into a message or an ``extra`` never reaches the log. ``log_correlation_ids`` puts the
Juspay event id and the order id of the invocation on every record it writes.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Mapping
from typing import Any, cast

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.logging.formatter import LambdaPowertoolsFormatter
from aws_lambda_powertools.logging.types import LogRecord
from aws_lambda_powertools.logging.utils import copy_config_to_registered_loggers
from aws_lambda_powertools.metrics import MetricUnit

from paybridge.masking import REDACTED, mask_text, redact, register_secret

__all__ = [
    "REDACTED",
    "MaskingFormatter",
    "MetricUnit",
    "correlation_ids",
    "log_correlation_ids",
    "logger",
    "mask_text",
    "metrics",
    "redact",
    "register_secret",
    "tracer",
]


class MaskingFormatter(LambdaPowertoolsFormatter):
    """Powertools' JSON formatter; the masking policy runs over the whole record before it is written."""

    def serialize(self, log: LogRecord) -> str:
        """The record as JSON, masked."""
        return super().serialize(cast(LogRecord, redact(dict(log))))


logger = Logger(service="paybridge", logger_formatter=MaskingFormatter())

#: Libraries whose records a function may write (retries, credential lookups, Powertools' own warnings).
#: They get the same handler and masking formatter, at WARNING: their DEBUG/INFO chatter stays out.
LIBRARY_LOGGERS = frozenset({"botocore", "boto3", "urllib3", "requests"})
for _name in LIBRARY_LOGGERS:
    logging.getLogger(_name)  # registered now, so the copy below reaches it even before it is imported
copy_config_to_registered_loggers(source_logger=logger, log_level="WARNING", include=set(LIBRARY_LOGGERS))
# Only botocore is patched at import: patching all that X-Ray supports imports requests, sqlite3, http.client
# and more into every function (a large share of a cold start). The Juspay client patches requests when it
# builds its session (paybridge.juspay.transport), so only functions that call Juspay pay for it.
tracer = Tracer(service="paybridge", patch_modules=("botocore",))
metrics = Metrics(namespace="Paybridge", service="paybridge")

#: The correlation keys every record carries when the invocation names them.
CORRELATION_KEYS = ("juspay_event_id", "order_id")


def correlation_ids(event: Any) -> dict[str, str]:
    """The Juspay event id and the order id an invocation is about, from whichever input shape it has.

    EventBridge events carry them in ``detail`` (``event_id``, ``order_id``); Step Functions task inputs at
    the top level (``juspay_event_id``, ``order_id``); API requests in the path (``order_id``). A webhook's
    body is not read here: ingestion appends its ids once the delivery is authenticated and parsed (an
    unauthenticated body's ids are the sender's word, and the body is parsed once). Anything else names none.
    """
    if not isinstance(event, Mapping):
        return {}
    found: dict[str, Any] = {}
    detail = event.get("detail")
    if isinstance(detail, Mapping) and "detail-type" in event:
        found = {
            "juspay_event_id": detail.get("event_id"),
            "order_id": detail.get("order_id"),
            "bus_event_id": event.get("id"),
        }
    elif "httpMethod" in event or "requestContext" in event:
        path = event.get("pathParameters")
        found = {"order_id": path.get("order_id") if isinstance(path, Mapping) else None}
    else:
        found = {"juspay_event_id": event.get("juspay_event_id"), "order_id": event.get("order_id")}
    return {k: v for k, v in found.items() if isinstance(v, str) and v}


def log_correlation_ids[HandlerT: Callable[..., Any]](handler: HandlerT) -> HandlerT:
    """Handler decorator (below ``logger.inject_lambda_context``, which clears the keys per invocation):
    appends the invocation's correlation ids to every record it logs."""

    @functools.wraps(handler)
    def with_correlation_ids(event: Any, context: Any, *args: Any, **kwargs: Any) -> Any:
        ids = correlation_ids(event)
        if ids:
            logger.append_keys(**ids)
        return handler(event, context, *args, **kwargs)

    return cast(HandlerT, with_correlation_ids)
