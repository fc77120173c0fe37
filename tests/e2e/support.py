"""Running `python -m paybridge_local` as a user would, and calling it over HTTP."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import requests

from paybridge_local.process import isolated_environment, running
from tests.helpers import (
    load_sample,
    routing_violations_message,
    sigv4_headers,
    version_violations_message,
    wait_until,
)


@contextmanager
def running_local_stack(
    directory: Path, *, parameter_overrides: str = "", env: dict[str, str] | None = None
) -> Iterator[dict[str, Any]]:
    """Starts the local stack on free ports; yields its outputs, the AWS client kwargs and the process.

    ``env`` adds ``LOCAL_*`` variables as a user would set them (e.g. ``LOCAL_TIME_SCALE``).
    """
    variables = isolated_environment()
    # Lambda waits a minute, then two, before retrying a failed asynchronous invocation; tests wait 1 s, 2 s.
    variables["LOCAL_ASYNC_RETRY_SECONDS"] = "1"
    if parameter_overrides:
        variables["LOCAL_PARAMETER_OVERRIDES"] = parameter_overrides
    variables.update(env or {})
    with running(directory, variables, startup_s=90, stop_s=20) as started:
        aws = {
            "endpoint_url": started.outputs["urls"]["aws"],
            "region_name": "ap-south-1",
            "aws_access_key_id": "testing",
            "aws_secret_access_key": "testing",
        }
        process = started.process
        stack = {"outputs": started.outputs, "aws": aws, "process": process, "log": started.log_path}
        yield stack
        # Whatever ran against this stack, its Juspay calls must be routed by the customer id and send
        # the version header (asked while it still runs: a test may have stopped it itself).
        if process.poll() is None:
            message = routing_violations_message(routing_violations(stack)) or version_violations_message(
                version_violations(stack)
            )
            if message:
                raise AssertionError(message)


def call(local: dict[str, Any], method: str, path: str, body: Any = None) -> requests.Response:
    """A SigV4-signed merchant API call over HTTP, made with the local stack's credentials."""
    url = local["outputs"]["urls"]["api"].rstrip("/") + path
    data = json.dumps(body) if body is not None else ""
    return requests.request(
        method, url, data=data or None, headers=sigv4_headers(method, url, data), timeout=30
    )


def eventually(predicate: Callable[[], Any], *, timeout_s: float = 60.0, what: str) -> Any:
    """Polls ``predicate`` until it is truthy; fails the test after ``timeout_s``."""
    return wait_until(predicate, what=what, timeout_s=timeout_s, interval_s=0.2)


def routing_violations(local: dict[str, Any]) -> list[dict[str, Any]]:
    """The simulator's routing violations so far (``GET /__sim/routing-violations``)."""
    sim = local["outputs"]["urls"]["juspay"]
    response = requests.get(f"{sim}/__sim/routing-violations", timeout=10)
    response.raise_for_status()
    found: list[dict[str, Any]] = response.json()
    return found


def clear_routing_violations(local: dict[str, Any]) -> None:
    """Forgets the violations seen so far (``DELETE /__sim/routing-violations``)."""
    sim = local["outputs"]["urls"]["juspay"]
    requests.delete(f"{sim}/__sim/routing-violations", timeout=10).raise_for_status()


def version_violations(local: dict[str, Any]) -> list[dict[str, Any]]:
    """The simulator's calls without a ``version`` header so far (``GET /__sim/version-violations``)."""
    sim = local["outputs"]["urls"]["juspay"]
    response = requests.get(f"{sim}/__sim/version-violations", timeout=10)
    response.raise_for_status()
    found: list[dict[str, Any]] = response.json()
    return found


def clear_version_violations(local: dict[str, Any]) -> None:
    """Forgets the calls without a ``version`` header seen so far (``DELETE /__sim/version-violations``)."""
    sim = local["outputs"]["urls"]["juspay"]
    requests.delete(f"{sim}/__sim/version-violations", timeout=10).raise_for_status()


def split_order(prefix: str, tag: str) -> dict[str, Any]:
    """Juspay's split-payment sample (card + the merchant's wallet) as a new order: its own order id,
    customer and transaction ids, so each test's orders are its own."""
    order = load_sample("order_status_split_partial_charged_custom_wallet.json")
    order["order_id"] = f"{prefix}{tag}{int(time.time() * 1000) % 10**9}"
    order["customer_id"] = f"{prefix}cust{order['order_id']}"
    for index, txn in enumerate(order["txn_list"], start=1):
        txn["txn_id"] = txn["txn_detail"]["txn_id"] = f"{order['order_id']}-{index}"
        txn["txn_detail"]["order_id"] = order["order_id"]
    return order


def balance(local: dict[str, Any], customer: str) -> str:
    """The customer's wallet balance, as the merchant API answers it."""
    return str(call(local, "GET", f"/wallets/{customer}").json()["balance"])


def fund_and_deliver(local: dict[str, Any], order: dict[str, Any], idempotency_key: str) -> None:
    """Tops the order's customer up (100.00), makes the order Juspay's and delivers its
    ORDER_PARTIAL_CHARGED webhook, as a payment through the SDK would."""
    credit = call(
        local,
        "POST",
        f"/wallets/{order['customer_id']}/credits",
        {"amount": "100.00", "currency": "INR", "idempotency_key": idempotency_key},
    )
    assert credit.status_code == 201, credit.text
    deliver_order(local, order)


def deliver_order(
    local: dict[str, Any], order: dict[str, Any], event_name: str = "ORDER_PARTIAL_CHARGED"
) -> None:
    """Makes ``order`` Juspay's (the simulator's) and has the simulator deliver its ``event_name`` webhook."""
    sim = local["outputs"]["urls"]["juspay"]
    assert requests.put(f"{sim}/__sim/orders/{order['order_id']}", json=order, timeout=10).ok
    delivery = requests.post(
        f"{sim}/__sim/orders/{order['order_id']}/webhook", json={"event_name": event_name}, timeout=60
    )
    assert delivery.status_code == 200, delivery.text
    answer: dict[str, Any] = delivery.json()
    return answer
