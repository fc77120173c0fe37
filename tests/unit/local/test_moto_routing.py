"""The moto routing module: EventBridge Lambda targets, lambda:Invoke and state machine tasks reach the
real handler in-process; other targets still work; uninstall restores moto."""

from __future__ import annotations

import json
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from paybridge_local import moto_routing
from paybridge_local.api_gateway import LocalApiGateway
from paybridge_local.lambdas import INVOCATION_LOG_LIMIT, FunctionError, LambdaRuntime, RuntimeClosedError
from paybridge_local.provision import ApiRoute, FunctionSpec, Provisioned
from tests.helpers import http

REGION = "ap-south-1"
ARN = f"arn:aws:lambda:{REGION}:123456789012:function:echo"


@pytest.fixture
def aws() -> Iterator[dict[str, Any]]:
    with mock_aws(config={"lambda": {"use_docker": False}, "stepfunctions": {"execute_state_machine": True}}):
        sqs = boto3.client("sqs", region_name=REGION)
        echo_queue = sqs.create_queue(QueueName="echo")["QueueUrl"]
        dlq = sqs.create_queue(QueueName="dlq")["QueueUrl"]
        provisioned = Provisioned(region=REGION)
        provisioned.functions["Echo"] = FunctionSpec(
            logical_id="Echo",
            name="echo",
            arn=ARN,
            code_dir=Path(__file__).parent / "echo_fn",
            handler="app.lambda_handler",
            environment={"ECHO_QUEUE_URL": echo_queue},
            timeout_s=5,
            on_failure_arn="arn:aws:sqs:x:1:dlq",
        )
        import os

        os.environ.update(provisioned.functions["Echo"].environment)
        dead: list[tuple[str, dict[str, Any]]] = []
        runtime = LambdaRuntime(
            provisioned, on_dead_letter=lambda arn, msg: dead.append((arn, msg)), retry_delays_s=(0.01, 0.02)
        )
        moto_routing.install(runtime)
        try:
            yield {"sqs": sqs, "echo": echo_queue, "dlq": dlq, "runtime": runtime, "dead": dead}
        finally:
            runtime.drain()
            runtime.close()
            moto_routing.uninstall()


def received(aws: dict[str, Any]) -> list[Any]:
    messages = aws["sqs"].receive_message(QueueUrl=aws["echo"], MaxNumberOfMessages=10).get("Messages", [])
    return [json.loads(m["Body"]) for m in messages]


def test_eventbridge_lambda_target_runs_the_handler_and_other_targets_still_work(aws: dict[str, Any]) -> None:
    events = boto3.client("events", region_name=REGION)
    events.create_event_bus(Name="bus")
    events.put_rule(Name="r", EventBusName="bus", EventPattern=json.dumps({"source": ["test"]}))
    queue_arn = f"arn:aws:sqs:{REGION}:123456789012:dlq"
    events.put_targets(
        Rule="r", EventBusName="bus", Targets=[{"Id": "fn", "Arn": ARN}, {"Id": "q", "Arn": queue_arn}]
    )

    result = events.put_events(
        Entries=[{"Source": "test", "DetailType": "T", "Detail": json.dumps({"a": 1}), "EventBusName": "bus"}]
    )
    aws["runtime"].drain()

    assert result["FailedEntryCount"] == 0
    [event] = received(aws)
    assert event["detail"] == {"a": 1}
    assert event["detail-type"] == "T"
    assert isinstance(event["time"], str)
    assert event["time"].endswith("Z")
    sqs_copy = aws["sqs"].receive_message(QueueUrl=aws["dlq"])["Messages"]
    assert json.loads(sqs_copy[0]["Body"])["detail"] == {"a": 1}


def test_failing_async_target_is_retried_then_sent_to_the_functions_dead_letter_queue(
    aws: dict[str, Any],
) -> None:
    events = boto3.client("events", region_name=REGION)
    events.put_rule(Name="r", EventPattern=json.dumps({"source": ["test"]}))
    # The target's own DLQ only gets what EventBridge cannot deliver; Lambda accepted this event.
    target_dlq = "arn:aws:sqs:x:1:target-dlq"
    events.put_targets(Rule="r", Targets=[{"Id": "fn", "Arn": ARN, "DeadLetterConfig": {"Arn": target_dlq}}])
    events.put_events(Entries=[{"Source": "test", "DetailType": "T", "Detail": json.dumps({"fail": True})}])
    aws["runtime"].drain()

    assert len(received(aws)) == 3  # one attempt and Lambda's two retries
    [(arn, message)] = aws["dead"]
    assert arn == "arn:aws:sqs:x:1:dlq"
    assert message["error"]["errorType"] == "EchoFailedError"


