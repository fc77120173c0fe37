"""How each emulated resource type is created in moto: tables, buses, archives, rules, queues, secrets, KMS
keys and aliases, state machines, and the ids that stand in for the API, the layer and the functions.

``provision`` walks the template and resolves each resource's properties; this module makes the one call (or
few) that creates it and returns its attributes (``Ref``, ``Arn`` ...) as CloudFormation would give them.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import boto3

from paybridge_local.template import TemplateError

__all__ = ["ResourceCreator"]

_Create = Callable[[str, dict[str, Any]], dict[str, Any]]


@dataclass
class ResourceCreator:
    """Creates resources of the emulated types through one session's clients, named after the stack."""

    session: boto3.session.Session
    region: str
    account_id: str
    stack: str
    secret_values: dict[str, str]
    template_dir: Path
    _clients: dict[str, Any] = field(default_factory=dict, init=False)
    _creators: dict[str, _Create] = field(default_factory=dict, init=False)

    def __post_init__(self) -> None:
        self._creators = {
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

    def creator(self, resource_type: str) -> _Create | None:
        """What creates a resource of ``resource_type`` (logical id, resolved properties → attributes);
        None for a type with no local meaning (IAM, alarms, log groups ...)."""
        return self._creators.get(resource_type)

    def client(self, service: str) -> Any:
        """The session's client for ``service``, created once."""
        # One client per service: creating a botocore client costs more than most calls it makes.
        if service not in self._clients:
            self._clients[service] = self.session.client(service)  # type: ignore[call-overload]
        return self._clients[service]

    def arn(self, service: str, resource: str) -> str:
        """A local ARN of ``service`` in this region and account."""
        return f"arn:aws:{service}:{self.region}:{self.account_id}:{resource}"

    def name(self, logical_id: str) -> str:
        """The name CloudFormation gives a resource that names none: ``{stack}-{logical id}``."""
        return f"{self.stack}-{logical_id}"

    def _table(self, logical_id: str, p: dict[str, Any]) -> dict[str, Any]:
        client = self.client("dynamodb")
        name = p.get("TableName") or self.name(logical_id)
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
        arn = self.client("events").create_event_bus(Name=name)["EventBusArn"]
        return {"Ref": name, "Arn": arn, "Name": name}

    def _archive(self, logical_id: str, p: dict[str, Any]) -> dict[str, Any]:
        name = p.get("ArchiveName") or self.name(logical_id)
        kwargs: dict[str, Any] = {"ArchiveName": name, "EventSourceArn": p["SourceArn"]}
        if "EventPattern" in p:
            kwargs["EventPattern"] = json.dumps(p["EventPattern"])
        if "RetentionDays" in p:
            kwargs["RetentionDays"] = int(p["RetentionDays"])
        arn = self.client("events").create_archive(**kwargs)["ArchiveArn"]
        return {"Ref": name, "Arn": arn, "ArchiveName": name}

    def _rule(self, logical_id: str, p: dict[str, Any]) -> dict[str, Any]:
        name = p.get("Name") or self.name(logical_id)
        return self.put_rule(name, p.get("EventBusName", "default"), p["EventPattern"], p.get("Targets", []))

    def put_rule(
        self, name: str, bus: str, pattern: dict[str, Any], targets: list[dict[str, Any]]
    ) -> dict[str, Any]:
        """An EventBridge rule on ``bus`` with its targets; returns its attributes."""
        events = self.client("events")
        arn = events.put_rule(Name=name, EventBusName=bus, EventPattern=json.dumps(pattern), State="ENABLED")[
            "RuleArn"
        ]
        if targets:
            events.put_targets(Rule=name, EventBusName=bus, Targets=cast(Any, targets))
        return {"Ref": name, "Arn": arn}

    def _queue(self, logical_id: str, p: dict[str, Any]) -> dict[str, Any]:
        name = p.get("QueueName") or self.name(logical_id)
        attributes = {
            k: str(v)
            for k, v in p.items()
            if k in ("VisibilityTimeout", "MessageRetentionPeriod", "DelaySeconds", "FifoQueue")
        }
        if "RedrivePolicy" in p:
            attributes["RedrivePolicy"] = json.dumps(p["RedrivePolicy"])
        url = self.client("sqs").create_queue(QueueName=name, Attributes=cast(Any, attributes))["QueueUrl"]
        arn = self.arn("sqs", name)
        return {"Ref": url, "Arn": arn, "QueueName": name, "QueueUrl": url}

    def _secret(self, logical_id: str, p: dict[str, Any]) -> dict[str, Any]:
        name = p.get("Name") or self.name(logical_id)
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
        arn = self.client("secretsmanager").create_secret(Name=name, SecretString=value)["ARN"]
        return {"Ref": arn, "Id": arn, "Name": name}

    def _kms_key(self, logical_id: str, p: dict[str, Any]) -> dict[str, Any]:
        kwargs = {k: p[k] for k in ("KeySpec", "KeyUsage", "Description") if k in p}
        metadata = self.client("kms").create_key(**kwargs)["KeyMetadata"]
        return {"Ref": metadata["KeyId"], "Arn": metadata["Arn"], "KeyId": metadata["KeyId"]}

    def _kms_alias(self, logical_id: str, p: dict[str, Any]) -> dict[str, Any]:
        self.client("kms").create_alias(AliasName=p["AliasName"], TargetKeyId=p["TargetKeyId"])
        return {"Ref": p["AliasName"]}

    def _api(self, logical_id: str, p: dict[str, Any]) -> dict[str, Any]:
        # Served by the local API server; the id only appears in URLs and outputs.
        return {"Ref": f"local-{logical_id.lower()}", "RootResourceId": "root"}

    def _layer(self, logical_id: str, p: dict[str, Any]) -> dict[str, Any]:
        # Locally the layer's package is simply on sys.path.
        return {"Ref": self.arn("lambda", f"layer:{self.name(logical_id)}:1")}

    def _function(self, logical_id: str, p: dict[str, Any]) -> dict[str, Any]:
        name = p.get("FunctionName") or self.name(logical_id)
        return {"Ref": name, "Arn": self.arn("lambda", f"function:{name}")}

    def _state_machine(self, logical_id: str, p: dict[str, Any]) -> dict[str, Any]:
        name = p.get("Name") or self.name(logical_id)
        if "DefinitionUri" in p:
            text = (self.template_dir / p["DefinitionUri"]).read_text(encoding="utf-8")
        else:
            text = json.dumps(p["Definition"])
        for key, value in p.get("DefinitionSubstitutions", {}).items():
            text = text.replace("${" + key + "}", str(value))
        arn = self.client("stepfunctions").create_state_machine(
            name=name,
            definition=text,
            roleArn=self.arn("iam", f"role/{name}-role").replace(f":{self.region}:", "::"),
            type=p.get("Type", "STANDARD"),
        )["stateMachineArn"]
        return {"Ref": arn, "Arn": arn, "Name": name}
