"""What each function's handler module imports at cold start (issue 12, cold start per function).

Each handler is imported in a fresh interpreter, as Lambda does, and the libraries it loaded are checked
against what the function uses on its calls, read from template.yaml: the Juspay HTTP stack only where the
function is given Juspay's URL, the API framework only behind an API route, cryptography only where it signs,
joserfc never (encrypted mode loads it on its first call). A stray import here costs every cold start.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

from bench.cold_start import handler_modules
from paybridge_local.template import ROOT, function_environment, load_template

TEMPLATE = load_template()
FUNCTIONS: dict[str, Any] = {
    k: v for k, v in TEMPLATE["Resources"].items() if v["Type"] == "AWS::Serverless::Function"
}
MODULES = dict(handler_modules(TEMPLATE))

#: Imports boto3 (the floor every Lambda pays), then each handler in a forked child of that interpreter (a
#: fresh one per function costs the floor again, 29 times): one line per module, the watched libraries loaded.
_CHILD = """
import importlib, json, os, sys
import boto3
watched = ("requests", "cryptography", "joserfc", "asyncio", "aws_lambda_powertools.event_handler")
for module in sys.argv[1:]:
    pid = os.fork()
    if pid == 0:
        importlib.import_module(module)
        print(json.dumps([module, sorted(name for name in watched if name in sys.modules)]), flush=True)
        os._exit(0)
    _, status = os.waitpid(pid, 0)
    if status != 0:
        sys.exit(f"importing {module} failed")
"""


def _loaded(modules: list[str]) -> dict[str, set[str]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "POWERTOOLS_"))}
    env.update(
        {
            "AWS_LAMBDA_FUNCTION_NAME": "contract",
            "AWS_REGION": "ap-south-1",
            "AWS_DEFAULT_REGION": "ap-south-1",
            "PYTHONPATH": os.pathsep.join([str(ROOT / "layers" / "common"), str(ROOT)]),
        }
    )
    out = subprocess.run(
        [sys.executable, "-c", _CHILD, *modules],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return {module: set(names) for module, names in map(json.loads, out.stdout.splitlines())}


def _is_api(logical_id: str) -> bool:
    events = FUNCTIONS[logical_id]["Properties"].get("Events", {})
    return any(event.get("Type") == "Api" for event in events.values())


def _wrong(logical_id: str, loaded: set[str]) -> list[str]:
    environment = function_environment(TEMPLATE, logical_id)
    api = _is_api(logical_id)
    expected = {
        # Encrypted mode imports joserfc on its first call, never at cold start.
        "joserfc": False,
        # The Juspay client's HTTP stack, where the function is given Juspay's URL.
        "requests": "JUSPAY_BASE_URL" in environment,
        # Only the signing function signs.
        "cryptography": "SDK_SIGNER" in environment,
        "aws_lambda_powertools.event_handler": api,
        # Powertools' event_handler package imports its AppSync resolver, which imports asyncio; nothing else
        # may (wrapt 2.x did, under the tracer: the layer pins wrapt 1.x).
        "asyncio": api,
    }
    return [
        f"{logical_id}: {name} {'not ' if want else ''}imported"
        for name, want in expected.items()
        if (name in loaded) != want
    ]


def test_each_handler_imports_only_the_libraries_its_calls_use() -> None:
    loaded = _loaded(sorted(MODULES.values()))
    assert set(loaded) == set(MODULES.values())
    wrong = [
        problem
        for logical_id in sorted(FUNCTIONS)
        for problem in _wrong(logical_id, loaded[MODULES[logical_id]])
    ]
    assert not wrong, wrong
