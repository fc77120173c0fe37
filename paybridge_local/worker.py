"""One Lambda execution environment: a process that runs one function's handler, one event at a time.

Started by ``paybridge_local.workers`` as ``python -m paybridge_local.worker FD`` with only that function's
environment (its template variables, the local AWS endpoint and credentials, Lambda's own variables). FD
is its end of a socket pair; messages both ways are a 4-byte big-endian length and a JSON document:

* stack → worker, once: ``{"handler", "code_dir", "function_name", "function_arn", "memory_mb", "timeout_s",
  "principal", "statements", "account": {"region", "account_id", "secret_arns"}}``;
  worker → stack: ``{"ready": true}`` or ``{"ready": false, "error": <Lambda error payload>}``;
* then, per invocation: ``{"event", "request_id", "deadline_ms"}`` → ``{"result": ...}`` or
  ``{"error": <Lambda error payload>}``.

Logs go to the stdout/stderr it inherits (the stack's). It ignores SIGINT (Ctrl-C reaches the whole process
group; the stack then ends its workers) and exits when the stack process is gone. Imports no moto: a
worker costs what a Lambda cold start costs, the handler's imports.
"""

from __future__ import annotations

import faulthandler
import importlib
import json
import os
import signal
import socket
import struct
import sys
import threading
import time
import traceback
from dataclasses import dataclass
from typing import Any

from paybridge_local import iam

_HEADER = struct.Struct(">I")


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


def dumps_payload(value: Any) -> bytes:
    """A handler's result as Lambda returns it on the wire."""
    return json.dumps(value, default=str).encode("utf-8")


def error_payload(exc: BaseException) -> dict[str, Any]:
    """Lambda's payload for a handler that raised: the exception's class name travels as ``errorType``."""
    return {
        "errorType": type(exc).__name__,
        "errorMessage": str(exc),
        "stackTrace": traceback.format_exception(exc)[-3:],
    }


def send(sock: socket.socket, message: Any) -> None:
    """Writes one framed JSON message."""
    body = dumps_payload(message)
    sock.sendall(_HEADER.pack(len(body)) + body)


def receive(sock: socket.socket, deadline: float | None = None) -> Any:
    """One framed JSON message: ``None`` once the other end closed; ``TimeoutError`` past ``deadline``."""
    header = _read(sock, _HEADER.size, deadline)
    if header is None:
        return None
    body = _read(sock, _HEADER.unpack(header)[0], deadline)
    return None if body is None else json.loads(body)


def _read(sock: socket.socket, size: int, deadline: float | None) -> bytes | None:
    chunks = bytearray()
    while len(chunks) < size:
        if deadline is not None:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError
            sock.settimeout(remaining)
        try:
            chunk = sock.recv(size - len(chunks))
        except TimeoutError:
            raise
        except OSError:
            return None
        if not chunk:
            return None
        chunks.extend(chunk)
    return bytes(chunks)


def _exit_with_parent(parent: int) -> None:
    # The stack may die without closing us (SIGKILL): a worker never outlives it.
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(0)


def main(fd: int) -> int:
    """Serves invocations on socket ``fd`` until the stack closes it."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # `kill -USR1 <pid>` prints where a stuck handler is, to the stack's output.
    faulthandler.register(signal.SIGUSR1, all_threads=True)
    threading.Thread(target=_exit_with_parent, args=(os.getppid(),), daemon=True).start()
    sock = socket.socket(fileno=fd)
    init = receive(sock)
    if init is None:
        return 0
    account = iam.Account(**init["account"])
    iam.install(iam.Enforcer(init["principal"], init["statements"], account))
    try:
        # As Lambda does: the function's code directory on sys.path, the handler module imported by name.
        sys.path.insert(0, init["code_dir"])
        module_name, _, attribute = init["handler"].rpartition(".")
        handler = getattr(importlib.import_module(module_name), attribute)
    except Exception as exc:
        send(
            sock, {"ready": False, "error": {**error_payload(exc), "errorType": "Runtime.ImportModuleError"}}
        )
        return 1
    send(sock, {"ready": True})
    while True:
        request = receive(sock)
        if request is None:
            return 0
        context = LambdaContext(
            function_name=init["function_name"],
            invoked_function_arn=init["function_arn"],
            memory_limit_in_mb=int(init["memory_mb"]),
            aws_request_id=request["request_id"],
            timeout_s=int(init["timeout_s"]),
        )
        try:
            answer: dict[str, Any] = {"result": handler(request["event"], context)}
        except Exception as exc:
            answer = {"error": error_payload(exc)}
            # What Lambda's Python runtime writes to the log stream for an unhandled error.
            print(
                f"[ERROR] {type(exc).__name__}: {exc}\n{''.join(traceback.format_exception(exc)[-4:])}",
                file=sys.stderr,
                flush=True,
            )
        send(sock, answer)


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1])))
