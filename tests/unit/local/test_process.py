"""``paybridge_local.process``: the local stack started as a process, answering, then stopped."""

from __future__ import annotations

from pathlib import Path

import pytest
import requests

from paybridge_local import process


def test_the_stack_starts_answers_and_stops_on_leaving(tmp_path: Path) -> None:
    with process.running(tmp_path, process.isolated_environment()) as stack:
        assert stack.process.poll() is None
        assert stack.outputs_path == tmp_path / "outputs.json"
        sim = stack.outputs["urls"]["juspay"].rstrip("/")
        answer = requests.get(f"{sim}/__sim/routing-violations", timeout=10)
        assert answer.status_code == 200
        assert answer.json() == []
    assert stack.process.poll() is not None  # stopped (SIGINT) when the block ended
    assert stack.log_path.read_text()  # its output went to the log


def test_a_stack_that_cannot_start_says_why(tmp_path: Path) -> None:
    env = {**process.isolated_environment(), "LOCAL_AWS_PORT": "not-a-port"}
    with (
        pytest.raises(process.StackStartError, match="did not start") as raised,
        process.running(tmp_path, env, startup_s=60),
    ):
        pytest.fail("the block runs only on a started stack")
    assert "aws_port" in str(raised.value).lower()  # the log's tail names the bad setting
