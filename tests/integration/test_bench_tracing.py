"""bench.tracing measures what it says: outside Lambda the tracer is disabled and sends nothing; under Active
tracing (Lambda's environment and trace header) every handler call streams its ``## handler`` subsegment, with
the ColdStart and Service annotations, to the X-Ray daemon. No timed assertion: the figures are printed."""

from __future__ import annotations

import json

from bench import tracing


def test_the_tracer_sends_its_subsegment_only_under_active_tracing() -> None:
    off, active = tracing.measure(200)
    assert (off["mode"], off["disabled"], off["subsegment"]) == ("off", True, "")
    assert (active["mode"], active["disabled"]) == ("active", False)
    assert '"name": "## bare"' in active["subsegment"]
    assert '"annotations": {"ColdStart": true, "Service": "paybridge"}' in active["subsegment"]
    assert all(isinstance(r["p50_us"], float) for r in (off, active))
    json.dumps([off, active])  # what the command prints is plain data
