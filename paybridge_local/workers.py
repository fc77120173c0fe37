"""Lambda-like execution environments for the real local stack: a worker process per concurrent invocation.

Each function gets its own pool of ``paybridge_local.worker`` processes: started on first use, kept warm,
more of them (up to the function's concurrency limit) when invocations overlap; an invocation waits for a
free worker beyond that. A worker holds only its function's environment variables, its own Powertools
state and its own IAM statements (``paybridge_local.iam`` judges every AWS call it makes); it reaches the
emulated AWS over HTTP (``AWS_ENDPOINT_URL``, the stack's moto server) and writes its logs to the stack's
stdout/stderr. An invocation still running at the function's ``Timeout`` ends its worker and fails with
Lambda's ``Sandbox.Timedout`` payload; a worker that dies fails its invocation with ``Runtime.ExitError``.
Either way the next invocation gets a fresh worker (a cold start), as on Lambda.

Functions therefore run concurrently, as on AWS. The in-process test stack cannot use workers (its
``mock_aws`` lives in the test process) and keeps ``LambdaRuntime``'s in-process mode.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import asdict
from typing import Any

from paybridge_local import iam
from paybridge_local.lambdas import FunctionError, LambdaRuntime, RuntimeClosedError
from paybridge_local.provision import ACCOUNT_ID, FunctionSpec, Provisioned
from paybridge_local.worker import receive, send

#: A worker's start (interpreter, imports, the handler module) must finish within this; Lambda allows 10 s
#: for its init phase, this machine is shared and slower.
INIT_TIMEOUT_S = 60.0
MEMORY_MB = 512


class _Worker:
    """One worker process and the stack's end of its socket."""

    def __init__(self, spec: FunctionSpec, environment: Mapping[str, str], init: dict[str, Any]) -> None:
        ours, theirs = socket.socketpair()
        with theirs:
            self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and module, no shell
                [sys.executable, "-m", "paybridge_local.worker", str(theirs.fileno())],
                env=dict(environment),
                pass_fds=[theirs.fileno()],
                cwd=spec.code_dir,
                stdin=subprocess.DEVNULL,
            )
        self.sock = ours
        try:
            send(self.sock, init)
            ready = receive(self.sock, time.monotonic() + INIT_TIMEOUT_S)
        except (TimeoutError, OSError):
            ready = None
        if not ready or not ready.get("ready"):
            self.kill()
            error = (ready or {}).get("error") or {
                "errorType": "Runtime.Unknown",
                "errorMessage": f"{spec.name}: the execution environment did not start",
            }
            raise FunctionError(error)

    def call(self, message: dict[str, Any], deadline: float) -> Any:
        """One invocation: its answer, ``None`` if the worker died, ``TimeoutError`` past ``deadline``."""
        try:
            send(self.sock, message)
        except OSError:
            return None
        return receive(self.sock, deadline)

    def kill(self) -> None:
        """Ends the process at once (a timed-out handler gets no chance to finish, as on Lambda)."""
        with contextlib.suppress(OSError):
            self.process.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(5)
        self.sock.close()


