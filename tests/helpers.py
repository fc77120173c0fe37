"""Helpers shared by the test suites: sample payloads and calling the local API in-process."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request, Response

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT.parent / "shared" / "juspay-samples"
EVENTS = ROOT / "events"


def sample_path(name: str) -> Path:
    """A Juspay sample file from ../shared/juspay-samples."""
    return SAMPLES / name


def load_sample(name: str) -> Any:
    """A strict-JSON Juspay sample, parsed."""
    return json.loads(sample_path(name).read_text(encoding="utf-8"))


def strict_json_samples(prefix: str) -> list[Path]:
    """Every sample whose name starts with ``prefix`` and that Python's json accepts, sorted by name."""
    found = []
    for path in sorted(SAMPLES.glob(f"{prefix}*.json")):
        try:
            json.loads(path.read_text(encoding="utf-8"))
        except ValueError:
            continue
        found.append(path)
    return found


def basic_auth(username: str, password: str) -> str:
    """An ``Authorization`` header value for HTTP Basic."""
    return "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()


def http(
    gateway: Any,
    method: str,
    path: str,
    *,
    body: bytes | str | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    """Sends one request through the local API Gateway in-process (no socket)."""
    data = body.encode() if isinstance(body, str) else body
    builder = EnvironBuilder(method=method, path=path, data=data, headers=headers or {})
    try:
        request = Request(builder.get_environ())
        response: Response = gateway.handle(request)
        return response
    finally:
        builder.close()


def sigv4_headers(
    method: str,
    url: str,
    body: bytes | str = b"",
    *,
    access_key: str = "testing",
    secret_key: str = "testing",
    region: str = "ap-south-1",
) -> dict[str, str]:
    """Headers of a request signed for API Gateway (service ``execute-api``), as an IAM caller would."""
    from urllib.parse import urlsplit

    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    data = body.encode() if isinstance(body, str) else body
    request = AWSRequest(method=method, url=url, data=data, headers={"Content-Type": "application/json"})
    SigV4Auth(Credentials(access_key, secret_key), "execute-api", region).add_auth(request)
    headers = dict(request.headers.items())
    headers["Host"] = urlsplit(url).netloc
    return headers


def signed(gateway: Any, method: str, path: str, body: bytes | str = b"") -> Response:
    """Sends one SigV4-signed request through the local API Gateway in-process."""
    url = f"http://localhost{path}"
    return http(gateway, method, path, body=body or None, headers=sigv4_headers(method, url, body))


def bus_events(stack: Any) -> list[dict[str, Any]]:
    """Every event on the stack's bus so far, in arrival order (drained from the local event tap)."""
    sqs = stack.session.client("sqs")
    url = stack.output("LocalEventTap")
    found: list[dict[str, Any]] = []
    while True:
        messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
        if not messages:
            return found
        for message in messages:
            found.append(json.loads(message["Body"]))
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])


def wait_until(
    predicate: Callable[[], Any],
    *,
    what: str = "condition",
    timeout_s: float = 30.0,
    interval_s: float = 0.05,
) -> Any:
    """Polls ``predicate`` until it returns something truthy and returns that; fails after ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval_s)
    raise AssertionError(f"timed out waiting for {what}")


def routing_violations_message(violations: list[dict[str, Any]]) -> str | None:
    """A failure message for the simulator's routing violations (``/__sim/routing-violations``), or None.

    Every Juspay call must carry the customer id of its order or mandate in ``x-routing-id`` (the order id
    only for a guest order): the suites fail a test that made a call routed otherwise.
    """
    if not violations:
        return None
    lines = [
        f"  {v['method']} {v['path']}: x-routing-id={v['routing_id']!r},"
        f" expected {v['expected_routing_id']!r} ({v['reason']})"
        for v in violations
    ]
    return "Juspay calls with the wrong x-routing-id:\n" + "\n".join(lines)


def version_violations_message(violations: list[dict[str, Any]]) -> str | None:
    """A failure message for the simulator's version violations (``/__sim/version-violations``), or None.

    Every Juspay call must send the ``version`` header: Juspay shapes its answers by it.
    """
    if not violations:
        return None
    lines = [f"  {v['method']} {v['path']}: {v['reason']}" for v in violations]
    return "Juspay calls without the version header:\n" + "\n".join(lines)
