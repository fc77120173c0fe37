"""Local scheduled rules: rate parsing, the event EventBridge sends, firing at rate / LOCAL_TIME_SCALE, and
provisioning of SAM ``Schedule`` events from a template."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from paybridge_local.provision import provision
from paybridge_local.scheduler import LocalScheduler, ScheduleSpec, rate_seconds, scheduled_event
from paybridge_local.stack import LocalSettings
from paybridge_local.template import TemplateError
from tests.helpers import wait_until

REGION = "ap-south-1"


@pytest.mark.parametrize(
    ("expression", "seconds"),
    [
        ("rate(1 minute)", 60),
        ("rate(5 minutes)", 300),
        ("rate(1 hour)", 3600),
        ("rate(6 hours)", 21600),
        ("rate(1 day)", 86400),
        (" rate( 2 days ) ", 172800),
    ],
)
def test_rate_expressions(expression: str, seconds: int) -> None:
    assert rate_seconds(expression) == seconds


@pytest.mark.parametrize(
    "expression",
    [
        "rate(0 minutes)",
        "rate(5 minute)",
        "rate(1 minutes)",
        "rate(5 seconds)",
        "cron(0 2 * * ? *)",
        "rate()",
    ],
)
def test_expressions_that_are_not_emulated_or_invalid_raise(expression: str) -> None:
    with pytest.raises(TemplateError):
        rate_seconds(expression)


def spec(**overrides: Any) -> ScheduleSpec:
    values: dict[str, Any] = {
        "function": "Sweep",
        "rule_name": "sweep-rule",
        "rule_arn": "arn:aws:events:ap-south-1:123456789012:rule/sweep-rule",
        "expression": "rate(5 minutes)",
        "period_s": 300,
    }
    return ScheduleSpec(**{**values, **overrides})


def test_scheduled_event_has_eventbridge_shape_or_is_the_rules_input() -> None:
    now = datetime(2026, 11, 29, 10, 0, tzinfo=UTC)
    event = scheduled_event(spec(), region=REGION, account="123456789012", now=now)
    assert event["detail-type"] == "Scheduled Event"
    assert event["source"] == "aws.events"
    assert event["time"] == "2026-11-29T10:00:00Z"
    assert event["resources"] == ["arn:aws:events:ap-south-1:123456789012:rule/sweep-rule"]
    assert event["detail"] == {}
    assert scheduled_event(spec(input={"window_hours": 2}), region=REGION, account="1", now=now) == {
        "window_hours": 2
    }


def test_scheduler_fires_at_the_scaled_period_and_stops() -> None:
    calls: list[tuple[str, Any, str | None]] = []
    lock = threading.Lock()

    def invoke_async(function: str, event: Any, *, dead_letter_arn: str | None = None) -> None:
        with lock:
            calls.append((function, event, dead_letter_arn))

    # 60 s at scale 200 is 0.3 s locally; a 1-day schedule at the same scale would be 432 s.
    scheduler = LocalScheduler(
        [
            spec(period_s=60, dead_letter_arn="arn:dlq"),
            spec(rule_name="daily", function="Daily", period_s=86400),
        ],
        invoke_async,
        time_scale=200,
        region=REGION,
        account="123456789012",
    )
    assert scheduler.period(spec(period_s=60)) == pytest.approx(0.3)
    assert scheduler.period(spec(period_s=1)) == pytest.approx(0.2)  # floor
    scheduler.start()
    try:
        wait_until(lambda: len(calls) >= 3, what="three firings", timeout_s=20)
    finally:
        scheduler.stop()
    with lock:
        fired = list(calls)
    assert {c[0] for c in fired} == {"Sweep"}
    # The rule's DLQ is for events EventBridge cannot deliver: a failing function is the runtime's to retry.
    assert all(c[2] is None for c in fired)
    assert len({c[1]["id"] for c in fired}) == len(fired)  # each firing is its own event
    count = len(fired)
    threading.Event().wait(0.8)
    assert len(calls) == count  # nothing after stop


def test_scheduler_refuses_a_non_positive_scale() -> None:
    with pytest.raises(ValueError, match="time_scale"):
        LocalScheduler([], lambda *a, **k: None, time_scale=0, region=REGION, account="1")


def _template(events: dict[str, Any]) -> dict[str, Any]:
    return {
        "Parameters": {},
        "Resources": {
            "Sweep": {
                "Type": "AWS::Serverless::Function",
                "Properties": {"CodeUri": "echo_fn", "Handler": "app.lambda_handler", "Events": events},
            }
        },
    }


def test_provisioning_records_enabled_rate_schedules_and_creates_their_rules() -> None:
    events = {
        "Every5": {"Type": "Schedule", "Properties": {"Schedule": "rate(5 minutes)", "Input": '{"a": 1}'}},
        "Hourly": {
            "Type": "ScheduleV2",
            "Properties": {"ScheduleExpression": "rate(1 hour)", "DeadLetterConfig": {"Arn": "arn:dlq"}},
        },
        "Off": {"Type": "Schedule", "Properties": {"Schedule": "rate(1 day)", "Enabled": False}},
    }
    with mock_aws():
        session = boto3.session.Session(region_name=REGION)
        provisioned = provision(
            session, stack_name="sched", template=_template(events), template_dir=Path(__file__).parent
        )
        rules = {r["Name"]: r for r in session.client("events").list_rules()["Rules"]}
    by_name = {s.rule_name: s for s in provisioned.schedules}
    assert set(by_name) == {"sched-SweepEvery5", "sched-SweepHourly"}
    assert by_name["sched-SweepEvery5"].period_s == 300
    assert by_name["sched-SweepEvery5"].input == {"a": 1}
    assert by_name["sched-SweepHourly"].dead_letter_arn == "arn:dlq"
    assert rules["sched-SweepEvery5"]["ScheduleExpression"] == "rate(5 minutes)"
    assert rules["sched-SweepOff"]["State"] == "DISABLED"


def test_provisioning_refuses_a_cron_schedule() -> None:
    events = {"Nightly": {"Type": "Schedule", "Properties": {"Schedule": "cron(0 2 * * ? *)"}}}
    with mock_aws(), pytest.raises(TemplateError, match="not emulated locally"):
        provision(
            boto3.session.Session(region_name=REGION),
            stack_name="sched",
            template=_template(events),
            template_dir=Path(__file__).parent,
        )


def test_local_time_scale_sets_the_template_parameter() -> None:
    assert LocalSettings.from_env({}).template_parameters()["TimeScale"] == "1"
    settings = LocalSettings.from_env({"LOCAL_TIME_SCALE": "720"})
    assert settings.time_scale == 720
    assert settings.template_parameters()["TimeScale"] == "720"
    for bad in ("0", "-3", "1.5", "x"):
        with pytest.raises(ValueError, match="LOCAL_TIME_SCALE"):
            LocalSettings.from_env({"LOCAL_TIME_SCALE": bad})
