"""Assembles the local stack: resources from the template, handlers routed in-process, local settings.

Used by ``make local`` (moto in server mode, real HTTP) and by the test suites (moto in-process), so both
run the same provisioning and routing code.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3

from paybridge_local import moto_retention, moto_routing
from paybridge_local.jwe_keys import local_jwe_keys
from paybridge_local.lambdas import LAMBDA_RETRY_DELAYS_S, LambdaRuntime
from paybridge_local.provision import ACCOUNT_ID, Provisioned, provision
from paybridge_local.scheduler import LocalScheduler
from paybridge_local.template import load_template, parse_parameter_overrides
from paybridge_local.workers import WorkerRuntime, base_environment

#: The queue the local stack adds (not part of the template) so a person or a test can see every event
#: that reached the bus.
EVENT_TAP = "LocalEventTap"

#: ``LOCAL_EVENT_TAP_LIMIT``'s default: the event tap keeps this many newest events (oldest dropped).
EVENT_TAP_LIMIT = 1000
#: How often expired DynamoDB items are deleted (divided by ``LOCAL_TIME_SCALE``); DynamoDB's own deletion
#: is a background job that typically takes minutes to days.
TTL_SWEEP_S = 60.0

#: Environment every in-process handler gets locally: no X-Ray daemon here.
RUNTIME_ENV = {"POWERTOOLS_TRACE_DISABLED": "true", "POWERTOOLS_DEV": "false"}


@dataclass(frozen=True)
class LocalSettings:
    """Ports, credentials and overrides of the local stack; every value has a documented default."""

    region: str = "ap-south-1"
    aws_port: int = 5055
    api_port: int = 3000
    juspay_port: int = 4010
    access_key: str = "testing"
    secret_key: str = "testing"
    webhook_username: str = "juspay-local"
    webhook_password: str = "local-webhook-password"
    juspay_api_key: str = "sim_test_api_key"
    juspay_merchant_id: str = "paybridge_local"
    parameter_overrides: dict[str, str] = field(default_factory=dict)
    #: ``LOCAL_TIME_SCALE``: divides every wait, timeout, expiry and deadline of following and sweeping (the
    #: template's ``TimeScale`` parameter) and every local schedule's period, so a day runs in minutes.
    time_scale: int = 1
    #: Prefix of every resource name. Tests give each stack its own, so work left over from a closed stack
    #: (a stopped execution's last task) finds none of the next stack's functions, tables or bus.
    stack_name: str = "paybridge-local"
    #: ``LOCAL_FUNCTION_CONCURRENCY``: worker processes per function at most (a template
    #: ``ReservedConcurrentExecutions`` below it wins); more invocations wait for a free worker.
    function_concurrency: int = 4
    #: ``LOCAL_ASYNC_RETRY_SECONDS``: wait before a failed asynchronous invocation's first retry (the second
    #: waits twice as long). Default: Lambda's one minute, divided by ``LOCAL_TIME_SCALE``.
    async_retry_s: float | None = None
    #: ``LOCAL_TEMPLATE``: build the stack from this file instead of template.yaml (e.g. a copy with one
    #: permission removed); its ``CodeUri``/``DefinitionUri`` paths stay relative to the repository root.
    template_path: str | None = None
    #: ``LOCAL_EVENT_TAP_LIMIT``: the event tap keeps at most this many messages, the oldest dropped first.
    event_tap_limit: int = EVENT_TAP_LIMIT
    #: ``LOCAL_SIM_LOG_LIMIT``: entries each of the simulator's logs keeps (requests, webhooks, ...).
    sim_log_limit: int = 10_000

    def async_retry_delays(self) -> tuple[float, float]:
        """The waits before the first and second retry of a failed asynchronous invocation."""
        first = (
            self.async_retry_s
            if self.async_retry_s is not None
            else LAMBDA_RETRY_DELAYS_S[0] / self.time_scale
        )
        return (first, 2 * first)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> LocalSettings:
        """Reads ``AWS_DEFAULT_REGION``, ``LOCAL_*`` and ``AWS_ACCESS_KEY_ID``/``AWS_SECRET_ACCESS_KEY``."""
        e = os.environ if env is None else env
        d = cls()
        return cls(
            region=e.get("AWS_DEFAULT_REGION") or d.region,
            aws_port=int(e.get("LOCAL_AWS_PORT") or d.aws_port),
            api_port=int(e.get("LOCAL_API_PORT") or d.api_port),
            juspay_port=int(e.get("LOCAL_JUSPAY_PORT") or d.juspay_port),
            access_key=e.get("AWS_ACCESS_KEY_ID") or d.access_key,
            secret_key=e.get("AWS_SECRET_ACCESS_KEY") or d.secret_key,
            webhook_username=e.get("LOCAL_WEBHOOK_USERNAME") or d.webhook_username,
            webhook_password=e.get("LOCAL_WEBHOOK_PASSWORD") or d.webhook_password,
            juspay_api_key=e.get("LOCAL_JUSPAY_API_KEY") or d.juspay_api_key,
            juspay_merchant_id=e.get("LOCAL_JUSPAY_MERCHANT_ID") or d.juspay_merchant_id,
            parameter_overrides=parse_parameter_overrides(e.get("LOCAL_PARAMETER_OVERRIDES")),
            time_scale=_positive_int("LOCAL_TIME_SCALE", e.get("LOCAL_TIME_SCALE") or str(d.time_scale)),
            function_concurrency=_positive_int(
                "LOCAL_FUNCTION_CONCURRENCY",
                e.get("LOCAL_FUNCTION_CONCURRENCY") or str(d.function_concurrency),
            ),
            async_retry_s=_seconds("LOCAL_ASYNC_RETRY_SECONDS", e.get("LOCAL_ASYNC_RETRY_SECONDS")),
            template_path=e.get("LOCAL_TEMPLATE") or None,
            event_tap_limit=_positive_int(
                "LOCAL_EVENT_TAP_LIMIT", e.get("LOCAL_EVENT_TAP_LIMIT") or str(d.event_tap_limit)
            ),
            sim_log_limit=_positive_int(
                "LOCAL_SIM_LOG_LIMIT", e.get("LOCAL_SIM_LOG_LIMIT") or str(d.sim_log_limit)
            ),
        )

    def template_parameters(self) -> dict[str, str]:
        """Template parameters for the local stack: the simulator as Juspay, then the user's overrides."""
        return {
            "JuspayBaseUrl": f"http://127.0.0.1:{self.juspay_port}",
            "JuspayMerchantId": self.juspay_merchant_id,
            "JuspayMerchantKeyId": "local-sdk-key",
            "JuspayClientId": self.juspay_merchant_id,
            "TimeScale": str(self.time_scale),
            **self.parameter_overrides,
        }

    def secret_values(self) -> dict[str, str]:
        """Values of the template's secrets locally (on AWS they are generated or set by the merchant)."""
        return {
            "WebhookCredentialsSecret": json.dumps(
                {"username": self.webhook_username, "password": self.webhook_password}
            ),
            # With the key pair of Juspay's encrypted API, used when JuspayApiMode=encrypted (jwe_keys.py).
            "JuspayApiKeySecret": json.dumps(
                {"api_key": self.juspay_api_key, **local_jwe_keys().secret_fields()}
            ),
        }


