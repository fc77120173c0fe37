"""Least privilege, enforced locally: each AWS call a function makes is judged against its own statements.

moto's own IAM checks judge most services' actions against the resource ``*`` only (see
/work/shared/LOCAL-AWS.md), so they cannot tell a least-privilege template from a broad one. Here every call
is mapped to the IAM action(s) and resource ARN(s) AWS would authorize (``request_authorizations``), and
``evaluate`` applies the function's identity-based statements: an explicit Deny wins, then an Allow is
needed, else the call is refused with the ``AccessDeniedException`` AWS would answer.

What this does not judge (the README's "Local" section says so too): ``Condition`` blocks (an Allow with a
condition counts as allowing, a Deny with one as not denying), resource-based policies (queue, topic,
secret and KMS key policies), permission boundaries and SCPs, and the resource of Step Functions task-token
calls (a token does not name its state machine, so only the action is checked). A service this module has
no mapping for is judged as the action on ``*``.

Imported by the worker processes, so it imports botocore only.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ClientError

#: The Step Functions operations whose request names a task token, not a state machine.
_TASK_TOKEN_OPERATIONS = frozenset({"SendTaskSuccess", "SendTaskFailure", "SendTaskHeartbeat"})
#: Operations AWS authorizes without any identity-based permission.
_ALWAYS_ALLOWED = frozenset({("sts", "GetCallerIdentity")})
#: Any resource: used when an action cannot be scoped (Step Functions task tokens).
ANY_RESOURCE = ""


@dataclass(frozen=True)
class Authorization:
    """One action on one resource that a request needs (``resource`` ANY_RESOURCE: any will do)."""

    action: str
    resource: str


@dataclass(frozen=True)
class Account:
    """Where ARNs point: the region and account of the local stack, and names the calls use for secrets."""

    region: str
    account_id: str
    #: Secret name → ARN: a call may name a secret, a policy names its ARN (moto adds a random suffix).
    secret_arns: Mapping[str, str] = field(default_factory=dict)

    def arn(self, service: str, resource: str) -> str:
        """An ARN of this account and region."""
        return f"arn:aws:{service}:{self.region}:{self.account_id}:{resource}"


def request_authorizations(
    service: str, operation: str, params: Mapping[str, Any], account: Account
) -> list[Authorization]:
    """What AWS checks before it runs ``operation`` of ``service`` (botocore's names) with ``params``."""
    prefix = _PREFIX.get(service, service)
    mapper = _MAPPERS.get(service)
    if mapper is None:
        return [Authorization(f"{prefix}:{operation}", "*")]
    return mapper(operation, params, account)


def _dynamodb(operation: str, params: Mapping[str, Any], account: Account) -> list[Authorization]:
    def table(name: str, index: str | None = None) -> str:
        arn = name if name.startswith("arn:") else account.arn("dynamodb", f"table/{name}")
        return f"{arn}/index/{index}" if index else arn

    if operation in ("TransactWriteItems", "TransactGetItems"):
        # No action of its own: each item needs the action of its kind on its table.
        kinds = {"Put": "PutItem", "Update": "UpdateItem", "Delete": "DeleteItem", "Get": "GetItem"}
        kinds["ConditionCheck"] = "ConditionCheckItem"
        found = []
        for item in params.get("TransactItems", []):
            for kind, body in item.items():
                found.append(Authorization(f"dynamodb:{kinds[kind]}", table(body["TableName"])))
        return found
    if operation in ("BatchWriteItem", "BatchGetItem"):
        return [
            Authorization(f"dynamodb:{operation}", table(name)) for name in params.get("RequestItems", {})
        ]
    if "TableName" in params:
        return [Authorization(f"dynamodb:{operation}", table(params["TableName"], params.get("IndexName")))]
    return [Authorization(f"dynamodb:{operation}", "*")]


def _events(operation: str, params: Mapping[str, Any], account: Account) -> list[Authorization]:
    def bus(name: str | None) -> str:
        name = name or "default"
        return name if name.startswith("arn:") else account.arn("events", f"event-bus/{name}")

    if operation == "PutEvents":
        buses = {bus(entry.get("EventBusName")) for entry in params.get("Entries", [])}
        return [Authorization("events:PutEvents", arn) for arn in sorted(buses)]
    if "EventBusName" in params:
        return [Authorization(f"events:{operation}", bus(params["EventBusName"]))]
    return [Authorization(f"events:{operation}", "*")]


def _sqs(operation: str, params: Mapping[str, Any], account: Account) -> list[Authorization]:
    if "QueueUrl" in params:
        name = str(params["QueueUrl"]).rstrip("/").rsplit("/", 1)[-1]
    elif "QueueName" in params:
        name = str(params["QueueName"])
    else:
        return [Authorization(f"sqs:{operation}", "*")]
    return [Authorization(f"sqs:{operation}", account.arn("sqs", name))]


def _arn_param(prefix: str, *names: str) -> Callable[[str, Mapping[str, Any], Account], list[Authorization]]:
    def mapper(operation: str, params: Mapping[str, Any], account: Account) -> list[Authorization]:
        for name in names:
            if name in params:
                return [Authorization(f"{prefix}:{operation}", str(params[name]))]
        return [Authorization(f"{prefix}:{operation}", "*")]

    return mapper


def _kms(operation: str, params: Mapping[str, Any], account: Account) -> list[Authorization]:
    key = str(params.get("KeyId", ""))
    if not key:
        return [Authorization(f"kms:{operation}", "*")]
    if key.startswith("alias/"):
        resource = account.arn("kms", key)
    elif key.startswith("arn:"):
        resource = key
    else:
        resource = account.arn("kms", f"key/{key}")
    return [Authorization(f"kms:{operation}", resource)]


def _secretsmanager(operation: str, params: Mapping[str, Any], account: Account) -> list[Authorization]:
    secret = str(params.get("SecretId", ""))
    if not secret:
        return [Authorization(f"secretsmanager:{operation}", "*")]
    arn = (
        secret
        if secret.startswith("arn:")
        else account.secret_arns.get(secret, account.arn("secretsmanager", f"secret:{secret}"))
    )
    return [Authorization(f"secretsmanager:{operation}", arn)]


def _ssm(operation: str, params: Mapping[str, Any], account: Account) -> list[Authorization]:
    names = params.get("Names") or ([params["Name"]] if "Name" in params else [])
    if not names:
        return [Authorization(f"ssm:{operation}", "*")]
    return [
        Authorization(f"ssm:{operation}", account.arn("ssm", f"parameter/{str(n).lstrip('/')}"))
        for n in names
    ]


def _stepfunctions(operation: str, params: Mapping[str, Any], account: Account) -> list[Authorization]:
    if operation in _TASK_TOKEN_OPERATIONS:
        return [Authorization(f"states:{operation}", ANY_RESOURCE)]
    return _arn_param("states", "stateMachineArn", "executionArn")(operation, params, account)


def _lambda(operation: str, params: Mapping[str, Any], account: Account) -> list[Authorization]:
    name = str(params.get("FunctionName", ""))
    if not name:
        return [Authorization(f"lambda:{operation}", "*")]
    arn = name if name.startswith("arn:") else account.arn("lambda", f"function:{name}")
    action = "lambda:InvokeFunction" if operation in ("Invoke", "InvokeAsync") else f"lambda:{operation}"
    return [Authorization(action, arn)]


_PREFIX = {"stepfunctions": "states", "lambda": "lambda", "cloudwatch": "cloudwatch", "logs": "logs"}
_MAPPERS: dict[str, Callable[[str, Mapping[str, Any], Account], list[Authorization]]] = {
    "dynamodb": _dynamodb,
    "events": _events,
    "sqs": _sqs,
    "sns": _arn_param("sns", "TopicArn", "TargetArn"),
    "kms": _kms,
    "secretsmanager": _secretsmanager,
    "ssm": _ssm,
    "stepfunctions": _stepfunctions,
    "lambda": _lambda,
}


# ---- evaluation ----------------------------------------------------------------------------------------
@functools.lru_cache(maxsize=4096)
def _pattern(text: str, ignore_case: bool) -> re.Pattern[str]:
    body = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in text)
    return re.compile(f"^{body}$", re.IGNORECASE if ignore_case else 0)


