"""Starting ``python -m paybridge_local`` for the demo, beside (never instead of) a running ``make local``."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from demo.client import DemoError
from demo.orders import ROOT

__all__ = ["DEMO_OVERRIDES", "DEMO_TIME_SCALE", "free_port", "local_stack"]

#: Following and sweeping sixty times faster: the follower's first poll after 1 s, the refund sweep every
#: 5 s, a signed order's 15-minute expiry in 15 s (README, "The local stack").
DEMO_TIME_SCALE = "60"
#: The scheduled reconciliation stays out of the way (it would fire every minute): the demo runs it itself.
DEMO_OVERRIDES = "ReconcileSchedule='rate(1 day)'"
_PORTS = ("LOCAL_AWS_PORT", "LOCAL_API_PORT", "LOCAL_JUSPAY_PORT")


def free_port() -> int:
    """A TCP port on 127.0.0.1 nobody listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _taken(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return True
    return False


def _ports(env: dict[str, str]) -> dict[str, str]:
    """Free ports, or the ``LOCAL_*_PORT`` given, refused when something (a ``make local``?) holds them."""
    ports = {}
    for name in _PORTS:
        given = env.get(name)
        if given and _taken(int(given)):
            raise DemoError(f"{name}={given} is in use (a running make local?): unset it to use free ports")
        ports[name] = given or str(free_port())
    return ports


@contextmanager
def local_stack(directory: Path, *, startup_s: float = 120.0) -> Iterator[Path]:
    """Runs the local stack until the block ends; yields its outputs file (in ``directory``, with its log).

    Ports are free ones unless ``LOCAL_*_PORT`` are set; ``LOCAL_TIME_SCALE`` defaults to
    :data:`DEMO_TIME_SCALE`; ``LOCAL_PARAMETER_OVERRIDES`` are added after :data:`DEMO_OVERRIDES`.
    """
    outputs = directory / "outputs.json"
    env = dict(os.environ)
    env.update(_ports(env))
    env["LOCAL_TIME_SCALE"] = env.get("LOCAL_TIME_SCALE") or DEMO_TIME_SCALE
    env["LOCAL_PARAMETER_OVERRIDES"] = f"{DEMO_OVERRIDES} {env.get('LOCAL_PARAMETER_OVERRIDES', '')}".strip()
    env["LOCAL_OUTPUTS"] = str(outputs)
    log_path = directory / "local.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "paybridge_local"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
        )
        try:
            deadline = time.monotonic() + startup_s
            while not outputs.exists():
                if process.poll() is not None or time.monotonic() > deadline:
                    tail = log_path.read_text(encoding="utf-8", errors="replace")[-2000:]
                    raise DemoError(f"the local stack did not start:\n{tail}")
                time.sleep(0.2)
            yield outputs
        finally:
            if process.poll() is None:
                process.send_signal(signal.SIGINT)
                try:
                    process.wait(30)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait(10)
