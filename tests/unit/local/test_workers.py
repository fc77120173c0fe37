"""The worker runtime: each function in its own processes, concurrent, with its own environment, its own
IAM statements and its own timeout; async failures retried as Lambda would, then dead-lettered."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto.server import ThreadedMotoServer

from paybridge_local.lambdas import FunctionError, RuntimeClosedError
from paybridge_local.provision import FunctionSpec, Provisioned
from paybridge_local.workers import WorkerRuntime, base_environment
from tests.conftest import free_port
from tests.helpers import wait_until

REGION = "ap-south-1"
ACCOUNT = "123456789012"
ECHO_DIR = Path(__file__).parent / "echo_fn"


@pytest.fixture(scope="module")
def moto_url() -> Iterator[str]:
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


def _spec(name: str, queue_url: str, *, timeout_s: int = 5, allow_send: bool = True) -> FunctionSpec:
    queue_arn = f"arn:aws:sqs:{REGION}:{ACCOUNT}:{queue_url.rsplit('/', 1)[-1]}"
    statements = (
        [{"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": queue_arn}] if allow_send else []
    )
    return FunctionSpec(
        logical_id=name,
        name=name,
        arn=f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}",
        code_dir=ECHO_DIR,
        handler="app.lambda_handler",
        environment={"ECHO_QUEUE_URL": queue_url, f"ONLY_{name.upper()}": "1"},
        timeout_s=timeout_s,
        statements=statements,
        on_failure_arn="arn:aws:sqs:x:1:dlq",
    )


@pytest.fixture
def runtime(moto_url: str) -> Iterator[dict[str, Any]]:
    sqs = boto3.client(
        "sqs", region_name=REGION, endpoint_url=moto_url, aws_access_key_id="t", aws_secret_access_key="t"
    )
    queue = sqs.create_queue(QueueName=f"echo-{time.monotonic_ns()}")["QueueUrl"]
    provisioned = Provisioned(region=REGION)
    for spec in (
        _spec("echo", queue),
        _spec("slow", queue, timeout_s=1),
        _spec("denied", queue, allow_send=False),
    ):
        provisioned.functions[spec.logical_id] = spec
    dead: list[tuple[str, dict[str, Any]]] = []
    environment = base_environment(region=REGION, access_key="t", secret_key="t", endpoint_url=moto_url)
    built = WorkerRuntime(
        provisioned,
        on_dead_letter=lambda arn, message: dead.append((arn, message)),
        base_environment={**environment, "POWERTOOLS_TRACE_DISABLED": "true"},
        concurrency=3,
        retry_delays_s=(0.05, 0.1),
    )
    try:
        yield {"runtime": built, "sqs": sqs, "queue": queue, "dead": dead}
    finally:
        built.close()


def received(aws: dict[str, Any]) -> list[Any]:
    messages = aws["sqs"].receive_message(QueueUrl=aws["queue"], MaxNumberOfMessages=10).get("Messages", [])
    return [json.loads(m["Body"]) for m in messages]


def test_a_worker_runs_the_handler_with_only_its_functions_environment(runtime: dict[str, Any]) -> None:
    worker_runtime: WorkerRuntime = runtime["runtime"]
    answer = worker_runtime.invoke("echo", {"env": ["ONLY_ECHO", "ONLY_SLOW", "ECHO_QUEUE_URL"]})
    assert answer["env"] == {"ONLY_ECHO": "1", "ONLY_SLOW": None, "ECHO_QUEUE_URL": runtime["queue"]}
    assert answer["remaining_ms_positive"] is True
    with pytest.raises(FunctionError) as raised:
        worker_runtime.invoke("echo", {"fail": True})
    assert raised.value.payload["errorType"] == "EchoFailedError"
    assert received(runtime) == [{"fail": True}]  # its AWS call went to the moto server
    assert worker_runtime.workers("echo") == 1  # kept warm, used again


def test_invocations_of_one_function_run_concurrently_in_more_workers_up_to_the_limit(
    runtime: dict[str, Any],
) -> None:
    worker_runtime: WorkerRuntime = runtime["runtime"]
    worker_runtime.invoke("echo", {"warm": True})
    results: list[Any] = []
    threads = [
        threading.Thread(target=lambda: results.append(worker_runtime.invoke("echo", {"hold": 1.0})))
        for _ in range(4)
    ]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    assert results == [{"held": True}] * 4
    assert worker_runtime.workers("echo") == 3  # the limit: the fourth waited for a free worker
    # Three ran at once, then the fourth: about two holds, where one environment would take four.
    assert elapsed < 3.8


def test_a_handler_past_its_timeout_fails_as_on_lambda_and_the_next_call_gets_a_new_worker(
    runtime: dict[str, Any],
) -> None:
    worker_runtime: WorkerRuntime = runtime["runtime"]
    started = time.monotonic()
    with pytest.raises(FunctionError) as raised:
        worker_runtime.invoke("slow", {"hold": 30})
    assert time.monotonic() - started < 10
    assert raised.value.payload == {
        "errorType": "Sandbox.Timedout",
        "errorMessage": "Task timed out after 1.00 seconds",
    }
    assert worker_runtime.workers("slow") == 0  # the worker that outlived its timeout was ended
    assert worker_runtime.invoke("slow", {"quick": 1})["echo"] == {"quick": 1}


def test_a_call_its_statements_do_not_allow_is_refused_with_access_denied(runtime: dict[str, Any]) -> None:
    worker_runtime: WorkerRuntime = runtime["runtime"]
    with pytest.raises(FunctionError) as raised:
        worker_runtime.invoke("denied", {"x": 1})
    assert raised.value.payload["errorType"] == "ClientError"
    assert "AccessDeniedException" in raised.value.payload["errorMessage"]
    assert "sqs:SendMessage" in raised.value.payload["errorMessage"]
    assert received(runtime) == []


def test_a_failing_async_invocation_is_retried_twice_then_dead_lettered(runtime: dict[str, Any]) -> None:
    worker_runtime: WorkerRuntime = runtime["runtime"]
    worker_runtime.invoke_async("echo", {"fail": True})
    worker_runtime.invoke_async("slow", {"hold": 30})  # times out on each of its three attempts
    worker_runtime.drain(timeout_s=30)

    assert len(received(runtime)) == 3
    letters = {message["function"]: (arn, message) for arn, message in runtime["dead"]}
    assert letters["echo"][0] == "arn:aws:sqs:x:1:dlq"
    assert letters["echo"][1]["error"]["errorType"] == "EchoFailedError"
    assert letters["slow"][1]["error"]["errorType"] == "Sandbox.Timedout"
    assert [kind for name, kind in worker_runtime.invocations if name == "slow"] == ["async"] + ["sync"] * 3


def test_close_ends_every_worker_and_refuses_later_invocations(runtime: dict[str, Any]) -> None:
    worker_runtime: WorkerRuntime = runtime["runtime"]
    worker_runtime.invoke("echo", {"warm": True})
    pids = [w.process for p in worker_runtime._pools.values() for w in p.idle]
    outcome: list[BaseException] = []

    def hold() -> None:
        try:
            worker_runtime.invoke("echo", {"hold": 30})
        except BaseException as exc:
            outcome.append(exc)

    thread = threading.Thread(target=hold)
    thread.start()
    wait_until(
        lambda: worker_runtime.workers("echo") == 1 and not worker_runtime._pools["echo"].idle,
        what="the hold running",
        timeout_s=10,
    )
    worker_runtime.close()
    thread.join(10)
    assert [type(e) for e in outcome] == [RuntimeClosedError]
    assert all(process.poll() is not None for process in pids)
    with pytest.raises(RuntimeClosedError):
        worker_runtime.invoke("echo", {"x": 1})