@dataclass
class LocalStack:
    """A provisioned stack with its handler runtime installed."""

    provisioned: Provisioned
    runtime: LambdaRuntime
    session: boto3.session.Session
    environment: dict[str, str]
    scheduler: LocalScheduler
    #: Deletes expired DynamoDB items (``make local`` only, like the scheduler).
    ttl_sweeper: moto_retention.TtlSweeper | None = None

    def output(self, logical_id: str, attribute: str = "Ref") -> Any:
        """A resource's physical name/ARN/URL by logical id."""
        return self.provisioned.attributes[logical_id][attribute]

    def close(self) -> None:
        """Stops running executions, lets the running handler finish, drops queued work, restores moto.

        Queued asynchronous work is dropped, not drained: draining could take as long as every queued retry,
        and Ctrl-C on ``make local`` should not wait for that. Tests drain before they assert.
        """
        self.scheduler.stop()
        if self.ttl_sweeper is not None:
            self.ttl_sweeper.stop()
        self._stop_executions()
        self.runtime.close()
        moto_routing.uninstall()

    def _stop_executions(self) -> None:
        # A waiting execution would otherwise wake up after this stack is gone and run its tasks against
        # whatever stack is current then. moto cannot stop an execution whose worker has not started yet,
        # so keep trying briefly.
        sfn = self.session.client("stepfunctions")
        machines = [m["stateMachineArn"] for m in sfn.list_state_machines()["stateMachines"]]
        for _ in range(50):
            running = [
                e["executionArn"]
                for arn in machines
                for e in sfn.list_executions(stateMachineArn=arn, statusFilter="RUNNING")["executions"]
            ]
            if not running:
                return
            for execution_arn in running:
                with contextlib.suppress(Exception):
                    sfn.stop_execution(executionArn=execution_arn, cause="local stack closing")
            time.sleep(0.05)


