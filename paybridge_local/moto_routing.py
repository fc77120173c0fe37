"""The one place that reaches into moto's internals (moto is pinned exactly for this reason).

moto cannot run Lambda code without Docker, and an EventBridge rule with a Lambda or Step Functions target
makes ``put_events`` fail. This module patches three moto methods so that:

* an EventBridge target that is a Lambda function is invoked asynchronously in-process (the real handler);
* a target that is a state machine starts an execution of it;
* ``lambda:Invoke`` (from boto3 or from a running state machine) calls the real handler synchronously.

It also installs ``moto_retention`` (moto keeps no more than AWS would: no tracking of every model
object, capped queues) and serialises moto's DynamoDB item operations behind one lock: moto's
``transact_write_items`` is not atomic across threads (it checks and writes item by item, and a cancelled
transaction restores a deep copy of the whole table, erasing any write another thread made meanwhile).
Handlers run on a worker pool here, so without the lock concurrent conditional writes would see races
DynamoDB itself never has. For the same reason it serialises ``StartExecution``: moto checks a name and
then adds the execution, so two concurrent starts with one name could both start, where Step Functions lets
exactly one win.

Everything else is left to moto. ``install`` and ``uninstall`` are idempotent and restore the originals.
"""

from __future__ import annotations

import copy
import functools
import json
import threading
from collections.abc import Callable
from typing import Any

from moto.awslambda.models import LambdaBackend
from moto.awslambda_simple.models import LambdaSimpleBackend
from moto.core.utils import iso_8601_datetime_without_milliseconds, utcfromtimestamp
from moto.dynamodb.models import DynamoDBBackend
from moto.events.models import Rule
from moto.events.utils import EventMessageType, EventTemplateParser
from moto.stepfunctions.models import StepFunctionBackend
from moto.stepfunctions.parser.models import StepFunctionsParserBackend
from moto.stepfunctions.responses import get_backend as stepfunctions_backend

from paybridge_local import moto_retention, moto_transactions
from paybridge_local.lambdas import FunctionError, LambdaRuntime, dumps_payload

_originals: dict[str, Callable[..., Any]] = {}
_runtime: LambdaRuntime | None = None

#: DynamoDB backend methods run one at a time (re-entrant: a transaction calls put_item/update_item).
_DYNAMODB_LOCKED = (
    "put_item",
    "update_item",
    "delete_item",
    "get_item",
    "query",
    "scan",
    "transact_write_items",
)
_dynamodb_lock = threading.RLock()
#: Step Functions backends whose ``start_execution`` runs one at a time (a name is unique atomically).
_STEPFUNCTIONS_BACKENDS = (StepFunctionBackend, StepFunctionsParserBackend)
_stepfunctions_lock = threading.RLock()


def _locked(method: Callable[..., Any], lock: threading.RLock = _dynamodb_lock) -> Callable[..., Any]:
    @functools.wraps(method)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with lock:
            return method(*args, **kwargs)

    return wrapper


def install(runtime: LambdaRuntime) -> None:
    """Routes Lambda and state machine work to ``runtime`` (replacing any previous runtime)."""
    global _runtime
    _runtime = runtime
    if _originals:
        return
    _originals["send_to_targets"] = Rule.send_to_targets
    _originals["invoke"] = LambdaBackend.invoke
    _originals["invoke_simple"] = LambdaSimpleBackend.invoke
    Rule.send_to_targets = _send_to_targets  # type: ignore[method-assign]
    LambdaBackend.invoke = _invoke  # type: ignore[method-assign]
    LambdaSimpleBackend.invoke = _invoke  # type: ignore[method-assign]
    # Before the lock wraps it: transactions keep an item-level undo log, not whole-table copies.
    moto_transactions.install()
    # What moto would otherwise keep forever: every model object it ever made (moto_retention.py).
    moto_retention.install()
    for name in _DYNAMODB_LOCKED:
        _originals[f"dynamodb.{name}"] = getattr(DynamoDBBackend, name)
        setattr(DynamoDBBackend, name, _locked(getattr(DynamoDBBackend, name)))
    for backend in _STEPFUNCTIONS_BACKENDS:
        # Each class's own method (the parser backend overrides the base one), wrapped once.
        _originals[f"stepfunctions.{backend.__name__}"] = backend.__dict__["start_execution"]
        backend.start_execution = _locked(  # type: ignore[method-assign]
            backend.__dict__["start_execution"], _stepfunctions_lock
        )


