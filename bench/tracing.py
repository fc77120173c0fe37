"""What the handlers' tracer decorator (``paybridge.observability.tracer.capture_lambda_handler``) costs per
call, in two settings:

* ``off``: outside Lambda, where Powertools disables tracing (the warm bench, tests, the local stack): the
  X-Ray SDK still builds a dummy segment and subsegment per call;
* ``active``: as in production with ``Tracing: Active``: inside Lambda (``LAMBDA_TASK_ROOT``), the
  invocation's trace header in ``_X_AMZN_TRACE_ID`` (sampled), the ``## handler`` subsegment streamed to the
  X-Ray daemon over UDP when it closes (here a local socket that receives it; the run checks it arrived).

Each setting runs in a process of its own: the X-Ray SDK and the Tracer decide at import whether they trace.
Command: ``.venv/bin/python -m bench.tracing`` (p50/p99 of the decorated constant handler minus the bare
one's, microseconds).
"""

from __future__ import annotations

import json
import os
import socket
import statistics
import subprocess
import sys
import time
from typing import Any

#: A sampled trace header as Lambda sets it for an invocation under Active tracing.
TRACE_HEADER = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"


def _percentiles(samples: list[float]) -> tuple[float, float]:
    # bench.harness has the same, but importing it imports paybridge.observability before the environment
    # below is set, and the tracer would be configured from the wrong one.
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    return cuts[49], cuts[98]


def _child(mode: str, calls: int) -> dict[str, Any]:
    daemon = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    daemon.bind(("127.0.0.1", 0))
    daemon.settimeout(5)
    if mode == "active":
        os.environ.update(
            {
                "LAMBDA_TASK_ROOT": "/var/task",
                "AWS_LAMBDA_FUNCTION_NAME": "bench",
                "_X_AMZN_TRACE_ID": TRACE_HEADER,
                "AWS_XRAY_DAEMON_ADDRESS": f"127.0.0.1:{daemon.getsockname()[1]}",
            }
        )
    from paybridge.observability import tracer  # configured now, from this environment

    def bare(event: dict[str, Any], context: object) -> dict[str, Any]:
        return {"statusCode": 200}

    traced = tracer.capture_lambda_handler(capture_response=False)(bare)
    traced({}, None)
    emitted = b""
    if mode == "active":
        emitted = daemon.recv(65536)  # the first call's subsegment reached the daemon
    plain: list[float] = []
    wrapped: list[float] = []
    for _ in range(calls):  # interleaved, so load changes both alike
        start = time.perf_counter()
        bare({}, None)
        middle = time.perf_counter()
        traced({}, None)
        wrapped.append(time.perf_counter() - middle)
        plain.append(middle - start)
    bare_p50, bare_p99 = _percentiles(plain)
    traced_p50, traced_p99 = _percentiles(wrapped)
    return {
        "mode": mode,
        "disabled": bool(tracer.disabled),
        "p50_us": (traced_p50 - bare_p50) * 1e6,
        "p99_us": (traced_p99 - bare_p99) * 1e6,
        "subsegment": emitted.split(b"\n", 1)[-1].decode()[:200],
    }


def measure(calls: int = 10_000) -> list[dict[str, Any]]:
    """The tracer's cost per call off and under Active tracing, each from a process of its own."""
    results = []
    for mode in ("off", "active"):
        env = {k: v for k, v in os.environ.items() if not k.startswith(("_X_AMZN", "AWS_XRAY", "LAMBDA_"))}
        env["POWERTOOLS_TRACE_DISABLED"] = "false"
        out = subprocess.run(  # noqa: S603 - our own interpreter and our own module
            [sys.executable, "-m", "bench.tracing", "--child", mode, str(calls)],
            env=env,
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        results.append(json.loads(out.splitlines()[-1]))
    return results


def report(results: list[dict[str, Any]]) -> None:
    """One line per setting."""
    for r in results:
        print(
            f"tracer {r['mode']:6} (disabled={r['disabled']}): p50 +{r['p50_us']:.1f} us, "
            f"p99 +{r['p99_us']:.1f} us per call"
        )
        if r["subsegment"]:
            print(f"  sent to the daemon: {r['subsegment']}...")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        print(json.dumps(_child(sys.argv[2], int(sys.argv[3]))))
    else:
        report(measure(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000))
