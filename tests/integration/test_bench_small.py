"""The small version of `make bench`: every section runs and prints its figures. Whether the targets hold
is `make bench`'s own verdict (its exit code), never a timed assertion here."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
NUMBER = r"\d+(?:\.\d+)?"


def test_small_bench_prints_every_figure() -> None:
    run = subprocess.run(
        [sys.executable, "-m", "bench", "--small", "--no-targets"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    out = run.stdout
    assert run.returncode == 0, run.stderr[-3000:]
    for section in (
        "== hot paths",
        "== cold start",
        "== warm p50/p99",
        "== remote calls",
        "== wallet movements",
        "== local stack",
    ):
        assert section in out, out
    assert re.search(rf"^IngestWebhookFunction\s+{NUMBER}\s+{NUMBER}\s+{NUMBER}x\s+(ok|FAIL)$", out, re.M), (
        out
    )
    assert re.search(r"^layer: ", out, re.M), out
    for case in ("ingest", "ingest-moto", "signing", "settlement"):
        assert re.search(rf"^{case}\s+30(\s+{NUMBER}){{8}}\s", out, re.M), out
    assert re.search(r"^juspay\.GET /orders/\{id\}\s+1$", out, re.M), out
    assert re.search(r"^dynamodb\.TransactWriteItems\s+1$", out, re.M), out
    assert re.search(rf"^item undo log \(local stack\)\s+40(\s+{NUMBER}){{2}}\s+{NUMBER}x", out, re.M), out
    for concurrency in (1, 8, 32):
        assert re.search(rf"^\s+{concurrency}\s+8\s+\d+\s+{NUMBER}\s+{NUMBER}\s+{NUMBER}x$", out, re.M), out
    assert re.search(rf"^rss after \d+ requests: {NUMBER} MiB; after 90: {NUMBER} MiB", out, re.M), out
    assert re.search(rf"^rss full/first: {NUMBER}x (flat|growing) \(flat: <= 1.25x\)", out, re.M), out
    assert re.search(r"^(all targets hold|some targets do not hold)", out, re.M), out
