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
from typing import Any

import boto3

from paybridge_local import moto_routing
from paybridge_local.jwe_keys import local_jwe_keys
from paybridge_local.lambdas import LambdaRuntime, environment_for
from paybridge_local.provision import ACCOUNT_ID, Provisioned, provision
from paybridge_local.scheduler import LocalScheduler
from paybridge_local.template import parse_parameter_overrides

#: The queue the local stack adds (not part of the template) so a person or a test can see every event
#: that reached the bus.
EVENT_TAP = "LocalEventTap"

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

    def output(self, logical_id: str, attribute: str = "Ref") -> Any:
        """A resource's physical name/ARN/URL by logical id."""
        return self.provisioned.attributes[logical_id][attribute]

    def close(self) -> None:
        """Stops running executions, lets the running handler finish, drops queued work, restores moto.

        Queued asynchronous work is dropped, not drained: draining could take as long as every queued retry,
        and Ctrl-C on ``make local`` should not wait for that. Tests drain before they assert.
        """
        self.scheduler.stop()
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
    session: boto3.session.Session, settings: LocalSettings, *, run_schedules: bool = False
) -> LocalStack:
    """Provisions the template into the AWS that ``session`` reaches and routes handlers in-process.

    Also sets the functions' environment in ``os.environ`` (handlers read it on first use).
    ``run_schedules`` starts firing the template's scheduled rules (``make local`` does; in-process tests
    invoke scheduled functions themselves, so no timer fires in the middle of what they measure).
    """
    provisioned = provision(
        session,
        stack_name=settings.stack_name,
        parameter_overrides=settings.template_parameters(),
        secret_values=settings.secret_values(),
    )
    _add_event_tap(session, provisioned, settings.stack_name)
    sqs = session.client("sqs")

    def dead_letter(queue_arn: str, message: dict[str, Any]) -> None:
        url = sqs.get_queue_url(QueueName=queue_arn.rsplit(":", 1)[-1])["QueueUrl"]
        sqs.send_message(QueueUrl=url, MessageBody=json.dumps(message, default=str))

    runtime = LambdaRuntime(provisioned, on_dead_letter=dead_letter)
    moto_routing.install(runtime)
    environment = {**environment_for(provisioned.functions), **RUNTIME_ENV}
    os.environ.update(environment)
    scale = int(settings.template_parameters()["TimeScale"])
    scheduler = LocalScheduler(
        provisioned.schedules,
        runtime.invoke_async,
        time_scale=scale,
        region=provisioned.region,
        account=ACCOUNT_ID,
    )
    if run_schedules:
        scheduler.start()
    return LocalStack(provisioned, runtime, session, environment, scheduler)


def _positive_int(name: str, value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number < 1:
        raise ValueError(f"{name} must be a positive integer, not {value!r}")
    return number


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
