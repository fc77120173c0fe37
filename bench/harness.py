"""What the warm and remote-call benchmarks share: the in-process stack (moto built from template.yaml and the
Juspay simulator), fresh handler modules, proxy events, and timers that take remote calls apart."""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import statistics
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import boto3
import requests
from botocore.client import BaseClient
from moto import mock_aws

from paybridge.observability import logger
from paybridge_local.simulator import JuspaySimulator
from paybridge_local.stack import LocalSettings, LocalStack, build_stack

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT.parent / "shared" / "juspay-samples"
SPLIT_WEBHOOK = "webhook_order_partial_charged_merchant_container_split.json"
SPLIT_ORDER = "order_status_split_partial_charged_custom_wallet.json"  # 40.00 card + 10.00 wallet
REGION = "ap-south-1"


def percentiles(samples: list[float]) -> tuple[float, float]:
    """(p50, p99) of ``samples``."""
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    return cuts[49], cuts[98]


class RemoteClock:
    """Seconds spent in AWS calls (moto included) and Juspay HTTP calls while installed."""

    def __init__(self) -> None:
        self.seconds = 0.0

    @contextmanager
    def installed(self) -> Iterator[None]:
        originals = (getattr(BaseClient, "_make_api_call"), requests.Session.send)  # noqa: B009

        def wrap(original: Callable[..., Any]) -> Callable[..., Any]:
            def timed(*args: Any, **kwargs: Any) -> Any:
                start = time.perf_counter()
                try:
                    return original(*args, **kwargs)
                finally:
                    self.seconds += time.perf_counter() - start

            return timed

        setattr(BaseClient, "_make_api_call", wrap(originals[0]))  # noqa: B010 - private, untyped
        requests.Session.send = wrap(originals[1])  # type: ignore[method-assign]
        try:
            yield
        finally:
            setattr(BaseClient, "_make_api_call", originals[0])  # noqa: B010
            requests.Session.send = originals[1]  # type: ignore[method-assign]


def timed(calls: list[Callable[[], object]]) -> list[float]:
    """Seconds per call."""
    return [total for total, _ in timed_own(calls)]


def timed_own(calls: list[Callable[[], object]]) -> list[tuple[float, float]]:
    """(total, own) seconds per call; own is total minus the time spent in remote calls."""
    out = []
    clock = RemoteClock()
    # The handlers print their metrics (EMF) on stdout; the bench prints figures only.
    with open(os.devnull, "w") as devnull, contextlib.redirect_stdout(devnull), clock.installed():
        for call in calls:
            remote = clock.seconds
            start = time.perf_counter()
            call()
            total = time.perf_counter() - start
            out.append((total, total - (clock.seconds - remote)))
    return out


class Context:
    """The parts of Lambda's context the handlers and Powertools read."""

    function_name = "bench"
    invoked_function_arn = f"arn:aws:lambda:{REGION}:123456789012:function:bench"
    memory_limit_in_mb = 512
    function_version = "$LATEST"
    log_group_name = "/aws/lambda/bench"
    log_stream_name = "bench"

    def __init__(self) -> None:
        self.aws_request_id = str(uuid.uuid4())

    def get_remaining_time_in_millis(self) -> int:
        return 15_000


@contextmanager
def bench_stack(
    *, keep_targets: bool = False, **overrides: str
) -> Iterator[tuple[LocalStack, JuspaySimulator, LocalSettings]]:
    """moto in-process with every template resource, the simulator on a free port, handlers' settings set."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    settings = LocalSettings(
        region=REGION, juspay_port=port, stack_name="bench", parameter_overrides=overrides
    )
    saved = dict(os.environ)
    os.environ.update(
        {
            "AWS_DEFAULT_REGION": REGION,
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "POWERTOOLS_TRACE_DISABLED": "true",
            "POWERTOOLS_LOG_LEVEL": "WARNING",
            "POWERTOOLS_METRICS_DISABLED": "true",
        }
    )
    logger.setLevel("CRITICAL")  # created at import, before this environment; the bench reads no logs
    sim = JuspaySimulator(port=port, api_key=settings.juspay_api_key, merchant_id=settings.juspay_merchant_id)
    sim.start()
    try:
        with mock_aws(config={"lambda": {"use_docker": False}}):
            stack = build_stack(boto3.session.Session(region_name=REGION), settings)
            for spec in stack.provisioned.functions.values():
                os.environ.update(spec.environment)
            try:
                if not keep_targets:
                    queue_targets_only(stack)
                yield stack, sim, settings
            finally:
                stack.close()
    finally:
        sim.stop()
        os.environ.clear()
        os.environ.update(saved)


def queue_targets_only(stack: LocalStack) -> None:
    """Removes every bus rule target but SQS queues."""
    # The measured call only: nothing the bus would start runs behind it and competes for the CPU.
    events = stack.session.client("events")
    for bus in events.list_event_buses()["EventBuses"]:
        for rule in events.list_rules(EventBusName=bus["Name"])["Rules"]:
            targets = events.list_targets_by_rule(Rule=rule["Name"], EventBusName=bus["Name"])["Targets"]
            ids = [t["Id"] for t in targets if ":sqs:" not in t["Arn"]]
            if ids:
                events.remove_targets(Rule=rule["Name"], EventBusName=bus["Name"], Ids=ids)


def handler_module(package: str) -> Callable[[dict[str, Any], Any], Any]:
    """``functions/<package>/app.py``'s ``lambda_handler``, from a freshly loaded module."""
    # A fresh module per stack, as a new container would load it: its clients reach this stack's moto, and
    # nothing another section changed in an imported module (bench.api_route's stub) leaks in.
    path = ROOT / "functions" / package / "app.py"
    spec = importlib.util.spec_from_file_location(f"bench_fn_{package}_{uuid.uuid4().hex[:8]}", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is made
    spec.loader.exec_module(module)
    handler: Callable[[dict[str, Any], Any], Any] = module.lambda_handler
    return handler


def api_event(path: str, body: str, headers: dict[str, str]) -> dict[str, Any]:
    """An API Gateway REST proxy event for ``POST path``."""
    return {
        "resource": path,
        "path": path,
        "httpMethod": "POST",
        "headers": {"Content-Type": "application/json", **headers},
        "multiValueHeaders": {"Content-Type": ["application/json"], **{k: [v] for k, v in headers.items()}},
        "queryStringParameters": None,
        "pathParameters": None,
        "requestContext": {"resourcePath": path, "httpMethod": "POST", "requestId": "bench"},
        "body": body,
        "isBase64Encoded": False,
    }


def credit(customer: str, minor: int) -> None:
    """Credits ``minor`` units to the customer's wallet through the credit handler."""
    handler = handler_module("credit_wallet")
    path = f"/wallets/{customer}/credits"
    body = json.dumps(
        {"amount": f"{minor // 100}.{minor % 100:02d}", "currency": "INR", "idempotency_key": "b"}
    )
    event = {**api_event(path, body, {}), "resource": "/wallets/{customer_id}/credits"}
    event["pathParameters"] = {"customer_id": customer}
    event["requestContext"]["resourcePath"] = "/wallets/{customer_id}/credits"
    answer = handler(event, Context())
    assert answer["statusCode"] in (200, 201), answer
