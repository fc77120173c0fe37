"""Publishing to the EventBridge bus. A publish either lands or raises ``PublishError``: a partial failure
(``FailedEntryCount`` > 0 with HTTP 200) counts as a failure."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from paybridge import jsonutil
from paybridge.errors import PublishError, UnpublishableEventError
from paybridge.observability import logger

if TYPE_CHECKING:
    from mypy_boto3_events import EventBridgeClient
    from mypy_boto3_events.type_defs import PutEventsRequestEntryTypeDef

#: EventBridge's limit for one PutEvents entry (256 KB), counted as AWS documents it.
MAX_ENTRY_BYTES = 256 * 1024

#: Entry error codes that a later PutEvents may not get; any other code refuses the entry for what it is.
TRANSIENT_ENTRY_ERRORS = frozenset(
    {"ThrottlingException", "InternalFailure", "InternalException", "ServiceUnavailable", None}
)

#: Source of events Juspay sent us; domain events the system itself emits use ``SOURCE_PAYBRIDGE``.
SOURCE_JUSPAY = "juspay"
SOURCE_PAYBRIDGE = "paybridge"


def trace_header_now() -> str | None:
    """The invocation's X-Ray trace header (``_X_AMZN_TRACE_ID``, set by Lambda per invocation), so that
    the trace goes on through EventBridge to the rules' targets; None outside a traced invocation."""
    return os.environ.get("_X_AMZN_TRACE_ID") or None


def entry_size(source: str, detail_type: str, detail_json: str, resources: list[str] | None = None) -> int:
    """Size of a PutEvents entry as EventBridge computes it (UTF-8 bytes of its fields)."""
    size = len(source.encode()) + len(detail_type.encode()) + len(detail_json.encode())
    return size + sum(len(r.encode()) for r in resources or [])


class EventPublisher:
    """Puts one event at a time on one bus."""

    def __init__(self, client: EventBridgeClient, bus_name: str) -> None:
        self._client = client
        self.bus_name = bus_name

    def publish(self, source: str, detail_type: str, detail: dict[str, Any]) -> str:
        """Publishes and returns EventBridge's event id. Raises ``PublishError`` if the event did not land."""
        return self.publish_json(source, detail_type, jsonutil.dumps(detail))

    def publish_json(self, source: str, detail_type: str, detail_json: str) -> str:
        """``publish`` for a detail already written as JSON (``paybridge.jsonutil.dumps``: no floats)."""
        size = entry_size(source, detail_type, detail_json)
        if size > MAX_ENTRY_BYTES:
            raise PublishError(f"event of {size} bytes is over EventBridge's {MAX_ENTRY_BYTES} byte limit")
        entry: PutEventsRequestEntryTypeDef = {
            "Source": source,
            "DetailType": detail_type,
            "Detail": detail_json,
            "EventBusName": self.bus_name,
        }
        trace_header = trace_header_now()
        if trace_header:
            entry["TraceHeader"] = trace_header
        try:
            response = self._client.put_events(Entries=[entry])
        except Exception as exc:  # any transport or service error means "not on the bus"
            logger.warning("put_events raised", extra={"error_type": type(exc).__name__})
            raise PublishError("could not publish the event") from exc
        entries = response.get("Entries", [])
        if response.get("FailedEntryCount", 0) or not entries or "EventId" not in entries[0]:
            code = entries[0].get("ErrorCode") if entries else None
            logger.warning("put_events rejected the entry", extra={"error_code": code})
            if code and code not in TRANSIENT_ENTRY_ERRORS:
                raise UnpublishableEventError(
                    "the event bus refuses this event", details={"error_code": code}
                )
            raise PublishError("the event bus rejected the event", details={"error_code": code})
        return str(entries[0]["EventId"])
