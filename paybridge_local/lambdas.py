"""Runs the real Lambda handlers as the Lambda service would call them: here in-process, or in workers.

Synchronous invocations return the handler's result or Lambda's error payload (``errorType`` is the
exception's class name, which Step Functions matches in Retry/Catch). Asynchronous invocations (EventBridge
targets, schedules, ``InvocationType=Event``) run on a thread pool with Lambda's retry behaviour: two more
attempts (or the function's ``EventInvokeConfig.MaximumRetryAttempts``), the first after ``retry_delays_s[0]``
and the second after ``retry_delays_s[1]`` (Lambda waits about one and two minutes), none once the event is
older than ``MaximumEventAgeInSeconds``; then the function's on-failure destination or dead-letter queue, if
the template gives it one (an EventBridge target's own DLQ only gets what EventBridge could not deliver).
A retry waits on one timer thread, not on a pool thread: Lambda's queue holds no execution while an event
waits for its retry, and a pool full of waiting retries would stall every other function's events.

``LambdaRuntime`` itself runs every handler in this process: that is the in-process test stack's mode
(tests/conftest.py), whose emulated AWS (moto's ``mock_aws``) exists only inside this process, so a worker
process could not reach it. This process is then one execution environment shared by every function, and a
Lambda execution environment serves one request at a time. Powertools keeps per-environment state
(Metrics' metric set, Logger's keys, the Event Handler's current event), so handlers run one at a time:
callers queue for the handler lock, there is no timeout, and every function's variables share
``os.environ``. The real local stack (``python -m paybridge_local``) uses ``WorkerRuntime``
(paybridge_local/workers.py) instead: a process per execution environment, as on Lambda.
"""

from __future__ import annotations

import contextlib
import heapq
import importlib.util
import itertools
import sys
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from paybridge_local.provision import FunctionSpec, Provisioned
from paybridge_local.template import ROOT
from paybridge_local.worker import LambdaContext, dumps_payload, error_payload

__all__ = ["FunctionError", "LambdaContext", "LambdaRuntime", "RuntimeClosedError", "dumps_payload"]

LAYER_DIR = ROOT / "layers" / "common"
#: Lambda's waits before the first and the second retry of a failed asynchronous invocation.
LAMBDA_RETRY_DELAYS_S = (60.0, 120.0)
#: Newest invocations ``LambdaRuntime.invocations`` keeps (for tests and counts; a long run must not grow).
INVOCATION_LOG_LIMIT = 10_000


class FunctionError(Exception):
    """A handler raised; carries Lambda's error payload."""

    def __init__(self, payload: dict[str, Any]) -> None:
        super().__init__(payload.get("errorMessage", ""))
        self.payload = payload


class RuntimeClosedError(Exception):
    """An invocation reached a runtime whose stack has closed (e.g. from a stopped execution's thread)."""


@dataclass(frozen=True)
class _Retry:
    """An asynchronous event's next attempt, waiting out Lambda's retry delay."""

    spec: FunctionSpec
    event: Any
    received: float
    attempt: int


