"""Where the operator's commands act: a deployed stack (AWS) or the local stack of ``make local``.

Every command takes the same options: ``--stack NAME`` (AWS: the usual profile and region, or ``--profile``
/ ``--region``; physical ids come from the stack's resources and outputs), or ``--outputs PATH`` (the local
stack's ``.local/outputs.json``, the default, also through ``LOCAL_OUTPUTS``).
"""

from __future__ import annotations

import argparse
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config

DEFAULT_OUTPUTS = Path(__file__).resolve().parent.parent / ".local" / "outputs.json"
#: The local stack's documented credentials (README, "The local stack"); never used against AWS.
LOCAL_CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}


def add_target_arguments(parser: argparse.ArgumentParser) -> None:
    """``--stack`` / ``--outputs`` / ``--region`` / ``--profile``, shared by every command."""
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--stack", help="a deployed stack's name (AWS)")
    where.add_argument(
        "--outputs", type=Path, help="the local stack's outputs.json (default .local/outputs.json)"
    )
    parser.add_argument("--region", help="AWS region (AWS only; default: your configuration)")
    parser.add_argument("--profile", help="AWS profile (AWS only)")


@dataclass
class Target:
    """A boto3 session (with the local endpoint when local) and the stack's physical ids by logical id."""

    session: boto3.session.Session
    name: str
    endpoint_url: str | None = None
    resources: dict[str, dict[str, Any]] = field(default_factory=dict)
    _clients: dict[str, Any] = field(default_factory=dict)

    @property
    def local(self) -> bool:
        """Whether this is the local stack."""
        return self.endpoint_url is not None

    def client(self, service: str, config: Config | None = None) -> Any:
        """A client of ``service`` for this target (one per service unless a config is given)."""
        if config is not None:
            return self.session.client(service, endpoint_url=self.endpoint_url, config=config)  # type: ignore[call-overload]
        if service not in self._clients:
            self._clients[service] = self.session.client(service, endpoint_url=self.endpoint_url)  # type: ignore[call-overload]
        return self._clients[service]

    def ref(self, logical_id: str) -> str:
        """The resource's physical id (``Ref``: table name, queue URL, function name, state machine ARN)."""
        try:
            return str(self.resources[logical_id]["Ref"])
        except KeyError:
            raise SystemExit(f"{self.name} has no resource {logical_id}") from None

    def has(self, logical_id: str) -> bool:
        """Whether the stack has this resource."""
        return logical_id in self.resources


def target_of(args: argparse.Namespace) -> Target:
    """The target the arguments name."""
    if getattr(args, "stack", None):
        return aws_target(args.stack, region=args.region, profile=args.profile)
    path = getattr(args, "outputs", None) or Path(os.environ.get("LOCAL_OUTPUTS") or DEFAULT_OUTPUTS)
    return local_target(path)


def local_target(path: Path) -> Target:
    """The local stack, from its outputs file."""
    if not path.is_file():
        raise SystemExit(f"{path} not found: start the local stack (make local), or pass --stack for AWS")
    outputs = json.loads(path.read_text(encoding="utf-8"))
    session = boto3.session.Session(
        region_name=outputs["region"],
        aws_access_key_id=LOCAL_CREDENTIALS["aws_access_key_id"],
        aws_secret_access_key=LOCAL_CREDENTIALS["aws_secret_access_key"],
    )
    resources = dict(outputs["resources"])
    for logical_id, function in outputs.get("functions", {}).items():
        resources.setdefault(logical_id, {"Ref": function["name"], "Arn": function["arn"]})
    return Target(session, f"the local stack ({path})", outputs["urls"]["aws"], resources)


def aws_target(stack: str, *, region: str | None, profile: str | None) -> Target:
    """A deployed stack: its resources' physical ids (``ListStackResources``) and its outputs."""
    session = boto3.session.Session(profile_name=profile, region_name=region)
    cloudformation = session.client("cloudformation")
    resources: dict[str, dict[str, Any]] = {}
    for page in cloudformation.get_paginator("list_stack_resources").paginate(StackName=stack):
        for summary in page["StackResourceSummaries"]:
            physical = summary.get("PhysicalResourceId")
            if physical:
                resources[summary["LogicalResourceId"]] = {"Ref": physical, "Type": summary["ResourceType"]}
    outputs = cloudformation.describe_stacks(StackName=stack)["Stacks"][0].get("Outputs", [])
    found = Target(session, f"stack {stack}", None, resources)
    for output in outputs:
        found.resources.setdefault(f"Output:{output['OutputKey']}", {"Ref": output["OutputValue"]})
    return found
