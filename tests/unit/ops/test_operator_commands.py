"""The operator's commands on hand-made inputs: which queues are dead-letter queues and where a dead letter
goes back to, the StartReplay request (moto's replay does not deliver; the request is checked against a stub),
and the order timeline."""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime
from typing import Any

import pytest

from paybridge_local.template import load_template
from paybridge_ops import replay
from paybridge_ops.cli import parser
from paybridge_ops.dlq import DeadLetterQueue, dead_letter_queues, place
from paybridge_ops.order_show import Entry, render, timeline
from paybridge_ops.target import Target

GETATT = "Fn::GetAtt"


def _rule_target_queue() -> DeadLetterQueue:
    queues = {q.logical_id: q for q in dead_letter_queues(load_template())}
    assert set(queues) == {"RuleTargetDeadLetterQueue", "ScheduledRunDeadLetterQueue"}
    return queues["RuleTargetDeadLetterQueue"]


def test_the_templates_dead_letter_queue_and_its_functions() -> None:
    queue = _rule_target_queue()
    assert queue.logical_id == "RuleTargetDeadLetterQueue"
    assert {"SettleOrderFunction", "IssueRefundFunction", "TrackRefundFunction"} <= set(queue.functions)
    assert queue.queues == []


def test_every_kind_of_dead_letter_setting_is_found() -> None:
    template = {
        "Resources": {
            "Work": {
                "Type": "AWS::SQS::Queue",
                "Properties": {
                    "RedrivePolicy": {
                        "deadLetterTargetArn": {GETATT: ["WorkDlq", "Arn"]},
                        "maxReceiveCount": 3,
                    }
                },
            },
            "WorkDlq": {"Type": "AWS::SQS::Queue", "Properties": {}},
            "FnDlq": {"Type": "AWS::SQS::Queue", "Properties": {}},
            "Plain": {"Type": "AWS::SQS::Queue", "Properties": {}},
            "A": {
                "Type": "AWS::Serverless::Function",
                "Properties": {"DeadLetterQueue": {"Type": "SQS", "TargetArn": {GETATT: ["FnDlq", "Arn"]}}},
            },
            "B": {
                "Type": "AWS::Serverless::Function",
                "Properties": {
                    "EventInvokeConfig": {
                        "DestinationConfig": {
                            "OnFailure": {"Type": "SQS", "Destination": {GETATT: ["FnDlq", "Arn"]}}
                        }
                    }
                },
            },
            "C": {"Type": "AWS::Lambda::Function", "Properties": {}},
            "Rule": {
                "Type": "AWS::Events::Rule",
                "Properties": {
                    "Targets": [
                        {
                            "Id": "c",
                            "Arn": {GETATT: ["C", "Arn"]},
                            "DeadLetterConfig": {"Arn": {GETATT: ["FnDlq", "Arn"]}},
                        }
                    ]
                },
            },
        }
    }
    found = {q.logical_id: q for q in dead_letter_queues(template)}
    assert set(found) == {"WorkDlq", "FnDlq"}  # "Plain" feeds nothing and is fed by nothing
    assert found["WorkDlq"].queues == ["Work"]
    assert sorted(found["FnDlq"].functions) == ["A", "B", "C"]


class _Events:
    def __init__(self, matching: set[str]) -> None:
        self.matching = matching
        self.asked: list[str] = []

    def test_event_pattern(self, EventPattern: str, Event: str) -> dict[str, bool]:
        detail_types = json.loads(EventPattern).get("detail-type", [])
        self.asked.append(json.loads(Event)["detail-type"])
        return {"Result": any(isinstance(d, str) and d in self.matching for d in detail_types)}


def _target(events: Any = None) -> Target:
    target = Target(session=None, name="test")  # type: ignore[arg-type]
    target.resources = {
        "SettleOrderFunction": {"Ref": "settle"},
        "IssueRefundFunction": {"Ref": "issue"},
        "TrackRefundFunction": {"Ref": "track"},
        "TrackMandateFunction": {"Ref": "mandate"},
        "StartPendingOrderFunction": {"Ref": "start"},
    }
    if events is not None:
        target._clients["events"] = events
    return target