def _as_list(value: Any) -> list[str]:
    return [value] if isinstance(value, str) else [str(v) for v in value or []]


def _matches_any(patterns: Iterable[str], value: str, *, ignore_case: bool) -> bool:
    return any(_pattern(p, ignore_case).match(value) for p in patterns)


def _statement_applies(statement: Mapping[str, Any], authorization: Authorization) -> bool:
    if "Action" in statement:
        action_ok = _matches_any(_as_list(statement["Action"]), authorization.action, ignore_case=True)
    else:
        action_ok = not _matches_any(
            _as_list(statement.get("NotAction")), authorization.action, ignore_case=True
        )
    if not action_ok:
        return False
    if authorization.resource == ANY_RESOURCE:
        return True
    if "Resource" in statement:
        return _matches_any(_as_list(statement["Resource"]), authorization.resource, ignore_case=False)
    return not _matches_any(_as_list(statement.get("NotResource")), authorization.resource, ignore_case=False)


def evaluate(statements: Sequence[Mapping[str, Any]], authorization: Authorization) -> bool:
    """True when the statements allow the authorization: no applicable Deny, at least one Allow."""
    applicable = [s for s in statements if _statement_applies(s, authorization)]
    if any(s.get("Effect") == "Deny" and "Condition" not in s for s in applicable):
        return False
    return any(s.get("Effect") == "Allow" for s in applicable)


def access_denied(principal: str, operation: str, authorization: Authorization) -> ClientError:
    """The error AWS answers a call no identity-based policy allows."""
    resource = authorization.resource or "*"
    message = (
        f"User: {principal} is not authorized to perform: {authorization.action} on resource: {resource} "
        f"because no identity-based policy allows the {authorization.action} action"
    )
    response: Any = {
        "Error": {"Code": "AccessDeniedException", "Message": message},
        "ResponseMetadata": {"HTTPStatusCode": 400},
    }
    return ClientError(response, operation)


@dataclass(frozen=True)
class Enforcer:
    """Judges every call of one function; ``check`` is registered on each botocore client it creates."""

    principal: str
    statements: Sequence[Mapping[str, Any]]
    account: Account

    def check(self, service: str, operation: str, params: Mapping[str, Any]) -> None:
        """Raises ``ClientError`` (AccessDeniedException) unless the statements allow all the call needs."""
        if (service, operation) in _ALWAYS_ALLOWED:
            return
        for authorization in request_authorizations(service, operation, params, self.account):
            if not evaluate(self.statements, authorization):
                raise access_denied(self.principal, operation, authorization)


def install(enforcer: Enforcer) -> None:
    """Makes every botocore client this process creates from now on call ``enforcer`` before each request."""
    import botocore.session

    original = botocore.session.Session.create_client

    @functools.wraps(original)
    def create_client(self: botocore.session.Session, *args: Any, **kwargs: Any) -> Any:
        client = original(self, *args, **kwargs)
        service = client.meta.service_model.service_name

        def before_parameter_build(params: Mapping[str, Any], model: Any, **_: Any) -> None:
            enforcer.check(service, model.name, params)

        client.meta.events.register("before-parameter-build", before_parameter_build)
        return client

    botocore.session.Session.create_client = create_client  # type: ignore[method-assign]
