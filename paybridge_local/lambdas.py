"""Runs the real Lambda handlers in this process, as the Lambda service would call them.

Synchronous invocations return the handler's result or Lambda's error payload (``errorType`` is the
exception's class name, which Step Functions matches in Retry/Catch). Asynchronous invocations (EventBridge
targets) run on a worker pool with Lambda's retry behaviour, then go to the target's dead-letter queue.

This process is one execution environment shared by every function, and a Lambda execution environment
serves one request at a time. Powertools keeps per-environment state (Metrics' metric set is shared by every
``Metrics`` instance, Logger's keys, the Event Handler's current event), so handlers here run one at a time
too: callers on many threads queue for the handler lock. No handler waits on another handler (EventBridge
targets and state machine tasks run on other threads), so the lock cannot deadlock. Races between
concurrent requests are DynamoDB's to settle, and tests drive those through the logic functions on threads.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import sys
import threading
import time
import traceback
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from paybridge_local.provision import FunctionSpec, Provisioned
from paybridge_local.template import ROOT

LAYER_DIR = ROOT / "layers" / "common"
#: Lambda retries a failed asynchronous invocation twice.
ASYNC_ATTEMPTS = 3


@dataclass
class LambdaContext:
    """The parts of Lambda's context object the handlers (and Powertools) use."""

    function_name: str
    invoked_function_arn: str
    memory_limit_in_mb: int
    aws_request_id: str
    timeout_s: int
    function_version: str = "$LATEST"
    log_group_name: str = "/aws/lambda/local"
    log_stream_name: str = "local"

    def __post_init__(self) -> None:
        self._deadline = time.monotonic() + self.timeout_s

    def get_remaining_time_in_millis(self) -> int:
        """Milliseconds left before this invocation's timeout."""
        return max(0, int((self._deadline - time.monotonic()) * 1000))


class FunctionError(Exception):
    """A handler raised; carries Lambda's error payload."""

    def __init__(self, payload: dict[str, Any]) -> None:
        super().__init__(payload.get("errorMessage", ""))
        self.payload = payload


class RuntimeClosedError(Exception):
    """An invocation reached a runtime whose stack has closed (e.g. from a stopped execution's thread)."""


def environment_for(functions: dict[str, FunctionSpec]) -> dict[str, str]:
    """The one process environment that serves every function.

    Handlers share this process, so their variables must agree; a conflict is an error, not a silent pick.
    """
    merged: dict[str, str] = {}
    for spec in functions.values():
        for key, value in spec.environment.items():
            if merged.get(key, value) != value:
                raise ValueError(f"functions disagree on environment variable {key}")
            merged[key] = value
    return merged