class _Pool:
    """The warm workers of one function and how many exist (idle or busy), capped at ``limit``."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.idle: list[_Worker] = []
        self.busy: set[_Worker] = set()
        self.starting = 0
        self.changed = threading.Condition()


class WorkerRuntime(LambdaRuntime):
    """``LambdaRuntime`` whose handlers run in worker processes (see the module docstring)."""

    def __init__(
        self,
        provisioned: Provisioned,
        *,
        on_dead_letter: Callable[[str, dict[str, Any]], None],
        base_environment: Mapping[str, str],
        concurrency: int,
        retry_delays_s: tuple[float, ...],
    ) -> None:
        super().__init__(provisioned, on_dead_letter=on_dead_letter, retry_delays_s=retry_delays_s)
        self._base_environment = dict(base_environment)
        self._concurrency = concurrency
        self._pools: dict[str, _Pool] = {}
        self._pools_lock = threading.Lock()
        self._account = iam.Account(
            region=provisioned.region,
            account_id=ACCOUNT_ID,
            secret_arns={
                str(values["Ref"]).rsplit(":secret:", 1)[-1].rsplit("-", 1)[0]: str(values["Ref"])
                for values in provisioned.attributes.values()
                if ":secret:" in str(values.get("Ref", ""))
            },
        )

    def environment(self, spec: FunctionSpec) -> dict[str, str]:
        """What a worker of ``spec`` sees: its template variables, the local AWS, Lambda's own variables."""
        return {
            **self._base_environment,
            **spec.environment,
            "AWS_LAMBDA_FUNCTION_NAME": spec.name,
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(MEMORY_MB),
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "_HANDLER": spec.handler,
            "PYTHONUNBUFFERED": "1",  # logs reach the stack's output as they are written
        }

    def _pool_for(self, spec: FunctionSpec) -> _Pool:
        with self._pools_lock:
            pool = self._pools.get(spec.logical_id)
            if pool is None:
                limit = self._concurrency
                if spec.reserved_concurrency is not None:
                    limit = max(1, min(limit, spec.reserved_concurrency))
                pool = self._pools[spec.logical_id] = _Pool(limit)
            return pool

    def _acquire(self, spec: FunctionSpec, pool: _Pool) -> _Worker:
        with pool.changed:
            while True:
                if self._closed:
                    raise RuntimeClosedError(f"{spec.name}: the local stack has closed")
                if pool.idle:
                    worker = pool.idle.pop()
                    pool.busy.add(worker)
                    return worker
                if len(pool.busy) + pool.starting < pool.limit:
                    pool.starting += 1
                    break
                pool.changed.wait()
        try:
            worker = _Worker(spec, self.environment(spec), self._init_message(spec))
        finally:
            with pool.changed:
                pool.starting -= 1
                pool.changed.notify_all()
        with pool.changed:
            if self._closing.is_set():  # closed while this worker started
                worker.kill()
                raise RuntimeClosedError(f"{spec.name}: the local stack has closed")
            pool.busy.add(worker)
        return worker

    def _release(self, pool: _Pool, worker: _Worker, *, healthy: bool) -> None:
        with pool.changed:
            pool.busy.discard(worker)
            if healthy and not self._closed:
                pool.idle.append(worker)
            pool.changed.notify_all()
        if not healthy or self._closed:
            worker.kill()

    def _init_message(self, spec: FunctionSpec) -> dict[str, Any]:
        role = f"{spec.name}-role"
        return {
            "handler": spec.handler,
            "code_dir": str(spec.code_dir),
            "function_name": spec.name,
            "function_arn": spec.arn,
            "memory_mb": MEMORY_MB,
            "timeout_s": spec.timeout_s,
            "principal": f"arn:aws:sts::{ACCOUNT_ID}:assumed-role/{role}/{spec.name}",
            "statements": spec.statements,
            "account": asdict(self._account),
        }

    def invoke(self, name_or_arn: str, event: Any) -> Any:
        """Synchronous invoke in one of the function's workers; ``FunctionError`` as Lambda would fail."""
        spec = self.spec(name_or_arn)
        self.invocations.append((spec.name, "sync"))
        pool = self._pool_for(spec)
        worker = self._acquire(spec, pool)
        request_id = str(uuid.uuid4())
        deadline = time.monotonic() + spec.timeout_s
        try:
            answer = worker.call(
                {"event": event, "request_id": request_id, "deadline_ms": int(time.time() * 1000)},
                deadline,
            )
        except TimeoutError:
            self._release(pool, worker, healthy=False)
            if self._closed:
                raise RuntimeClosedError(f"{spec.name}: the local stack has closed") from None
            message = f"Task timed out after {spec.timeout_s:.2f} seconds"
            # What Lambda writes to the function's log stream when it ends a timed-out invocation.
            print(f"{spec.name} RequestId: {request_id} Error: {message}", file=sys.stderr, flush=True)
            raise FunctionError({"errorType": "Sandbox.Timedout", "errorMessage": message}) from None
        if answer is None:
            self._release(pool, worker, healthy=False)
            if self._closed:
                raise RuntimeClosedError(f"{spec.name}: the local stack has closed")
            code = worker.process.poll()
            raise FunctionError(
                {
                    "errorType": "Runtime.ExitError",
                    "errorMessage": f"RequestId: {request_id} Error: Runtime exited with error: "
                    f"exit status {code}",
                }
            )
        self._release(pool, worker, healthy=True)
        if "error" in answer:
            raise FunctionError(answer["error"])
        return answer["result"]

    def workers(self, name_or_arn: str) -> int:
        """How many worker processes the function has now (idle and busy), for tests and people."""
        pool = self._pool_for(self.spec(name_or_arn))
        with pool.changed:
            return len(pool.idle) + len(pool.busy)

    def close(self) -> None:
        """Refuses new invocations and ends every worker (a running handler is cut off, as on a shutdown)."""
        self._closed = True
        self._closing.set()
        self._stop_retries()
        with self._pools_lock:
            pools = list(self._pools.values())
        everyone: list[_Worker] = []
        for pool in pools:
            with pool.changed:
                everyone.extend(pool.idle)
                everyone.extend(pool.busy)
                pool.idle.clear()
                pool.changed.notify_all()
        for worker in everyone:
            with contextlib.suppress(OSError):
                worker.process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 2
        for worker in everyone:
            with contextlib.suppress(subprocess.TimeoutExpired):
                worker.process.wait(max(0.0, deadline - time.monotonic()))
            worker.kill()
        self._pool.shutdown(wait=True, cancel_futures=True)


def base_environment(*, region: str, access_key: str, secret_key: str, endpoint_url: str) -> dict[str, str]:
    """Variables every worker gets besides its function's own: the local AWS, and the interpreter's PATH."""
    return {
        "AWS_REGION": region,
        "AWS_DEFAULT_REGION": region,
        "AWS_ACCESS_KEY_ID": access_key,
        "AWS_SECRET_ACCESS_KEY": secret_key,
        "AWS_ENDPOINT_URL": endpoint_url,
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "LANG": "C.UTF-8",
        "TZ": ":UTC",
    }
