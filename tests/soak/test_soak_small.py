"""The small soak inside `make test`: the real local stack process, a few dozen orders with several attempts,
duplicated, shuffled and dropped webhooks, dashboard refunds and 20% of Juspay calls failing; every invariant
must hold (see tests/soak/checker.py). `make soak` runs the same with 500+ orders."""

from __future__ import annotations

import pytest

from tests.soak.__main__ import parse_args, render, soak

pytestmark = [pytest.mark.e2e, pytest.mark.soak]

#: Small enough for about a minute on a loaded 2-core machine. Time scale 180: reconciliation (hourly) runs
#: every 20 s and the run waits for one more run after its orders stop.
SMALL = ["--orders", "16", "--concurrency", "8", "--seed", "11", "--deadline", "120", "--backoff", "2,4"]
SMALL += ["--time-scale", "180"]


def test_small_soak_keeps_every_invariant() -> None:
    report = soak(parse_args([*SMALL, "--max-settle", "45"]), log=lambda message: None)
    assert report.counts["plan"]["orders"] == 16
    assert report.counts["plan"]["webhooks_duplicated"] > 0
    assert report.counts["plan"]["webhooks_dropped"] > 0
    assert report.counts["juspay_faults_fired"] > 0, "Juspay calls were failing during the run"
    assert not report.violations, render(report)
