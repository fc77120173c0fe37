"""Running `python -m paybridge_local` as a user would, and calling it over HTTP."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import requests

from tests.conftest import free_port
from tests.helpers import ROOT, sigv4_headers, wait_until


@contextmanager
def running_local_stack(
    directory: Path, *, parameter_overrides: str = "", env: dict[str, str] | None = None
) -> Iterator[dict[str, Any]]:
    """Starts the local stack on free ports; yields its outputs, the AWS client kwargs and the process.

    ``env`` adds ``LOCAL_*`` variables as a user would set them (e.g. ``LOCAL_TIME_SCALE``).
    """
    outputs = directory / "outputs.json"
    extra = env or {}
    variables = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "LOCAL_"))}
    variables.update(
        {name: str(free_port()) for name in ("LOCAL_AWS_PORT", "LOCAL_API_PORT", "LOCAL_JUSPAY_PORT")}
    )
    variables.update({"LOCAL_OUTPUTS": str(outputs), "AWS_DEFAULT_REGION": "ap-south-1"})
    if parameter_overrides:
        variables["LOCAL_PARAMETER_OVERRIDES"] = parameter_overrides
    variables.update(extra)
    log_path = directory / "local.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "paybridge_local"],
            cwd=ROOT,
            env=variables,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 90
            while not outputs.exists():
                if process.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(log_path.read_text()[-3000:])
                time.sleep(0.2)
            document = json.loads(outputs.read_text())
            aws = {
                "endpoint_url": document["urls"]["aws"],
                "region_name": "ap-south-1",
                "aws_access_key_id": "testing",
                "aws_secret_access_key": "testing",
            }
            yield {"outputs": document, "aws": aws, "process": process, "log": log_path}
        finally:
            if process.poll() is None:
                process.send_signal(signal.SIGINT)
                try:
                    process.wait(20)
                except subprocess.TimeoutExpired:
                    process.kill()


def call(local: dict[str, Any], method: str, path: str, body: Any = None) -> requests.Response:
    """A SigV4-signed merchant API call over HTTP, made with the local stack's credentials."""
    url = local["outputs"]["urls"]["api"].rstrip("/") + path
    data = json.dumps(body) if body is not None else ""
    return requests.request(
        method, url, data=data or None, headers=sigv4_headers(method, url, data), timeout=30
    )


def eventually(predicate: Callable[[], Any], *, timeout_s: float = 60.0, what: str) -> Any:
    """Polls ``predicate`` until it is truthy; fails the test after ``timeout_s``."""
    return wait_until(predicate, what=what, timeout_s=timeout_s, interval_s=0.2)