def test_a_dead_letter_goes_back_to_the_function_it_names() -> None:
    queue = _rule_target_queue()
    event = {"source": "juspay", "detail-type": "ORDER_PARTIAL_CHARGED", "detail": {"order_id": "o1"}}
    local = {"Body": json.dumps({"event": event, "function": "settle", "error": {}})}
    assert place(_target(), queue, local) == ("settle", event)
    from_rule = {
        "Body": json.dumps(event),
        "MessageAttributes": {"TARGET_ARN": {"StringValue": "arn:aws:lambda:r:1:function:settle"}},
    }
    assert place(_target(), queue, from_rule) == ("arn:aws:lambda:r:1:function:settle", event)
    on_failure = {
        "Body": json.dumps(
            {"requestContext": {"functionArn": "arn:aws:lambda:r:1:function:issue"}, "requestPayload": event}
        )
    }
    assert place(_target(), queue, on_failure) == ("arn:aws:lambda:r:1:function:issue", event)
    assert "not JSON" in str(place(_target(), queue, {"Body": "{"}))
    step = {
        "Body": json.dumps(event),
        "MessageAttributes": {"TARGET_ARN": {"StringValue": "arn:aws:states:r:1:stateMachine:x"}},
    }
    assert "not a function" in str(place(_target(), queue, step))


def test_a_lambda_dead_letter_naming_no_function_is_matched_by_the_rules_patterns() -> None:
    queue = _rule_target_queue()
    event = {"source": "juspay", "detail-type": "ORDER_PARTIAL_CHARGED", "detail": {"order_id": "o1"}}
    events = _Events({"ORDER_PARTIAL_CHARGED"})
    assert place(_target(events), queue, {"Body": json.dumps(event)}) == ("settle", event)
    assert events.asked
    nobody = place(_target(_Events(set())), queue, {"Body": json.dumps(event)})
    assert isinstance(nobody, str)
    assert "by hand" in nobody


def test_a_queue_fed_by_one_function_needs_no_matching() -> None:
    queue = DeadLetterQueue("Q", functions=["SettleOrderFunction"])
    assert place(_target(), queue, {"Body": '{"a": 1}'}) == ("settle", {"a": 1})


SINCE = datetime(2026, 11, 29, 10, tzinfo=UTC)
UNTIL = datetime(2026, 11, 29, 13, tzinfo=UTC)
RULES = [
    {
        "Arn": "arn:rule/settle",
        "EventPattern": json.dumps(
            {"source": ["juspay"], "detail-type": ["ORDER_PARTIAL_CHARGED", "ORDER_SUCCEEDED"]}
        ),
    },
    {
        "Arn": "arn:rule/refunds",
        "EventPattern": json.dumps({"source": ["paybridge"], "detail-type": ["RefundRequested"]}),
    },
    {"Arn": "arn:rule/prefixed", "EventPattern": json.dumps({"detail-type": [{"prefix": "ORDER_"}]})},
    {"Arn": "arn:rule/tap", "EventPattern": json.dumps({"source": [{"anything-but": "nothing"}]})},
    {"Arn": "arn:rule/archive", "ManagedBy": "events.amazonaws.com", "EventPattern": "{}"},
]


def test_the_replay_goes_to_the_rules_that_take_the_detail_types() -> None:
    request = replay.replay_request(
        "r1", "arn:archive", "arn:bus", SINCE, UNTIL, RULES, ["ORDER_PARTIAL_CHARGED"], []
    )
    assert request == {
        "ReplayName": "r1",
        "Description": "detail-types ['ORDER_PARTIAL_CHARGED'], sources all",
        "EventSourceArn": "arn:archive",
        "EventStartTime": SINCE,
        "EventEndTime": UNTIL,
        "Destination": {
            "Arn": "arn:bus",
            "FilterArns": ["arn:rule/prefixed", "arn:rule/settle", "arn:rule/tap"],
        },
    }
    only_paybridge = replay.replay_request("r2", "a", "b", SINCE, UNTIL, RULES, [], ["paybridge"])
    assert only_paybridge["Destination"]["FilterArns"] == [
        "arn:rule/prefixed",
        "arn:rule/refunds",
        "arn:rule/tap",
    ]
    with pytest.raises(SystemExit):
        replay.replay_request("r3", "a", "b", UNTIL, SINCE, RULES, [], [])


class _ReplayEvents:
    def __init__(self) -> None:
        self.started: list[dict[str, Any]] = []

    def describe_archive(self, ArchiveName: str) -> dict[str, str]:
        return {
            "ArchiveArn": f"arn:archive/{ArchiveName}",
            "EventSourceArn": "arn:aws:events:r:1:event-bus/bus",
        }

    def get_paginator(self, name: str) -> Any:
        assert name == "list_rules"
        return type("P", (), {"paginate": staticmethod(lambda EventBusName: [{"Rules": RULES}])})()

    def start_replay(self, **request: Any) -> dict[str, str]:
        self.started.append(request)
        return {"ReplayArn": "arn:replay/r", "State": "STARTING"}


