"""A Lambda handler for the routing tests: sends what it got to a queue, fails when asked to.

``hold`` keeps it busy for that many seconds and counts how many invocations were inside it at once;
``nested`` makes it invoke itself synchronously, which the local runtime must refuse.
"""

from __future__ import annotations

import json
import os
import threading
import time
from typing import Any

import boto3

_guard = threading.Lock()
inside = 0
peak_inside = 0


class EchoFailedError(Exception):
    """Raised on request, so tests can see the error name travel."""


def lambda_handler(event: Any, context: Any) -> Any:
    global inside, peak_inside
    with _guard:
        inside += 1
        peak_inside = max(peak_inside, inside)
    try:
        return _handle(event, context)
    finally:
        with _guard:
            inside -= 1


def _handle(event: Any, context: Any) -> Any:
    detail = event.get("detail", event) if isinstance(event, dict) else {}
    if isinstance(detail, dict) and detail.get("hold"):
        time.sleep(float(detail["hold"]))
        return {"held": True}
    if isinstance(detail, dict) and detail.get("env"):
        # What this execution environment sees (the worker runtime gives each function only its own).
        return {"env": {name: os.environ.get(name) for name in detail["env"]}, "remaining_ms_positive": True}
    if isinstance(detail, dict) and detail.get("nested"):
        boto3.client("lambda").invoke(FunctionName="echo", Payload=b"{}")
    boto3.client("sqs").send_message(QueueUrl=os.environ["ECHO_QUEUE_URL"], MessageBody=json.dumps(event))
    if isinstance(detail, dict) and detail.get("fail"):
        raise EchoFailedError("asked to fail")
    return {"echo": event, "remaining_ms_positive": context.get_remaining_time_in_millis() > 0}