def test_lambda_invoke_returns_result_or_function_error(aws: dict[str, Any]) -> None:
    client = boto3.client("lambda", region_name=REGION)
    ok = client.invoke(FunctionName="echo", Payload=json.dumps({"x": 1}))
    assert json.loads(ok["Payload"].read()) == {"echo": {"x": 1}, "remaining_ms_positive": True}
    failed = client.invoke(FunctionName=ARN, Payload=json.dumps({"fail": True}))
    assert failed["FunctionError"] == "Unhandled"
    assert json.loads(failed["Payload"].read())["errorType"] == "EchoFailedError"
    client.invoke(FunctionName="echo", InvocationType="Event", Payload=json.dumps({"async": 1}))
    aws["runtime"].drain()
    assert received(aws) == [{"x": 1}, {"fail": True}, {"async": 1}]


def test_state_machine_lambda_task_reaches_the_handler_and_catches_by_error_name(aws: dict[str, Any]) -> None:
    sfn = boto3.client("stepfunctions", region_name=REGION)
    definition = {
        "StartAt": "Call",
        "States": {
            "Call": {
                "Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke",
                "Parameters": {"FunctionName": ARN, "Payload.$": "$"},
                "OutputPath": "$.Payload",
                "Catch": [{"ErrorEquals": ["EchoFailedError"], "Next": "Caught"}],
                "End": True,
            },
            "Caught": {"Type": "Pass", "Result": {"caught": True}, "End": True},
        },
    }
    machine = sfn.create_state_machine(
        name="m", definition=json.dumps(definition), roleArn="arn:aws:iam::123456789012:role/r"
    )["stateMachineArn"]

    def run(payload: dict[str, Any], name: str) -> dict[str, Any]:
        arn = sfn.start_execution(stateMachineArn=machine, name=name, input=json.dumps(payload))[
            "executionArn"
        ]
        for _ in range(100):
            execution = sfn.describe_execution(executionArn=arn)
            if execution["status"] != "RUNNING":
                return dict(execution)
            time.sleep(0.05)
        raise AssertionError("execution did not finish")

    ok = run({"n": 1}, "ok")
    assert ok["status"] == "SUCCEEDED"
    assert json.loads(ok["output"])["echo"] == {"n": 1}
    caught = run({"fail": True}, "caught")
    assert json.loads(caught["output"]) == {"caught": True}


def test_uninstall_restores_moto(aws: dict[str, Any]) -> None:
    moto_routing.uninstall()
    client = boto3.client("lambda", region_name=REGION)
    # moto's own docker-less Lambda only echoes the payload; the handler did not run.
    assert client.invoke(FunctionName="echo", Payload=b'{"k": 1}')["Payload"].read() == b'{"k": 1}'
    assert received(aws) == []
    moto_routing.install(aws["runtime"])


def test_unknown_function_is_a_key_error_and_handler_errors_carry_their_type(aws: dict[str, Any]) -> None:
    runtime: LambdaRuntime = aws["runtime"]
    with pytest.raises(KeyError):
        runtime.invoke("missing", {})
    with pytest.raises(FunctionError) as raised:
        runtime.invoke("Echo", {"fail": True})
    assert raised.value.payload["errorType"] == "EchoFailedError"