def uninstall() -> None:
    """Restores moto's own behaviour."""
    global _runtime
    if _originals:
        Rule.send_to_targets = _originals.pop("send_to_targets")  # type: ignore[method-assign]
        LambdaBackend.invoke = _originals.pop("invoke")  # type: ignore[method-assign]
        LambdaSimpleBackend.invoke = _originals.pop("invoke_simple")  # type: ignore[method-assign]
        for name in _DYNAMODB_LOCKED:
            setattr(DynamoDBBackend, name, _originals.pop(f"dynamodb.{name}"))
        moto_transactions.uninstall()
        moto_retention.uninstall()
        for backend in _STEPFUNCTIONS_BACKENDS:
            backend.start_execution = _originals.pop(  # type: ignore[method-assign]
                f"stepfunctions.{backend.__name__}"
            )
    _runtime = None


def expire_ttl_items() -> int:
    """Deletes the expired items of every table with TTL enabled (``moto_retention``), between item
    operations; returns how many."""
    return moto_retention.expire_items(_dynamodb_lock)


def _routed(arn: str) -> bool:
    return ":lambda:" in arn or ":states:" in arn


def target_input(target: dict[str, Any], original: EventMessageType) -> Any:
    """What EventBridge hands a target: the event (ISO time), its InputPath part, or a transformed input."""
    event: Any = copy.deepcopy(original)
    if isinstance(event.get("time"), int | float):
        event["time"] = iso_8601_datetime_without_milliseconds(utcfromtimestamp(event["time"]))
    if "InputTransformer" in target:
        transformer = target["InputTransformer"]
        return EventTemplateParser.parse(
            input_template=transformer.get("InputTemplate"),
            input_paths_map=transformer.get("InputPathsMap", {}),
            event=event,
        )
    if "Input" in target:
        return json.loads(target["Input"])
    path = target.get("InputPath")
    if path:
        # Only the simple "$.a.b" form: what a rule in this template may use.
        value: Any = event
        for part in path.removeprefix("$").strip(".").split("."):
            value = value.get(part) if isinstance(value, dict) else None
        return value
    return event


def _send_to_targets(self: Rule, original_event: EventMessageType, transform_input: bool = True) -> None:
    routed = [t for t in self.targets if _routed(t["Arn"])]
    if routed and _runtime is not None and self.event_pattern.matches_event(original_event):
        for target in routed:
            payload = target_input(target, original_event)
            if ":lambda:" in target["Arn"]:
                # Lambda accepts the event, so the target's DeadLetterConfig (for events EventBridge cannot
                # deliver) is not where a failing function's event goes: the runtime sends it to the
                # function's own on-failure destination after Lambda's retries.
                _runtime.invoke_async(target["Arn"], payload)
            else:
                _start_execution(target["Arn"], payload, original_event)
    others = [t for t in self.targets if not _routed(t["Arn"])]
    if others:
        clone = copy.copy(self)
        clone.targets = others
        _originals["send_to_targets"](clone, original_event, transform_input)


def _start_execution(state_machine_arn: str, payload: Any, event: EventMessageType) -> None:
    parts = state_machine_arn.split(":")
    backend = stepfunctions_backend(parts[4], parts[3])
    backend.start_execution(state_machine_arn, name=f"evt-{event['id']}", execution_input=json.dumps(payload))


def _invoke(
    self: LambdaBackend,
    function_name: str,
    qualifier: str | None,
    body: Any,
    headers: Any,
    response_headers: Any,
) -> str | bytes | None:
    runtime = _runtime
    if runtime is None or runtime.provisioned.function_by_name(function_name) is None:
        original = _originals["invoke_simple" if isinstance(self, LambdaSimpleBackend) else "invoke"]
        result: str | bytes | None = original(self, function_name, qualifier, body, headers, response_headers)
        return result
    event = json.loads(body) if body else {}
    if headers.get("X-Amz-Invocation-Type") == "Event":
        runtime.invoke_async(function_name, event)
        return b""
    try:
        payload = dumps_payload(runtime.invoke(function_name, event))
    except FunctionError as exc:
        response_headers["x-amz-function-error"] = "Unhandled"
        payload = dumps_payload(exc.payload)
    response_headers["Content-Length"] = str(len(payload))
    return payload
