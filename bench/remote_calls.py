"""Remote calls a piece of work makes: every AWS API call (a botocore ``before-call`` event hook on every
client created while counting) and every Juspay call (the simulator's request log, ``/__sim/requests``)."""

from __future__ import annotations

import sys
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any

import botocore.session
import requests

#: What a split order settled by its first webhook may cost (issue 12); compared with the counts measured.
TARGET = {
    "dynamodb.dedup write": 1,
    "events.PutEvents": 1,
    "juspay.GET /orders/{id}": 1,
    "dynamodb.TransactWriteItems": 1,
    "states.StartExecution": 0,
}


#: DynamoDB operations that read.
_READS = frozenset({"GetItem", "BatchGetItem", "TransactGetItems", "Query", "Scan"})


class CallCounter:
    """AWS calls as ``service.Operation`` → count, collected from every client created while installed;
    ``by_function`` the same per function folder that created the client (``functions/<name>``)."""

    def __init__(self) -> None:
        self.aws: Counter[str] = Counter()
        self.by_function: dict[str, Counter[str]] = {}
        self._lock = threading.Lock()

    def _counter_for(self, owner: str) -> Any:
        def count(model: Any, **_: Any) -> None:
            name = f"{model.service_model.endpoint_prefix}.{model.name}"
            with self._lock:
                self.aws[name] += 1
                self.by_function.setdefault(owner, Counter())[name] += 1

        return count


def _creating_function() -> str:
    """The ``functions/<name>`` folder on the stack creating a client (the handler's own), or ``other``."""
    frame: FrameType | None = sys._getframe(2)
    while frame is not None:
        parts = frame.f_code.co_filename.replace("\\", "/").split("/")
        if "functions" in parts[:-1]:
            return parts[parts.index("functions") + 1]
        frame = frame.f_back
    return "other"


@contextmanager
def counting_aws_calls() -> Iterator[CallCounter]:
    """Counts the calls of every botocore client created inside the block (clients made before it are not
    seen: the handlers build theirs on first use, so count from a fresh stack or a fresh handler)."""
    counter = CallCounter()
    original = botocore.session.Session.create_client

    def create_client(self: botocore.session.Session, *args: Any, **kwargs: Any) -> Any:
        client = original(self, *args, **kwargs)
        client.meta.events.register("before-call", counter._counter_for(_creating_function()))
        return client

    botocore.session.Session.create_client = create_client  # type: ignore[method-assign]
    try:
        yield counter
    finally:
        botocore.session.Session.create_client = original  # type: ignore[method-assign]


def juspay_calls(simulator_url: str) -> Counter[str]:
    """The simulator's request log as ``METHOD path-shape`` → count (order ids folded to ``{id}``)."""
    log = requests.get(f"{simulator_url}/__sim/requests", timeout=10).json()
    shapes: Counter[str] = Counter()
    for entry in log:
        parts = entry["path"].strip("/").split("/")
        shape = "/" + "/".join(parts[:1] + ["{id}"] * (len(parts) > 1) + parts[2:])
        shapes[f"{entry['method']} {shape}"] += 1
    return shapes


def measure() -> tuple[Counter[str], Counter[str], dict[str, Counter[str]]]:
    """(AWS calls, Juspay calls, AWS calls per function) of the split-payment sample webhook through the
    webhook route, the bus and settlement, with the customer's wallet funded and the order known to the
    simulator."""
    import base64
    import json

    from werkzeug.test import EnvironBuilder
    from werkzeug.wrappers import Request

    from bench import harness
    from paybridge_local.api_gateway import LocalApiGateway

    body = json.loads((harness.SAMPLES / harness.SPLIT_WEBHOOK).read_text())
    order = body["content"]["order"]
    with harness.bench_stack(keep_targets=True) as (stack, _, settings):
        url = f"http://127.0.0.1:{settings.juspay_port}"
        requests.put(f"{url}/__sim/orders/{order['order_id']}", json=order, timeout=10).raise_for_status()
        harness.credit(order["customer_id"], 500_000)
        requests.delete(f"{url}/__sim/requests", timeout=10)
        gateway = LocalApiGateway(
            stack.provisioned.routes,
            stack.runtime,
            region=stack.provisioned.region,
            access_key=settings.access_key,
            secret_key=settings.secret_key,
        )
        credentials = f"{settings.webhook_username}:{settings.webhook_password}".encode()
        headers = {
            "Content-Type": "application/json",
            "Authorization": "Basic " + base64.b64encode(credentials).decode(),
        }
        builder = EnvironBuilder(
            method="POST", path="/webhooks/juspay", data=json.dumps(body), headers=list(headers.items())
        )
        with counting_aws_calls() as counter:
            answer = gateway.handle(Request(builder.get_environ()))
            stack.runtime.drain()
        builder.close()
        assert answer.status_code == 200, answer.get_data(as_text=True)
        return counter.aws, juspay_calls(url), counter.by_function


def report(calls: tuple[Counter[str], Counter[str], dict[str, Counter[str]]]) -> bool:
    """Prints every call counted (in all and per function) and the target; True when within it."""
    aws, juspay, by_function = calls
    measured: Counter[str] = Counter({**aws, **{f"juspay.{k}": v for k, v in juspay.items()}})
    for name, count in sorted(measured.items()):
        print(f"{name:40} {count:3}")
    for function, counted in sorted(by_function.items()):
        print(f"  {function}: " + ", ".join(f"{k} {v}" for k, v in sorted(counted.items())))
    dynamodb_writes = sum(
        v for k, v in aws.items() if k.split(".")[1] in {"PutItem", "UpdateItem", "DeleteItem"}
    )
    extra = {
        "dynamodb reads (GetItem/BatchGetItem/Query)": sum(
            v for k, v in aws.items() if k.split(".")[-1] in _READS and k.startswith("dynamodb.")
        ),
        "dynamodb single-item writes beyond the dedup write": max(0, dynamodb_writes - 1),
        "events.PutEvents beyond one": max(0, aws["events.PutEvents"] - 1),
        "juspay calls beyond one Order Status": sum(juspay.values()) - juspay["GET /orders/{id}"],
        "dynamodb.TransactWriteItems beyond one": max(0, aws["dynamodb.TransactWriteItems"] - 1),
        "states.StartExecution (follower)": aws["states.StartExecution"],
    }
    ok = juspay["GET /orders/{id}"] <= 1 and not any(extra.values())
    print("target: the dedup write, one PutEvents, one Order Status, one DynamoDB transaction, no follower")
    for name, count in extra.items():
        print(f"  {name:52} {count:3}{'  FAIL' if count else ''}")
    print("  " + ("ok" if ok else "FAIL"))
    return ok