def test_handlers_run_one_at_a_time_like_one_execution_environment(aws: dict[str, Any]) -> None:
    runtime: LambdaRuntime = aws["runtime"]
    threads = [threading.Thread(target=runtime.invoke, args=("echo", {"hold": 0.05})) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    module = sys.modules["paybridge_local_fn_Echo"]
    assert module.peak_inside == 1
    assert [kind for name, kind in runtime.invocations if name == "echo"] == ["sync"] * 6


def test_a_handler_invoking_another_on_its_own_thread_fails_instead_of_hanging(aws: dict[str, Any]) -> None:
    runtime: LambdaRuntime = aws["runtime"]
    with pytest.raises(FunctionError) as raised:
        runtime.invoke("echo", {"nested": True})
    assert raised.value.payload["errorType"] == "RuntimeError"
    assert "from inside another handler" in raised.value.payload["errorMessage"]
    assert runtime.invoke("echo", {"x": 2})["echo"] == {"x": 2}  # the environment was given back


def test_a_closed_runtime_runs_no_handler_and_dead_letters_nothing(aws: dict[str, Any]) -> None:
    runtime: LambdaRuntime = aws["runtime"]
    runtime.invoke_async("echo", {"hold": 0.2})
    time.sleep(0.05)  # the hold is running; the next event queues behind it
    runtime.invoke_async("echo", {"fail": True})
    runtime.close()

    with pytest.raises(RuntimeClosedError):
        runtime.invoke("echo", {"x": 3})
    assert received(aws) == []
    assert aws["dead"] == []


def test_api_gateway_routes_path_parameters_and_checks_iam(aws: dict[str, Any]) -> None:
    routes = [
        ApiRoute("GET", "/things/{thing_id}", "Echo", iam_auth=False, api="Api"),
        ApiRoute("POST", "/private/{proxy+}", "Echo", iam_auth=True, api="Api"),
    ]
    gateway = LocalApiGateway(
        routes, aws["runtime"], region=REGION, access_key="testing", secret_key="testing"
    )
    # The echo handler's result is not a proxy response: the gateway answers 502, as API Gateway would.
    assert http(gateway, "GET", "/things/42").status_code == 502
    [event] = received(aws)
    assert event["pathParameters"] == {"thing_id": "42"}
    assert event["resource"] == "/things/{thing_id}"
    assert http(gateway, "GET", "/nowhere").json == {"message": "Missing Authentication Token"}
    unsigned = http(gateway, "POST", "/private/a/b", body="{}")
    assert unsigned.status_code == 403
    assert received(aws) == []


def test_concurrent_starts_with_one_name_let_exactly_one_win(aws: dict[str, Any]) -> None:
    # Step Functions makes an execution name unique atomically; moto checks, then adds, so without the
    # routing's lock two threads could both start "the same" execution.
    sfn = boto3.client("stepfunctions", region_name=REGION)
    machine = sfn.create_state_machine(
        name="once",
        definition=json.dumps({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}),
        roleArn="arn:aws:iam::123456789012:role/r",
    )["stateMachineArn"]
    barrier = threading.Barrier(8)

    def start(i: int) -> str:
        barrier.wait()
        try:
            sfn.start_execution(stateMachineArn=machine, name="one", input=json.dumps({"i": i}))
        except sfn.exceptions.ExecutionAlreadyExists:
            return "exists"
        return "started"

    threads_results: list[str] = []
    lock = threading.Lock()

    def run(i: int) -> None:
        outcome = start(i)
        with lock:
            threads_results.append(outcome)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(threads_results) == ["exists"] * 7 + ["started"]
    assert len(sfn.list_executions(stateMachineArn=machine)["executions"]) == 1


def test_a_retry_waiting_out_its_delay_holds_no_pool_thread(aws: dict[str, Any]) -> None:
    # 40 failing events wait 30 s for their retry; with a pool thread each (32) the next event would wait too.
    dead: list[tuple[str, dict[str, Any]]] = []
    runtime = LambdaRuntime(
        aws["runtime"].provisioned,
        on_dead_letter=lambda arn, m: dead.append((arn, m)),
        retry_delays_s=(30, 30),
    )
    try:
        for n in range(40):
            runtime.invoke_async("echo", {"fail": True, "n": n})
        failed: list[Any] = []
        deadline = time.monotonic() + 20
        while len(failed) < 40 and time.monotonic() < deadline:
            failed.extend(received(aws))
        assert len(failed) == 40  # every first attempt ran; each retry is now waiting

        runtime.invoke_async("echo", {"after": "the failures"})
        started = time.monotonic()
        late: list[Any] = []
        while not late and time.monotonic() - started < 5:
            late = received(aws)
        assert late == [{"after": "the failures"}]
    finally:
        runtime.close()
    assert dead == []  # closing dropped the waiting retries; none reached the dead-letter queue


def test_drain_waits_for_a_retry_waiting_out_its_delay(aws: dict[str, Any]) -> None:
    runtime: LambdaRuntime = aws["runtime"]  # retries after 0.01 s and 0.02 s
    runtime.invoke_async("echo", {"fail": True})
    runtime.drain()

    assert len(received(aws)) == 3
    assert [m["error"]["errorType"] for _, m in aws["dead"]] == ["EchoFailedError"]


def test_the_invocation_log_keeps_the_newest_entries(aws: dict[str, Any]) -> None:
    runtime: LambdaRuntime = aws["runtime"]
    assert runtime.invocations.maxlen == INVOCATION_LOG_LIMIT
    runtime.invocations.extend([("old", "sync")] * INVOCATION_LOG_LIMIT)
    runtime.invoke("echo", {"x": 1})

    assert len(runtime.invocations) == INVOCATION_LOG_LIMIT
    assert runtime.invocations[-1] == ("echo", "sync")
