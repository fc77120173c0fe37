"""template.yaml's refund resources agree with the code: rules, alarms, table keys."""

from __future__ import annotations

from typing import Any

from paybridge.dal.refund_checks import OPEN_BY_NEXT_CHECK_INDEX
from paybridge.dal.refunds import UNIQUE_REQUEST_ID_INDEX
from paybridge.logic.track_refund import REFUND_EVENTS
from paybridge_local.template import load_template

RESOURCES: dict[str, Any] = load_template()["Resources"]


def rule(function: str) -> dict[str, Any]:
    [event] = RESOURCES[function]["Properties"]["Events"].values()
    assert event["Type"] == "EventBridgeRule"
    assert event["Properties"]["DeadLetterConfig"] == {
        "Arn": {"Fn::GetAtt": ["RuleTargetDeadLetterQueue", "Arn"]}
    }
    assert event["Properties"]["RetryPolicy"]["MaximumRetryAttempts"] > 0
    pattern: dict[str, Any] = event["Properties"]["Pattern"]
    return pattern


def test_issue_refund_listens_to_refund_requested_only() -> None:
    assert rule("IssueRefundFunction") == {"source": ["paybridge"], "detail-type": ["RefundRequested"]}


def test_track_refund_listens_to_every_juspay_refund_event() -> None:
    pattern = rule("TrackRefundFunction")
    assert pattern["source"] == ["juspay"]
    assert set(pattern["detail-type"]) == REFUND_EVENTS


def test_manual_review_and_failure_have_alarms_on_the_metrics_the_code_emits() -> None:
    for alarm, metric in (
        ("RefundManualReviewAlarm", "RefundManualReview"),
        ("RefundFailedAlarm", "RefundFailed"),
        ("RefundOutcomeUnknownAlarm", "RefundOutcomeUnknown"),
    ):
        props = RESOURCES[alarm]["Properties"]
        assert RESOURCES[alarm]["Type"] == "AWS::CloudWatch::Alarm"
        assert (props["Namespace"], props["MetricName"]) == ("Paybridge", metric)
        assert props["Dimensions"] == [{"Name": "service", "Value": "paybridge"}]
        assert props["Threshold"] == 1


def test_refunds_table_is_keyed_as_the_repository_expects() -> None:
    props = RESOURCES["RefundsTable"]["Properties"]
    assert [k["AttributeName"] for k in props["KeySchema"]] == ["order_id", "sk"]
    indexes = {index["IndexName"]: index for index in props["GlobalSecondaryIndexes"]}
    assert set(indexes) == {UNIQUE_REQUEST_ID_INDEX, OPEN_BY_NEXT_CHECK_INDEX}
    assert indexes[UNIQUE_REQUEST_ID_INDEX]["KeySchema"] == [
        {"AttributeName": "unique_request_id", "KeyType": "HASH"}
    ]
    assert indexes[OPEN_BY_NEXT_CHECK_INDEX]["KeySchema"] == [
        {"AttributeName": "sweep_key", "KeyType": "HASH"},
        {"AttributeName": "next_check_at", "KeyType": "RANGE"},
    ]
    types = {a["AttributeName"]: a["AttributeType"] for a in props["AttributeDefinitions"]}
    assert (types["sweep_key"], types["next_check_at"]) == ("S", "N")
    assert props["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True
    assert props["SSESpecification"]["SSEEnabled"] is True