class LambdaRuntime:
    """Loads each function's module once and invokes its handler."""

    def __init__(
        self,
        provisioned: Provisioned,
        *,
        on_dead_letter: Callable[[str, dict[str, Any]], None],
        retry_delays_s: tuple[float, ...] = LAMBDA_RETRY_DELAYS_S,
    ):
        self.provisioned = provisioned
        self._on_dead_letter = on_dead_letter
        self._retry_delays_s = retry_delays_s
        self._modules: dict[str, ModuleType] = {}
        self._lock = threading.Lock()
        self._environment = threading.Lock()
        self._environment_thread: int | None = None
        self._closed = False
        self._closing = threading.Event()  # wakes retries waiting out their delay when the stack closes
        # Lambda queues asynchronous events per function; a thread waiting on a slow handler must not hold
        # up another function's events, so the pool is wide (the handlers' own concurrency is capped).
        self._pool = ThreadPoolExecutor(max_workers=32, thread_name_prefix="lambda-async")
        self._pending: set[Future[None]] = set()
        # Retries waiting out their delay: (due, sequence, retry) on a heap, queued by one timer thread.
        self._retries: list[tuple[float, int, _Retry]] = []
        self._retry_order = itertools.count()
        self._retry_wakeup = threading.Condition(self._lock)
        self._retry_thread: threading.Thread | None = None
        if str(LAYER_DIR) not in sys.path:
            sys.path.insert(0, str(LAYER_DIR))
        #: (function name, "sync"|"async"), newest last, for tests and counts
        self.invocations: deque[tuple[str, str]] = deque(maxlen=INVOCATION_LOG_LIMIT)

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
                raise FunctionError(error_payload(exc)) from exc

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

    def invoke_async(self, name_or_arn: str, event: Any) -> None:
        """Event invoke: returns at once; retried as Lambda retries, then sent to the on-failure target."""
        spec = self.spec(name_or_arn)
        self.invocations.append((spec.name, "async"))
        self._submit(spec, event, time.monotonic(), 1)

    def _submit(self, spec: FunctionSpec, event: Any, received: float, attempt: int) -> None:
        with self._lock:
            future = self._start(spec, event, received, attempt)
        if future is not None:
            future.add_done_callback(self._forget)  # outside the lock: a finished future calls back at once

    def _start(self, spec: FunctionSpec, event: Any, received: float, attempt: int) -> Future[None] | None:
        """Queues one attempt on the pool and counts it as pending; the caller holds ``_lock``."""
        try:
            future = self._pool.submit(self._run_async, spec, event, received, attempt)
        except RuntimeError:
            return None  # the pool has shut down: the stack, and its queues, are gone
        self._pending.add(future)
        return future

    def _run_async(self, spec: FunctionSpec, event: Any, received: float, attempt: int) -> None:
        attempts = 1 + max(0, spec.async_max_retries)
        try:
            self.invoke(spec.name, event)
            return
        except RuntimeClosedError:
            return  # the stack, and its queues, are gone
        except FunctionError as exc:
            error = exc.payload
        delay = self._retry_delays_s[min(attempt, len(self._retry_delays_s)) - 1]
        too_old = time.monotonic() + delay - received > spec.async_max_event_age_s
        if self._closed:
            return
        if attempt < attempts and not too_old:
            self._schedule(delay, _Retry(spec, event, received, attempt + 1))
            return
        if spec.on_failure_arn:
            self._on_dead_letter(spec.on_failure_arn, {"event": event, "error": error, "function": spec.name})

    def _schedule(self, delay_s: float, retry: _Retry) -> None:
        """Queues ``retry`` on the pool once ``delay_s`` has passed (dropped if the stack closes)."""
        with self._retry_wakeup:
            heapq.heappush(self._retries, (time.monotonic() + delay_s, next(self._retry_order), retry))
            if self._retry_thread is None:
                self._retry_thread = threading.Thread(
                    target=self._run_retries, name="lambda-retries", daemon=True
                )
                self._retry_thread.start()
            self._retry_wakeup.notify()

    def _run_retries(self) -> None:
        while True:
            with self._retry_wakeup:
                while not self._closed and (not self._retries or self._retries[0][0] > time.monotonic()):
                    self._retry_wakeup.wait(self._retries[0][0] - time.monotonic() if self._retries else None)
                if self._closed:
                    self._retries.clear()
                    return
                retry = heapq.heappop(self._retries)[2]
                # Pending before it leaves the heap's lock, so drain() never sees it in neither place.
                future = self._start(retry.spec, retry.event, retry.received, retry.attempt)
            if future is not None:
                future.add_done_callback(self._forget)

    def _forget(self, future: Future[None]) -> None:
        with self._lock:
            self._pending.discard(future)

    def drain(self, timeout_s: float = 30.0) -> None:
        """Waits until every asynchronous invocation (and any it caused, retries included) has finished."""
        deadline = time.monotonic() + timeout_s
        while True:
            with self._lock:
                pending = list(self._pending)
                waiting = bool(self._retries)
            if not pending and not waiting:
                return
            for future in pending:
                future.result(timeout=max(0.0, deadline - time.monotonic()))
            if not pending:
                if time.monotonic() > deadline:
                    raise TimeoutError("asynchronous retries still waiting")
                time.sleep(0.005)

    def close(self) -> None:
        """Lets the running handler finish, refuses every later invocation, drops queued async work."""
        self._closed = True
        self._closing.set()
        self._stop_retries()
        with self._environment:
            pass
        self._pool.shutdown(wait=True, cancel_futures=True)

    def _stop_retries(self) -> None:
        with self._retry_wakeup:
            self._retries.clear()
            self._retry_wakeup.notify_all()


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
