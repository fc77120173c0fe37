"""Cold start per function: importing the handler module plus creating one boto3 client, in a fresh
interpreter, against ``import boto3`` plus one client (the floor every Python Lambda pays).

Each pair runs the floor and the function in two new interpreters, one after the other, under a Lambda-like
environment (``LAMBDA_TASK_ROOT`` set, so the X-Ray SDK takes its Lambda path as it does on AWS). Only the
import and the client are timed (``perf_counter`` inside the child), not the interpreter's own start. The
figure is the median over the pairs of function time / floor time. ``.pyc`` files are warmed first, as a
built layer ships them.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from paybridge_local.template import function_environment, load_template

ROOT = Path(__file__).resolve().parents[1]
TARGET = 1.5

#: The child: times the import of ``argv[1]`` (``-`` for none) plus one boto3 client, prints seconds.
_CHILD = """
import importlib, sys, time
start = time.perf_counter()
if sys.argv[1] != "-":
    importlib.import_module(sys.argv[1])
import boto3
boto3.client("dynamodb")
print(time.perf_counter() - start)
"""


@dataclass(frozen=True)
class ColdStart:
    """One function's figure: median seconds of the function and the floor, and the median pair ratio."""

    function: str
    module: str
    seconds: float
    floor_seconds: float
    ratio: float


def handler_modules(template: dict[str, object] | None = None) -> Iterator[tuple[str, str]]:
    """(logical id, module) of every ``AWS::Serverless::Function`` in template.yaml."""
    document = template if template is not None else load_template()
    resources = document["Resources"]
    assert isinstance(resources, dict)
    for logical_id, resource in sorted(resources.items()):
        if resource.get("Type") != "AWS::Serverless::Function":
            continue
        properties = resource["Properties"]
        package = properties["CodeUri"].strip("/").replace("/", ".")
        module = properties["Handler"].rsplit(".", 1)[0]
        yield logical_id, f"{package}.{module}"


def _environment(task_root: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "POWERTOOLS_", "LAMBDA_"))}
    env.update(
        {
            "LAMBDA_TASK_ROOT": task_root,
            "AWS_LAMBDA_FUNCTION_NAME": "bench",
            "AWS_EXECUTION_ENV": "AWS_Lambda_python3.13",
            "AWS_REGION": "ap-south-1",
            "AWS_DEFAULT_REGION": "ap-south-1",
            "AWS_ACCESS_KEY_ID": "bench",
            "AWS_SECRET_ACCESS_KEY": "bench",
            "POWERTOOLS_SERVICE_NAME": "paybridge",
            "POWERTOOLS_METRICS_NAMESPACE": "Paybridge",
            "POWERTOOLS_LOG_LEVEL": "INFO",
            "PYTHONPATH": os.pathsep.join([str(ROOT / "layers" / "common"), str(ROOT)]),
        }
    )
    return env


def _run(module: str, env: dict[str, str]) -> float:
    out = subprocess.run(  # noqa: S603 - our own interpreter and our own script
        [sys.executable, "-c", _CHILD, module], env=env, cwd=ROOT, capture_output=True, text=True, check=True
    )
    return float(out.stdout.strip())


def measure(pairs: int = 5, only: set[str] | None = None) -> list[ColdStart]:
    """Median of ``pairs`` (floor, function) pairs for every function (or those in ``only``)."""
    modules = [(f, m) for f, m in handler_modules() if only is None or f in only]
    results = []
    with tempfile.TemporaryDirectory() as task_root:
        env = _environment(task_root)
        _run("-", env)
        for function, module in modules:
            _run(module, env)  # compiles .pyc once, as a built layer ships them
            floors, times = [], []
            for _ in range(pairs):
                floors.append(_run("-", env))
                times.append(_run(module, env))
            ratios = [t / f for t, f in zip(times, floors, strict=True)]
            results.append(
                ColdStart(
                    function,
                    module,
                    statistics.median(times),
                    statistics.median(floors),
                    statistics.median(ratios),
                )
            )
    return results