def build_stack(
    session: boto3.session.Session,
    settings: LocalSettings,
    *,
    run_schedules: bool = False,
    aws_endpoint: str | None = None,
) -> LocalStack:
    """Provisions the template into the AWS that ``session`` reaches and routes invocations to handlers.

    With ``aws_endpoint`` (the moto server's URL: ``make local``) every function runs in its own worker
    processes (``WorkerRuntime``), which reach AWS there. Without it (the in-process test stack, whose
    ``mock_aws`` only this process can reach) handlers run in this process, one at a time, and every
    function's variables are set in ``os.environ``.
    ``run_schedules`` starts firing the template's scheduled rules and deleting expired DynamoDB items
    (``make local`` does; in-process tests invoke scheduled functions themselves, so no timer fires in the
    middle of what they measure).
    """
    # Before provisioning: the archive the template declares keeps its events compact from the first.
    moto_retention.install()
    provisioned = provision(
        session,
        stack_name=settings.stack_name,
        parameter_overrides=settings.template_parameters(),
        secret_values=settings.secret_values(),
        template=load_template(Path(settings.template_path)) if settings.template_path else None,
    )
    _add_event_tap(session, provisioned, settings.stack_name)
    moto_retention.cap_queue(provisioned.attributes[EVENT_TAP]["QueueName"], settings.event_tap_limit)
    sqs = session.client("sqs")
    sns = session.client("sns")

    def dead_letter(target_arn: str, message: dict[str, Any]) -> None:
        body = json.dumps(message, default=str)
        if ":sns:" in target_arn:
            sns.publish(TopicArn=target_arn, Message=body)
            return
        url = sqs.get_queue_url(QueueName=target_arn.rsplit(":", 1)[-1])["QueueUrl"]
        sqs.send_message(QueueUrl=url, MessageBody=body)

    runtime: LambdaRuntime
    if aws_endpoint:
        workers_env = base_environment(
            region=settings.region,
            access_key=settings.access_key,
            secret_key=settings.secret_key,
            endpoint_url=aws_endpoint,
        )
        runtime = WorkerRuntime(
            provisioned,
            on_dead_letter=dead_letter,
            base_environment={**workers_env, **RUNTIME_ENV},
            concurrency=settings.function_concurrency,
            retry_delays_s=settings.async_retry_delays(),
        )
        environment = dict(RUNTIME_ENV)
    else:
        runtime = LambdaRuntime(
            provisioned, on_dead_letter=dead_letter, retry_delays_s=settings.async_retry_delays()
        )
        # One process, one environment: every function's variables (their values come from the same
        # template references, so functions naming one variable agree on it).
        environment = {k: v for f in provisioned.functions.values() for k, v in f.environment.items()}
        environment.update(RUNTIME_ENV)
        os.environ.update(environment)
    moto_routing.install(runtime)
    scale = int(settings.template_parameters()["TimeScale"])
    scheduler = LocalScheduler(
        provisioned.schedules,
        runtime.invoke_async,
        time_scale=scale,
        region=provisioned.region,
        account=ACCOUNT_ID,
    )
    sweeper = None
    if run_schedules:
        scheduler.start()
        sweeper = moto_retention.TtlSweeper(
            moto_routing.expire_ttl_items, max(1.0, TTL_SWEEP_S / scale)
        ).start()
    return LocalStack(provisioned, runtime, session, environment, scheduler, sweeper)


def _positive_int(name: str, value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number < 1:
        raise ValueError(f"{name} must be a positive integer, not {value!r}")
    return number


def _seconds(name: str, value: str | None) -> float | None:
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        seconds = -1.0
    if seconds < 0:
        raise ValueError(f"{name} must be a number of seconds, not {value!r}")
    return seconds


def _add_event_tap(session: boto3.session.Session, provisioned: Provisioned, stack_name: str) -> None:
    bus = provisioned.attributes["EventBus"]["Ref"]
    sqs = session.client("sqs")
    name = f"{stack_name}-event-tap"
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    events = session.client("events")
    events.put_rule(Name=name, EventBusName=bus, EventPattern=json.dumps({"source": [{"prefix": ""}]}))
    events.put_targets(Rule=name, EventBusName=bus, Targets=[{"Id": "tap", "Arn": arn}])
    provisioned.attributes[EVENT_TAP] = {"Ref": url, "Arn": arn, "QueueName": name}
