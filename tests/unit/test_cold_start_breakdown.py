"""``bench.cold_start.breakdown``: its steps follow what a function is (API, Juspay caller), each timed."""

from __future__ import annotations

import pytest

from bench.cold_start import breakdown, report_breakdown


def test_breakdown_times_the_steps_each_function_imports(capsys: pytest.CaptureFixture[str]) -> None:
    ingest, settle = breakdown(["IngestWebhookFunction", "SettleOrderFunction"], runs=1)

    assert [label for label, _ in ingest.steps] == [
        "Powertools Logger/Metrics/Tracer, X-Ray SDK",
        "pydantic and the first models (settings)",
        "Powertools event handler, OpenAPI validation",
        "the function's own modules and handler",
    ]
    assert [label for label, _ in settle.steps] == [
        "Powertools Logger/Metrics/Tracer, X-Ray SDK",
        "pydantic and the first models (settings)",
        "requests, Powertools parameters (Juspay client)",
        "the function's own modules and handler",
    ]
    for result in (ingest, settle):
        assert result.floor_seconds > 0
        # Every step imports something not yet loaded, so each costs CPU time.
        assert all(seconds > 0 for _, seconds in result.steps), result

    report_breakdown([settle])
    out = capsys.readouterr().out
    assert out.startswith("SettleOrderFunction: floor (boto3 + one client) ")
    assert "all (function / floor - 1)" in out
