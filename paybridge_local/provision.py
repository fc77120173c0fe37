"""Creates every resource of ``template.yaml`` in an emulated AWS (moto, in-process or server mode), and
registers each function's code, environment, API routes, EventBridge rules and schedules.

Resource types with no runtime meaning locally (IAM, the API Gateway resource itself, the layer, alarms)
are recorded but not created: the local API server and the handler router stand in for them. How each
emulated type is created is in ``resource_types``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3

from paybridge_local.policies import function_policies
from paybridge_local.resource_types import ResourceCreator
from paybridge_local.scheduler import ScheduleSpec, rate_seconds
from paybridge_local.template import (
    ROOT,
    Resolver,
    TemplateError,
    creation_order,
    function_environment,
    load_template,
)

ACCOUNT_ID = "123456789012"


@dataclass(frozen=True)
class ApiRoute:
    """One API Gateway route served by a function."""

    method: str
    path: str
    function: str
    iam_auth: bool
    api: str


@dataclass(frozen=True)
class FunctionSpec:
    """Where a function's code is and how it is configured."""

    logical_id: str
    name: str
    arn: str
    code_dir: Path
    handler: str
    environment: dict[str, str]
    timeout_s: int
    #: The function's IAM statements, SAM policy templates expanded and resolved to local ARNs.
    statements: list[dict[str, Any]] = field(default_factory=list)
    #: Managed policies named by the template: not readable locally, so they grant nothing here.
    unexpanded_policies: list[str] = field(default_factory=list)
    #: ``ReservedConcurrentExecutions``, if the template sets it: caps the local workers too.
    reserved_concurrency: int | None = None
    #: Lambda's asynchronous invocation settings (``EventInvokeConfig``; Lambda's defaults otherwise).
    async_max_retries: int = 2
    async_max_event_age_s: int = 21600
    #: Where an asynchronous invocation goes once its retries are spent: the ``OnFailure`` destination,
    #: else the ``DeadLetterQueue``; None drops it, as Lambda does.
    on_failure_arn: str | None = None


@dataclass
class Provisioned:
    """What the local stack created: physical names/ARNs by logical id, functions and routes."""

    region: str
    attributes: dict[str, dict[str, Any]] = field(default_factory=dict)
    functions: dict[str, FunctionSpec] = field(default_factory=dict)
    routes: list[ApiRoute] = field(default_factory=list)
    #: Scheduled rules (SAM ``Schedule``/``ScheduleV2`` events); ``LocalScheduler`` fires them.
    schedules: list[ScheduleSpec] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    def physical(self, logical_id: str) -> Any:
        """The resource's ``Ref`` value (table name, queue URL, secret ARN, function name ...)."""
        return self.attributes[logical_id]["Ref"]

    def outputs(self) -> dict[str, Any]:
        """Logical id → {"Ref", "Arn", ...}; what ``.local/outputs.json`` records."""
        return {name: dict(values) for name, values in self.attributes.items()}

    def function_by_name(self, name_or_arn: str) -> FunctionSpec | None:
        """Looks a function up by physical name, ARN (qualified or not) or logical id."""
        name = name_or_arn.split(":function:", 1)[-1].split(":", 1)[0]
        for spec in self.functions.values():
            if name in (spec.name, spec.logical_id):
                return spec
        return None


#: Secret values the caller supplies for secrets the template would generate (logical id → JSON string).
SecretValues = Mapping[str, str]