#: The child of ``breakdown``: CPU seconds of boto3 plus one client, then of each import step (``argv``).
_STEPS_CHILD = """
import importlib, sys, time
start = time.process_time()
import boto3
boto3.client("dynamodb")
times = [time.process_time() - start]
for module in sys.argv[1:]:
    start = time.process_time()
    importlib.import_module(module)
    times.append(time.process_time() - start)
print(" ".join(map(str, times)))
"""


@dataclass(frozen=True)
class Breakdown:
    """Where one function's cold start goes beyond the floor: CPU seconds of the floor and of each step."""

    function: str
    floor_seconds: float
    steps: tuple[tuple[str, float], ...]


def _steps(logical_id: str, module: str, template: dict[str, object]) -> list[tuple[str, str]]:
    resources = template["Resources"]
    assert isinstance(resources, dict)
    events = resources[logical_id]["Properties"].get("Events", {})
    steps = [
        ("Powertools Logger/Metrics/Tracer, X-Ray SDK", "paybridge.observability"),
        ("pydantic and the first models (settings)", "paybridge.settings.groups"),
    ]
    if any(event.get("Type") == "Api" for event in events.values()):
        steps.append(("Powertools event handler, OpenAPI validation", "paybridge.api"))
    if "JUSPAY_BASE_URL" in function_environment(template, logical_id):
        steps.append(("requests, Powertools parameters (Juspay client)", "paybridge.juspay.factory"))
    steps.append(("the function's own modules and handler", module))
    return steps


def breakdown(functions: list[str], runs: int = 5) -> list[Breakdown]:
    """CPU time of each import step of each function after boto3 plus one client, min over ``runs`` fresh
    interpreters (CPU time and the minimum, so load on a shared machine moves it little). Each step is what
    its module adds to the steps before it: the libraries first, then what only this function imports."""
    template = load_template()
    modules = dict(handler_modules(template))
    results = []
    with tempfile.TemporaryDirectory() as task_root:
        env = _environment(task_root)
        for function in functions:
            steps = _steps(function, modules[function], template)
            samples = []
            for _ in range(runs):
                out = subprocess.run(  # noqa: S603 - our own interpreter and our own script
                    [sys.executable, "-c", _STEPS_CHILD, *(m for _, m in steps)],
                    env=env,
                    cwd=ROOT,
                    capture_output=True,
                    text=True,
                    check=True,
                )
                samples.append([float(x) for x in out.stdout.split()])
            best = [min(column) for column in zip(*samples, strict=True)]
            results.append(
                Breakdown(
                    function,
                    best[0],
                    tuple((label, t) for (label, _), t in zip(steps, best[1:], strict=True)),
                )
            )
    return results


def report_breakdown(results: list[Breakdown]) -> None:
    """Prints each step as CPU milliseconds and as a share of the floor's CPU time."""
    for r in results:
        print(f"{r.function}: floor (boto3 + one client) {r.floor_seconds * 1e3:.0f} ms CPU")
        for label, seconds in r.steps:
            print(f"  {label:50} {seconds * 1e3:6.0f} ms  {seconds / r.floor_seconds:5.2f}x")
        total = sum(seconds for _, seconds in r.steps)
        print(f"  {'all (function / floor - 1)':50} {total * 1e3:6.0f} ms  {total / r.floor_seconds:5.2f}x")


def layer_size() -> tuple[str, int] | None:
    """The built layer's directory and its size in bytes (``sam build`` output), or None if not built."""
    build = ROOT / ".aws-sam" / "build" / "CommonLayer"
    if not build.is_dir():
        return None
    size = sum(p.stat().st_size for p in build.rglob("*") if p.is_file() and not p.is_symlink())
    return str(build.relative_to(ROOT)), size


def report(results: list[ColdStart]) -> bool:
    """Prints one line per function; True when every ratio is within the target."""
    print(f"{'function':34} {'ms':>7} {'floor ms':>8} {'ratio':>6}  target <= {TARGET}x")
    ok = True
    for r in results:
        held = r.ratio <= TARGET
        ok &= held
        print(
            f"{r.function:34} {r.seconds * 1e3:7.0f} {r.floor_seconds * 1e3:8.0f} {r.ratio:5.2f}x"
            f"  {'ok' if held else 'FAIL'}"
        )
    if results:
        print(f"{'median':34} {'':7} {'':8} {statistics.median(r.ratio for r in results):5.2f}x")
    return ok