class LambdaRuntime:
    """Loads each function's module once and invokes its handler."""

    def __init__(self, provisioned: Provisioned, *, on_dead_letter: Callable[[str, dict[str, Any]], None]):
        self.provisioned = provisioned
        self._on_dead_letter = on_dead_letter
        self._modules: dict[str, ModuleType] = {}
        self._lock = threading.Lock()
        self._environment = threading.Lock()
        self._environment_thread: int | None = None
        self._closed = False
        self._pool = ThreadPoolExecutor(max_workers=8, thread_name_prefix="lambda-async")
        self._pending: set[Future[None]] = set()
        if str(LAYER_DIR) not in sys.path:
            sys.path.insert(0, str(LAYER_DIR))
        self.invocations: list[tuple[str, str]] = []  # (function name, "sync"|"async"), for tests and counts

    def _handler(self, spec: FunctionSpec) -> Callable[[dict[str, Any], Any], Any]:
        module_name, _, attribute = spec.handler.rpartition(".")
        with self._lock:
            module = self._modules.get(spec.logical_id)
            if module is None:
                module = _load_module(spec.code_dir, module_name, spec.logical_id)
                self._modules[spec.logical_id] = module
        handler: Callable[[dict[str, Any], Any], Any] = getattr(module, attribute)
        return handler

    def spec(self, name_or_arn: str) -> FunctionSpec:
        """The function behind a name or ARN; ``KeyError`` if the template has none."""
        found = self.provisioned.function_by_name(name_or_arn)
        if found is None:
            raise KeyError(f"no function {name_or_arn!r} in the template")
        return found

    def invoke(self, name_or_arn: str, event: Any) -> Any:
        """Synchronous invoke. Raises ``FunctionError`` with Lambda's error payload if the handler raises."""
        spec = self.spec(name_or_arn)
        self.invocations.append((spec.name, "sync"))
        handler = self._handler(spec)
        with self._environment_held(spec):
            # Created once the environment is ours: the timeout counts from the handler's start.
            context = LambdaContext(
                function_name=spec.name,
                invoked_function_arn=spec.arn,
                memory_limit_in_mb=512,
                aws_request_id=str(uuid.uuid4()),
                timeout_s=spec.timeout_s,
            )
            try:
                return handler(event, context)
            except Exception as exc:
                raise FunctionError(
                    {
                        "errorType": type(exc).__name__,
                        "errorMessage": str(exc),
                        "stackTrace": traceback.format_exception(exc)[-3:],
                    }
                ) from exc

    @contextlib.contextmanager
    def _environment_held(self, spec: FunctionSpec) -> Iterator[None]:
        """The process's one execution environment, held while a handler runs (see the module docstring)."""
        if self._environment_thread == threading.get_ident():
            # A handler invoking another on its own thread would wait for itself: fail loudly instead.
            raise RuntimeError(f"{spec.name} invoked synchronously from inside another handler")
        with self._environment:
            if self._closed:
                # Its stack is gone; running the handler now would act on whatever stack is current.
                raise RuntimeClosedError(f"{spec.name}: the local stack has closed")
            self._environment_thread = threading.get_ident()
            try:
                yield
            finally:
                self._environment_thread = None

    def invoke_async(self, name_or_arn: str, event: Any, *, dead_letter_arn: str | None = None) -> None:
        """Event invoke: returns at once; retried like Lambda's async invocations, then dead-lettered."""
        spec = self.spec(name_or_arn)
        self.invocations.append((spec.name, "async"))

        def run() -> None:
            for attempt in range(1, ASYNC_ATTEMPTS + 1):
                try:
                    self.invoke(spec.name, event)
                    return
                except RuntimeClosedError:
                    return  # the stack, and its dead-letter queue, are gone
                except FunctionError as exc:
                    if attempt == ASYNC_ATTEMPTS:
                        if dead_letter_arn:
                            self._on_dead_letter(
                                dead_letter_arn, {"event": event, "error": exc.payload, "function": spec.name}
                            )
                        return
                    time.sleep(0.05 * attempt)

        future = self._pool.submit(run)
        with self._lock:
            self._pending.add(future)
        future.add_done_callback(self._forget)

    def _forget(self, future: Future[None]) -> None:
        with self._lock:
            self._pending.discard(future)

    def drain(self, timeout_s: float = 30.0) -> None:
        """Waits until every asynchronous invocation (and any it caused) has finished."""
        deadline = time.monotonic() + timeout_s
        while True:
            with self._lock:
                pending = list(self._pending)
            if not pending:
                return
            for future in pending:
                future.result(timeout=max(0.0, deadline - time.monotonic()))

    def close(self) -> None:
        """Lets the running handler finish, refuses every later invocation, drops queued async work."""
        self._closed = True
        with self._environment:
            pass
        self._pool.shutdown(wait=True, cancel_futures=True)


def _load_module(code_dir: Path, module_name: str, logical_id: str) -> ModuleType:
    path = code_dir / (module_name.replace(".", "/") + ".py")
    unique = f"paybridge_local_fn_{logical_id}"
    spec = importlib.util.spec_from_file_location(unique, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load handler module {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[unique] = module
    spec.loader.exec_module(module)
    return module


def dumps_payload(value: Any) -> bytes:
    """A handler's result as Lambda returns it on the wire."""
    return json.dumps(value, default=str).encode("utf-8")
