"""The README's "Try it" block works as written: it is run with bash against the local stack, with only the
ports and the outputs path replaced by this test stack's."""

from __future__ import annotations

import re
import subprocess
from typing import Any

import boto3
import pytest

from tests.helpers import ROOT

pytestmark = pytest.mark.e2e


def _try_it_block() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text[text.index("### Try it") : text.index("## The local stack")]
    match = re.search(r"```bash\n(.*?)```", section, re.S)
    assert match, "the Try it section has a bash block"
    return match.group(1)


def test_the_try_it_block_runs_as_written(local: dict[str, Any]) -> None:
    urls = local["outputs"]["urls"]
    script = (
        _try_it_block()
        .replace("http://127.0.0.1:3000", urls["api"].rstrip("/"))
        .replace("http://127.0.0.1:4010", urls["juspay"].rstrip("/"))
        .replace(".local/outputs.json", str(local["log"].parent / "outputs.json"))
    )
    result = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert '"status":"published"' in out
    assert '"status":"duplicate"' in out
    assert "juspay ORDER_SUCCEEDED sample_ord_200" in out
    assert '"delivered": true' in out or '"delivered":true' in out, out
    # Settlement found the order at "Juspay" (the block stores it first): nothing reached the DLQ.
    sqs = boto3.client("sqs", **local["aws"])
    queue = local["outputs"]["resources"]["RuleTargetDeadLetterQueue"]["Ref"]
    attributes = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["ApproximateNumberOfMessages"])
    assert attributes["Attributes"]["ApproximateNumberOfMessages"] == "0"