def provision(
    session: boto3.session.Session,
    *,
    stack_name: str = "paybridge-local",
    parameter_overrides: Mapping[str, str] | None = None,
    secret_values: SecretValues | None = None,
    template: dict[str, Any] | None = None,
    template_dir: Path = ROOT,
) -> Provisioned:
    """Creates the template's resources through ``session``'s clients; returns what was created."""
    document = template or load_template()
    region = session.region_name or "ap-south-1"
    parameters = _parameters(document, parameter_overrides or {})
    resolver = Resolver(
        parameters=parameters,
        pseudo={
            "AWS::Region": region,
            "AWS::AccountId": ACCOUNT_ID,
            "AWS::StackName": stack_name,
            "AWS::Partition": "aws",
            "AWS::URLSuffix": "amazonaws.com",
        },
        conditions=document.get("Conditions", {}),
        mappings=document.get("Mappings", {}),
    )
    result = Provisioned(region=region)
    creator = _Creator(
        session, resolver, result, stack_name, dict(secret_values or {}), template_dir, document
    )
    resources = document["Resources"]
    for logical_id in creation_order(resources):
        creator.create(logical_id, resources[logical_id])
    for logical_id in resources:
        if resources[logical_id]["Type"] == "AWS::Serverless::Function":
            creator.finish_function(logical_id, resources[logical_id])
    return result


def _parameters(document: Mapping[str, Any], overrides: Mapping[str, str]) -> dict[str, Any]:
    declared = document.get("Parameters", {})
    unknown = set(overrides) - set(declared)
    if unknown:
        raise TemplateError(f"unknown parameter(s) in overrides: {sorted(unknown)}")
    values: dict[str, Any] = {}
    for name, spec in declared.items():
        value = overrides.get(name, spec.get("Default"))
        if value is None:
            raise TemplateError(f"parameter {name} has no default; pass it in LOCAL_PARAMETER_OVERRIDES")
        allowed = spec.get("AllowedValues")
        if allowed and str(value) not in [str(a) for a in allowed]:
            raise TemplateError(f"parameter {name}={value!r} is not one of {allowed}")
        values[name] = str(value)
    return values


