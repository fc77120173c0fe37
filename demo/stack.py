"""Starting ``python -m paybridge_local`` for the demo, beside (never instead of) a running ``make local``."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from demo.client import DemoError
from paybridge_local import process
from paybridge_local.process import free_port

__all__ = ["DEMO_OVERRIDES", "DEMO_TIME_SCALE", "free_port", "local_stack"]

#: Following and sweeping sixty times faster: the follower's first poll after 1 s, the refund sweep every
#: 5 s, a signed order's 15-minute expiry in 15 s (README, "The local stack").
DEMO_TIME_SCALE = "60"
#: The scheduled reconciliation stays out of the way (it would fire every minute): the demo runs it itself.
DEMO_OVERRIDES = "ReconcileSchedule='rate(1 day)'"


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
    for name in process.PORTS:
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
    env = dict(os.environ)
    env.update(_ports(env))
    env["LOCAL_TIME_SCALE"] = env.get("LOCAL_TIME_SCALE") or DEMO_TIME_SCALE
    env["LOCAL_PARAMETER_OVERRIDES"] = f"{DEMO_OVERRIDES} {env.get('LOCAL_PARAMETER_OVERRIDES', '')}".strip()
    try:
        with process.running(directory, env, startup_s=startup_s, log_tail=2000) as stack:
            yield stack.outputs_path
    except process.StackStartError as exc:  # said to the reader as the demo's own error, without a traceback
        raise DemoError(str(exc)) from exc
