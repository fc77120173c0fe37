"""The local stack as a child process: ``python -m paybridge_local`` started, awaited and stopped.

One way to run it for everything that starts its own stack (the bench, the demo, the end-to-end tests):
its outputs file and log in a directory of the caller's, ready once the outputs file exists, stopped as a
user would stop ``make local`` (SIGINT, then a kill when it does not exit in time).
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["PORTS", "LocalStackProcess", "StackStartError", "free_port", "isolated_environment", "running"]

ROOT = Path(__file__).resolve().parents[1]
#: The variables that choose the stack's three ports.
PORTS = ("LOCAL_AWS_PORT", "LOCAL_API_PORT", "LOCAL_JUSPAY_PORT")


class StackStartError(RuntimeError):
    """The stack exited, or wrote no outputs file in time; the message ends with its log's tail."""


@dataclass(frozen=True)
class LocalStackProcess:
    """A running stack: its process, its outputs (as written) and the files they came from."""

    process: subprocess.Popen[bytes]
    outputs: dict[str, Any]
    outputs_path: Path
    log_path: Path


def free_port() -> int:
    """A TCP port on 127.0.0.1 nobody listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def isolated_environment(region: str = "ap-south-1") -> dict[str, str]:
    """This process's environment without ``AWS_*`` and ``LOCAL_*``, on free ports, in ``region``.

    The stack's own defaults (credentials, time scale 1) apply, whatever the caller's shell sets.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "LOCAL_"))}
    env.update({name: str(free_port()) for name in PORTS})
    env["AWS_DEFAULT_REGION"] = region
    return env


def _tail(path: Path, chars: int) -> str:
    return path.read_text(encoding="utf-8", errors="replace")[-chars:]


@contextmanager
def running(
    directory: Path,
    env: Mapping[str, str],
    *,
    startup_s: float = 120.0,
    stop_s: float = 30.0,
    log_tail: int = 3000,
) -> Iterator[LocalStackProcess]:
    """Runs ``python -m paybridge_local`` with ``env`` until the block ends.

    Its outputs file (``LOCAL_OUTPUTS``) and log (stdout and stderr) are ``outputs.json`` and ``local.log``
    in ``directory``. Raises :class:`StackStartError` when the stack exits or has written no outputs after
    ``startup_s``. On leaving, a stack still running gets SIGINT and ``stop_s`` seconds, then is killed.
    """
    outputs_path = directory / "outputs.json"
    log_path = directory / "local.log"
    variables = {**env, "LOCAL_OUTPUTS": str(outputs_path)}
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "paybridge_local"],
            cwd=ROOT,
            env=variables,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + startup_s
            while not outputs_path.exists():
                if process.poll() is not None or time.monotonic() > deadline:
                    raise StackStartError(f"the local stack did not start:\n{_tail(log_path, log_tail)}")
                time.sleep(0.2)
            # Written aside and renamed by the stack: once it exists, it is whole.
            outputs = json.loads(outputs_path.read_text())
            yield LocalStackProcess(process, outputs, outputs_path, log_path)
        finally:
            stop(process, stop_s)


def stop(process: subprocess.Popen[bytes], stop_s: float = 30.0) -> None:
    """SIGINT (as Ctrl-C would), ``stop_s`` seconds to exit, then a kill; nothing if it has exited."""
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGINT)
    try:
        process.wait(stop_s)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(10)
