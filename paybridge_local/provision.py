"""Creates every resource of ``template.yaml`` in an emulated AWS (moto, in-process or server mode).

Resource types with no runtime meaning locally (IAM, the API Gateway resource itself, the layer, alarms)
are recorded but not created: the local API server and the handler router stand in for them.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import boto3

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
        self.session = session
        self.resolver = resolver
        self.result = result
        self.stack = stack_name
        self.secret_values = secret_values
        self.template_dir = template_dir
        self.document = document
        self.region = result.region
        self._clients: dict[str, Any] = {}
        self._handlers: dict[str, Callable[[str, dict[str, Any]], dict[str, Any]]] = {
            "AWS::DynamoDB::Table": self._table,
            "AWS::Events::EventBus": self._bus,
            "AWS::Events::Archive": self._archive,
            "AWS::Events::Rule": self._rule,
            "AWS::SQS::Queue": self._queue,
            "AWS::SecretsManager::Secret": self._secret,
            "AWS::KMS::Key": self._kms_key,
            "AWS::KMS::Alias": self._kms_alias,
            "AWS::Serverless::Function": self._function,
            "AWS::Serverless::StateMachine": self._state_machine,
            "AWS::Serverless::Api": self._api,
            "AWS::Serverless::LayerVersion": self._layer,
        }

    def _client(self, service: str) -> Any:
        # One client per service: creating a botocore client costs more than most calls it makes.
        if service not in self._clients:
            self._clients[service] = self.session.client(service)  # type: ignore[call-overload]
        return self._clients[service]

    def _arn(self, service: str, resource: str) -> str:
        return f"arn:aws:{service}:{self.region}:{ACCOUNT_ID}:{resource}"

    def _name(self, logical_id: str) -> str:
        return f"{self.stack}-{logical_id}"

    def create(self, logical_id: str, body: dict[str, Any]) -> None:
        condition = body.get("Condition")
        if condition and not self.resolver.condition(condition):
            return
        handler = self._handlers.get(body["Type"])
        if handler is None:
            # IAM, policies, alarms, log groups ... exist only on AWS; record that they were not emulated.
            self.result.skipped.append(f"{logical_id} ({body['Type']})")
            self.resolver.attributes[logical_id] = {"Ref": self._name(logical_id)}
            return
        properties = self.resolver.resolve(body.get("Properties", {}))
        attributes = handler(logical_id, properties)
        self.resolver.attributes[logical_id] = attributes
        self.result.attributes[logical_id] = attributes

    # ---- resource types ------------------------------------------------------------------------------
    def _table(self, logical_id: str, p: dict[str, Any]) -> dict[str, Any]:
        client = self._client("dynamodb")
        name = p.get("TableName") or self._name(logical_id)
        kwargs: dict[str, Any] = {
            "TableName": name,
            "KeySchema": p["KeySchema"],
            "AttributeDefinitions": p["AttributeDefinitions"],
            "BillingMode": p.get("BillingMode", "PAY_PER_REQUEST"),
        }
        for key in ("GlobalSecondaryIndexes", "LocalSecondaryIndexes", "StreamSpecification"):
            if key in p:
                kwargs[key] = p[key]
        if kwargs["BillingMode"] == "PROVISIONED":
            kwargs["ProvisionedThroughput"] = p["ProvisionedThroughput"]
        description = client.create_table(**kwargs)["TableDescription"]
        ttl = p.get("TimeToLiveSpecification")
        if ttl and ttl.get("Enabled"):
            client.update_time_to_live(TableName=name, TimeToLiveSpecification=ttl)
        attributes = {"Ref": name, "Arn": description["TableArn"]}
        if "LatestStreamArn" in description:
            attributes["StreamArn"] = description["LatestStreamArn"]
        return attributes

    def _bus(self, logical_id: str, p: dict[str, Any]) -> dict[str, Any]:
        name = p["Name"]
        arn = self._client("events").create_event_bus(Name=name)["EventBusArn"]
        return {"Ref": name, "Arn": arn, "Name": name}

    def _archive(self, logical_id: str, p: dict[str, Any]) -> dict[str, Any]:
        name = p.get("ArchiveName") or self._name(logical_id)
        kwargs: dict[str, Any] = {"ArchiveName": name, "EventSourceArn": p["SourceArn"]}
        if "EventPattern" in p:
            kwargs["EventPattern"] = json.dumps(p["EventPattern"])
        if "RetentionDays" in p:
            kwargs["RetentionDays"] = int(p["RetentionDays"])
        arn = self._client("events").create_archive(**kwargs)["ArchiveArn"]
        return {"Ref": name, "Arn": arn, "ArchiveName": name}

    def _rule(self, logical_id: str, p: dict[str, Any]) -> dict[str, Any]:
        name = p.get("Name") or self._name(logical_id)
        return self._put_rule(name, p.get("EventBusName", "default"), p["EventPattern"], p.get("Targets", []))

    def _put_rule(
        self, name: str, bus: str, pattern: dict[str, Any], targets: list[dict[str, Any]]
    ) -> dict[str, Any]:
        events = self._client("events")
        arn = events.put_rule(Name=name, EventBusName=bus, EventPattern=json.dumps(pattern), State="ENABLED")[
            "RuleArn"
        ]
        if targets:
            events.put_targets(Rule=name, EventBusName=bus, Targets=cast(Any, targets))
        return {"Ref": name, "Arn": arn}

    def _queue(self, logical_id: str, p: dict[str, Any]) -> dict[str, Any]:
        name = p.get("QueueName") or self._name(logical_id)
        attributes = {
            k: str(v)
            for k, v in p.items()
            if k in ("VisibilityTimeout", "MessageRetentionPeriod", "DelaySeconds", "FifoQueue")
        }
        if "RedrivePolicy" in p:
            attributes["RedrivePolicy"] = json.dumps(p["RedrivePolicy"])
        url = self._client("sqs").create_queue(QueueName=name, Attributes=cast(Any, attributes))["QueueUrl"]
        arn = self._arn("sqs", name)
        return {"Ref": url, "Arn": arn, "QueueName": name, "QueueUrl": url}

    def _secret(self, logical_id: str, p: dict[str, Any]) -> dict[str, Any]:
        name = p.get("Name") or self._name(logical_id)
        value = self.secret_values.get(logical_id)
        if value is None:
            value = p.get("SecretString")
        if value is None and "GenerateSecretString" in p:
            generate = p["GenerateSecretString"]
            document = json.loads(generate.get("SecretStringTemplate", "{}"))
            document[generate.get("GenerateStringKey", "password")] = "local-generated-secret"
            value = json.dumps(document)
        if value is None:
            raise TemplateError(f"secret {logical_id} has no value; supply one")
        arn = self._client("secretsmanager").create_secret(Name=name, SecretString=value)["ARN"]
        return {"Ref": arn, "Id": arn, "Name": name}

    def _kms_key(self, logical_id: str, p: dict[str, Any]) -> dict[str, Any]:
        kwargs = {k: p[k] for k in ("KeySpec", "KeyUsage", "Description") if k in p}
        metadata = self._client("kms").create_key(**kwargs)["KeyMetadata"]
        return {"Ref": metadata["KeyId"], "Arn": metadata["Arn"], "KeyId": metadata["KeyId"]}

    def _kms_alias(self, logical_id: str, p: dict[str, Any]) -> dict[str, Any]:
        self._client("kms").create_alias(AliasName=p["AliasName"], TargetKeyId=p["TargetKeyId"])
        return {"Ref": p["AliasName"]}

    def _api(self, logical_id: str, p: dict[str, Any]) -> dict[str, Any]:
        # Served by the local API server; the id only appears in URLs and outputs.
        return {"Ref": f"local-{logical_id.lower()}", "RootResourceId": "root"}

    def _layer(self, logical_id: str, p: dict[str, Any]) -> dict[str, Any]:
        # Locally the layer's package is simply on sys.path.
        return {"Ref": self._arn("lambda", f"layer:{self._name(logical_id)}:1")}

    def _function(self, logical_id: str, p: dict[str, Any]) -> dict[str, Any]:
        name = p.get("FunctionName") or self._name(logical_id)
        return {"Ref": name, "Arn": self._arn("lambda", f"function:{name}")}

    def finish_function(self, logical_id: str, body: dict[str, Any]) -> None:
        """Registers the function's code and environment, its API routes and its EventBridge rules.

        Runs after every resource exists, because a function's environment refers to many of them.
        """
        raw = body.get("Properties", {})
        properties = self.resolver.resolve({k: v for k, v in raw.items() if k != "Events"})
        attributes = self.result.attributes[logical_id]
        globals_fn = self.document.get("Globals", {}).get("Function", {})
        environment = self.resolver.resolve(function_environment(self.document, logical_id))
        self.result.functions[logical_id] = FunctionSpec(
            logical_id=logical_id,
            name=attributes["Ref"],
            arn=attributes["Arn"],
            code_dir=self.template_dir / properties["CodeUri"],
            handler=properties["Handler"],
            environment={k: str(v) for k, v in environment.items()},
            timeout_s=int(properties.get("Timeout", globals_fn.get("Timeout", 3))),
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
            name = p.get("RuleName") or self._name(f"{logical_id}{event_name}")
            self._put_rule(name, p.get("EventBusName", "default"), p["Pattern"], [target])
        elif kind in ("Schedule", "ScheduleV2"):
            self._schedule(logical_id, event_name, p, arn)
        else:
            raise TemplateError(f"{logical_id}.{event_name}: event type {kind} is not emulated locally")

    def _schedule(self, logical_id: str, event_name: str, p: dict[str, Any], arn: str) -> None:
        expression = p["Schedule"] if "Schedule" in p else p["ScheduleExpression"]
        period = rate_seconds(expression)
        disabled = p.get("Enabled") is False or str(p.get("State", "ENABLED")).upper() == "DISABLED"
        name = p.get("Name") or self._name(f"{logical_id}{event_name}")
        # The rule exists in moto for people and scripts to see; moto never fires it, LocalScheduler does.
        rule_arn = self._client("events").put_rule(
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

    def _state_machine(self, logical_id: str, p: dict[str, Any]) -> dict[str, Any]:
        name = p.get("Name") or self._name(logical_id)
        if "DefinitionUri" in p:
            text = (self.template_dir / p["DefinitionUri"]).read_text(encoding="utf-8")
        else:
            text = json.dumps(p["Definition"])
        for key, value in p.get("DefinitionSubstitutions", {}).items():
            text = text.replace("${" + key + "}", str(value))
        arn = self._client("stepfunctions").create_state_machine(
            name=name,
            definition=text,
            roleArn=self._arn("iam", f"role/{name}-role").replace(f":{self.region}:", "::"),
            type=p.get("Type", "STANDARD"),
        )["stateMachineArn"]
        return {"Ref": arn, "Arn": arn, "Name": name}
