"""A Lambda handler for the routing tests: sends what it got to a queue, fails when asked to."""

from __future__ import annotations

import json
import os
from typing import Any

import boto3


class EchoFailedError(Exception):
    """Raised on request, so tests can see the error name travel."""


def lambda_handler(event: Any, context: Any) -> Any:
    boto3.client("sqs").send_message(QueueUrl=os.environ["ECHO_QUEUE_URL"], MessageBody=json.dumps(event))
    detail = event.get("detail", event) if isinstance(event, dict) else {}
    if isinstance(detail, dict) and detail.get("fail"):
        raise EchoFailedError("asked to fail")
    return {"echo": event, "remaining_ms_positive": context.get_remaining_time_in_millis() > 0}