@pytest.mark.parametrize("dry_run", [True, False])
def test_replay_starts_the_request_it_prints(
    monkeypatch: pytest.MonkeyPatch, capsys: Any, dry_run: bool
) -> None:
    events = _ReplayEvents()
    target = _target(events)
    target.resources["EventBusArchive"] = {"Ref": "paybridge-archive"}
    monkeypatch.setattr(replay, "target_of", lambda args: target)
    argv = [
        "replay",
        "--since",
        "2026-11-29T10:00Z",
        "--until",
        "2026-11-29T13:00Z",
        "--detail-type",
        "RefundRequested",
    ]
    args = parser().parse_args(argv + (["--dry-run"] if dry_run else []))
    assert replay.run(args) == 0
    printed = capsys.readouterr().out
    assert "arn:archive/paybridge-archive" in printed
    if dry_run:
        assert events.started == []
    else:
        [request] = events.started
        assert request["EventSourceArn"] == "arn:archive/paybridge-archive"
        assert request["Destination"] == {
            "Arn": "arn:aws:events:r:1:event-bus/bus",
            "FilterArns": ["arn:rule/refunds", "arn:rule/tap"],
        }
        assert request["EventStartTime"] == SINCE


def test_replay_refuses_a_window_without_offset() -> None:
    with pytest.raises(SystemExit):
        parser().parse_args(["replay", "--since", "2026-11-29T10:00"])


def test_the_timeline_merges_every_source_in_time_order() -> None:
    entries = timeline(
        record={
            "created_at": "2026-11-29T10:00:01+00:00",
            "updated_at": "2026-11-29T10:00:03+00:00",
            "settled_at": "2026-11-29T10:00:03+00:00",
            "status": "SETTLED",
            "juspay_status": "PARTIAL_CHARGED",
            "currency": "INR",
            "amount_minor": 10000,
            "wallet_minor": 1000,
            "online_minor": 9000,
            "wallet_txn_id": "w1",
            "published_status": "SETTLED",
        },
        webhooks=[
            {
                "received_at": "2026-11-29T10:00:00+00:00",
                "event_name": "ORDER_PARTIAL_CHARGED",
                "event_id": "evt_1",
                "deliveries": 2,
                "status": "PUBLISHED",
                "published_at": "2026-11-29T10:00:00.5+00:00",
                "bus_event_id": "b1",
            }
        ],
        ledger=[
            {
                "created_at": "2026-11-29T10:00:03+00:00",
                "entry_type": "DEBIT",
                "amount_minor": 1000,
                "balance_after_minor": 9000,
                "currency": "INR",
                "seq": 2,
            }
        ],
        refunds=[
            {
                "created_at": "2026-11-29T11:00:00Z",
                "updated_at": "2026-11-29T12:00:00Z",
                "seq": 1,
                "kind": "txn",
                "amount_minor": 100,
                "currency": "INR",
                "reason": "customer",
                "unique_request_id": "rf1",
                "status": "SUCCESS",
                "juspay_status": "SUCCESS",
            }
        ],
        follower=None,
        executions=[
            {
                "follow": 1,
                "name": "o1-f1",
                "status": "SUCCEEDED",
                "started_at": "2026-11-29T09:59:00+00:00",
                "stopped_at": "2026-11-29T10:00:04+00:00",
                "status_checks": ["2026-11-29T09:59:30+00:00"],
            }
        ],
    )
    assert [e.source for e in entries] == [
        "follower",
        "follower",
        "webhook",
        "bus",
        "order",
        "order",
        "order",
        "ledger",
        "follower",
        "refund",
        "refund",
    ]
    text = render("o1", entries)
    assert "ORDER_PARTIAL_CHARGED evt_1 received (2 deliveries, published)" in text
    assert "record created (amount 100.00, online 90.00, wallet 10.00)" in text
    assert "DEBIT 10.00 (seq 2, balance after 90.00)" in text
    assert "#1 now SUCCESS, Juspay SUCCESS" in text
    assert render("o2", []) == "order o2: nothing recorded in this stack"
    assert Entry("t", "s", "w") in [Entry("t", "s", "w")]


def test_every_command_parses() -> None:
    top = parser()
    for argv in (
        ["order", "show", "o1", "--stack", "s"],
        ["dlq", "list"],
        ["dlq", "redrive", "Q", "--max", "5"],
        ["refunds", "sweep", "--json"],
        ["reconcile", "--hours", "2"],
    ):
        assert isinstance(top.parse_args(argv), argparse.Namespace)