class _Creator:
    """Creates each resource through ``ResourceCreator``, then registers each function's code, environment,
    routes, rules and schedules."""

    def __init__(
        self,
        session: boto3.session.Session,
        resolver: Resolver,
        result: Provisioned,
        stack_name: str,
        secret_values: dict[str, str],
        template_dir: Path,
        document: dict[str, Any],
    ) -> None:
        self.resolver = resolver
        self.result = result
        self.template_dir = template_dir
        self.document = document
        self.resources = ResourceCreator(
            session,
            region=result.region,
            account_id=ACCOUNT_ID,
            stack=stack_name,
            secret_values=secret_values,
            template_dir=template_dir,
        )

    def create(self, logical_id: str, body: dict[str, Any]) -> None:
        condition = body.get("Condition")
        if condition and not self.resolver.condition(condition):
            return
        handler = self.resources.creator(body["Type"])
        if handler is None:
            # IAM, policies, alarms, log groups ... exist only on AWS; record that they were not emulated.
            self.result.skipped.append(f"{logical_id} ({body['Type']})")
            self.resolver.attributes[logical_id] = {"Ref": self.resources.name(logical_id)}
            return
        properties = self.resolver.resolve(body.get("Properties", {}))
        attributes = handler(logical_id, properties)
        self.resolver.attributes[logical_id] = attributes
        self.result.attributes[logical_id] = attributes

    def finish_function(self, logical_id: str, body: dict[str, Any]) -> None:
        """Registers the function's code and environment, its API routes and its EventBridge rules.

        Runs after every resource exists, because a function's environment refers to many of them.
        """
        raw = body.get("Properties", {})
        properties = self.resolver.resolve({k: v for k, v in raw.items() if k != "Events"})
        attributes = self.result.attributes[logical_id]
        globals_fn = self.document.get("Globals", {}).get("Function", {})
        environment = self.resolver.resolve(function_environment(self.document, logical_id))
        policies = function_policies(raw)
        invoke_config = properties.get("EventInvokeConfig", {})
        on_failure = invoke_config.get("DestinationConfig", {}).get("OnFailure", {}).get("Destination")
        reserved = properties.get("ReservedConcurrentExecutions")
        self.result.functions[logical_id] = FunctionSpec(
            logical_id=logical_id,
            name=attributes["Ref"],
            arn=attributes["Arn"],
            code_dir=self.template_dir / properties["CodeUri"],
            handler=properties["Handler"],
            environment={k: str(v) for k, v in environment.items()},
            timeout_s=int(properties.get("Timeout", globals_fn.get("Timeout", 3))),
            statements=self.resolver.resolve(policies.statements),
            unexpanded_policies=policies.unexpanded,
            reserved_concurrency=int(reserved) if reserved not in (None, "") else None,
            async_max_retries=int(invoke_config.get("MaximumRetryAttempts", 2)),
            async_max_event_age_s=int(invoke_config.get("MaximumEventAgeInSeconds", 21600)),
            on_failure_arn=on_failure or properties.get("DeadLetterQueue", {}).get("TargetArn"),
        )
        for event_name, event in raw.get("Events", {}).items():
            self._function_event(logical_id, event_name, event, attributes["Arn"])

    def _function_event(self, logical_id: str, event_name: str, event: dict[str, Any], arn: str) -> None:
        kind = event["Type"]
        p = self.resolver.resolve(event.get("Properties", {}))
        if kind == "Api":
            api_id = event.get("Properties", {}).get("RestApiId", {}).get("Ref", "")
            self.result.routes.append(
                ApiRoute(
                    method=p["Method"].upper(),
                    path=p["Path"],
                    function=logical_id,
                    iam_auth=self._iam_auth(api_id, p.get("Auth", {})),
                    api=api_id,
                )
            )
        elif kind == "EventBridgeRule":
            target: dict[str, Any] = {"Id": p.get("Target", {}).get("Id", f"{logical_id}Target"), "Arn": arn}
            if "DeadLetterConfig" in p:
                target["DeadLetterConfig"] = {"Arn": p["DeadLetterConfig"]["Arn"]}
            if "RetryPolicy" in p:
                target["RetryPolicy"] = p["RetryPolicy"]
            if "InputPath" in p:
                target["InputPath"] = p["InputPath"]
            name = p.get("RuleName") or self.resources.name(f"{logical_id}{event_name}")
            self.resources.put_rule(name, p.get("EventBusName", "default"), p["Pattern"], [target])
        elif kind in ("Schedule", "ScheduleV2"):
            self._schedule(logical_id, event_name, p, arn)
        else:
            raise TemplateError(f"{logical_id}.{event_name}: event type {kind} is not emulated locally")

    def _schedule(self, logical_id: str, event_name: str, p: dict[str, Any], arn: str) -> None:
        expression = p["Schedule"] if "Schedule" in p else p["ScheduleExpression"]
        period = rate_seconds(expression)
        disabled = p.get("Enabled") is False or str(p.get("State", "ENABLED")).upper() == "DISABLED"
        name = p.get("Name") or self.resources.name(f"{logical_id}{event_name}")
        # The rule exists in moto for people and scripts to see; moto never fires it, LocalScheduler does.
        rule_arn = self.resources.client("events").put_rule(
            Name=name, ScheduleExpression=expression, State="DISABLED" if disabled else "ENABLED"
        )["RuleArn"]
        if disabled:
            return
        raw_input = p.get("Input")
        dead_letter = p.get("DeadLetterConfig", {}).get("Arn")
        self.result.schedules.append(
            ScheduleSpec(
                function=logical_id,
                rule_name=name,
                rule_arn=rule_arn,
                expression=expression,
                period_s=period,
                input=json.loads(raw_input) if isinstance(raw_input, str) else raw_input,
                dead_letter_arn=dead_letter,
            )
        )

    def _iam_auth(self, api_logical_id: str, route_auth: dict[str, Any]) -> bool:
        authorizer = route_auth.get("Authorizer")
        if authorizer is None and api_logical_id:
            api = self.document["Resources"].get(api_logical_id, {})
            authorizer = api.get("Properties", {}).get("Auth", {}).get("DefaultAuthorizer")
        return authorizer == "AWS_IAM"
