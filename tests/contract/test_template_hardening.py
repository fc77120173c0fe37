"""template.yaml is ready for a production account: data survives a delete or a replacement, every function
and API logs with a retention, every asynchronous function has somewhere for its failures to go, the
optional customer key reaches every store, and every skipped checkov/cfn-lint finding says why."""

from __future__ import annotations

import json
import re
from typing import Any

import boto3
import pytest
from moto import mock_aws

from paybridge_local.provision import provision
from paybridge_local.template import ROOT, TEMPLATE_PATH, load_template

TEMPLATE = load_template()
RESOURCES: dict[str, Any] = TEMPLATE["Resources"]
FUNCTIONS = {k: v for k, v in RESOURCES.items() if v["Type"] == "AWS::Serverless::Function"}
CUSTOMER_KEY = {"Fn::If": ["HasKmsKey", {"Ref": "KmsKeyArn"}, {"Ref": "AWS::NoValue"}]}
#: Types whose data a delete, a rollback or a replacing change must not take with it.
STATEFUL = {"AWS::DynamoDB::Table", "AWS::SecretsManager::Secret", "AWS::KMS::Key", "AWS::SQS::Queue"}
ASYNC_EVENTS = {"EventBridgeRule", "Schedule", "ScheduleV2", "SNS", "S3", "CloudWatchEvent"}


def _of_type(*types: str) -> dict[str, Any]:
    return {k: v for k, v in RESOURCES.items() if v["Type"] in types}


# ---------------------------------------------------------------- skips carry their reason
def test_every_checkov_skip_names_a_check_and_says_why() -> None:
    skips = [
        (name, skip)
        for name, body in RESOURCES.items()
        for skip in body.get("Metadata", {}).get("checkov", {}).get("skip", [])
    ]
    assert skips, "the template skips some checkov checks (functions outside a VPC)"
    for name, skip in skips:
        assert re.fullmatch(r"CKV2?_AWS_\d+", skip.get("id", "")), (name, skip)
        assert len(str(skip.get("comment", "")).strip()) >= 20, f"{name}: skip {skip.get('id')} has no reason"


def _ignored_check_lines(text: str) -> list[tuple[int, str]]:
    """(line number, line) of every entry under an ``ignore_checks:`` key of the raw template."""
    lines = text.splitlines()
    found = []
    for index, line in enumerate(lines):
        if line.strip() == "ignore_checks:":
            indent = len(line) - len(line.lstrip())
            for number in range(index + 1, len(lines)):
                entry = lines[number]
                if len(entry) - len(entry.lstrip()) <= indent or not entry.lstrip().startswith("- "):
                    break
                found.append((number + 1, entry))
    return found


def test_every_cfn_lint_ignore_has_a_comment_saying_why() -> None:
    entries = _ignored_check_lines(TEMPLATE_PATH.read_text(encoding="utf-8"))
    ignored = sum(
        len(body.get("Metadata", {}).get("cfn-lint", {}).get("config", {}).get("ignore_checks", []))
        for body in RESOURCES.values()
    )
    assert entries
    assert len(entries) == ignored, "every ignore_checks entry is a one-line '- RULE  # reason' item"
    for number, line in entries:
        assert re.fullmatch(r"\s*- [A-Z]+\d+\s+#\s*\S.{14,}", line), f"template.yaml:{number} has no reason"


def test_the_reason_check_refuses_a_bare_ignore() -> None:
    text = "x:\n  ignore_checks:\n    - WS1004  # logs to its own group (LoggingConfig)\n    - ES1007\ny: 1\n"
    entries = _ignored_check_lines(text)
    assert [n for n, _ in entries] == [3, 4]
    assert not re.fullmatch(r"\s*- [A-Z]+\d+\s+#\s*\S.{14,}", entries[1][1])


# ---------------------------------------------------------------- data that survives
@pytest.mark.parametrize("logical_id", sorted(_of_type(*STATEFUL)))
def test_stateful_resources_are_retained_on_delete_and_replacement(logical_id: str) -> None:
    body = RESOURCES[logical_id]
    assert body.get("DeletionPolicy") == "Retain"
    assert body.get("UpdateReplacePolicy") == "Retain"


@pytest.mark.parametrize("logical_id", sorted(_of_type("AWS::DynamoDB::Table")))
def test_every_table_has_pitr_deletion_protection_and_the_optional_customer_key(logical_id: str) -> None:
    props = RESOURCES[logical_id]["Properties"]
    assert props["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert props["DeletionProtectionEnabled"] is True
    assert props["SSESpecification"] == {"SSEEnabled": True, "SSEType": "KMS", "KMSMasterKeyId": CUSTOMER_KEY}


def test_the_customer_key_reaches_queues_topics_secrets_log_groups_and_function_environments() -> None:
    assert TEMPLATE["Parameters"]["KmsKeyArn"]["Default"] == ""
    assert TEMPLATE["Conditions"]["HasKmsKey"] == {"Fn::Not": [{"Fn::Equals": [{"Ref": "KmsKeyArn"}, ""]}]}
    for name, body in _of_type("AWS::SQS::Queue").items():
        assert body["Properties"]["KmsMasterKeyId"] == CUSTOMER_KEY, name
    for name, body in _of_type("AWS::SNS::Topic").items():
        assert body["Properties"]["KmsMasterKeyId"] == CUSTOMER_KEY, name
    for name, body in _of_type("AWS::SecretsManager::Secret", "AWS::Logs::LogGroup").items():
        assert body["Properties"]["KmsKeyId"] == CUSTOMER_KEY, name
    assert TEMPLATE["Globals"]["Function"]["KmsKeyArn"] == CUSTOMER_KEY


# ---------------------------------------------------------------- operable by default
@pytest.mark.parametrize("logical_id", sorted(FUNCTIONS))
def test_every_function_logs_to_its_own_log_group_with_the_retention_parameter(logical_id: str) -> None:
    group = FUNCTIONS[logical_id]["Properties"]["LoggingConfig"]["LogGroup"]
    assert group == {"Ref": f"{logical_id}LogGroup"}
    log_group = RESOURCES[group["Ref"]]
    assert log_group["Type"] == "AWS::Logs::LogGroup"
    assert log_group["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionDays"}


@pytest.mark.parametrize("api", sorted(_of_type("AWS::Serverless::Api")))
def test_both_apis_write_json_access_logs_without_paths_headers_or_query_strings(api: str) -> None:
    setting = RESOURCES[api]["Properties"]["AccessLogSetting"]
    fields = json.loads(setting["Format"])
    assert {"requestId", "status", "resourcePath", "httpMethod"} <= set(fields)
    assert not {"path", "querystring", "headers", "body"} & {v.split(".")[-1] for v in fields.values()}
    assert f"${{{api}AccessLogGroup}}" in setting["DestinationArn"]["Fn::Sub"]
    assert RESOURCES[f"{api}AccessLogGroup"]["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionDays"}
    assert RESOURCES[api]["DependsOn"] == "ApiGatewayAccount"


def _async_events(body: dict[str, Any]) -> dict[str, Any]:
    events = body["Properties"].get("Events", {})
    return {name: event for name, event in events.items() if event["Type"] in ASYNC_EVENTS}


@pytest.mark.parametrize("logical_id", sorted(k for k, v in FUNCTIONS.items() if _async_events(v)))
def test_every_asynchronously_invoked_function_has_a_dead_letter_queue(logical_id: str) -> None:
    props = FUNCTIONS[logical_id]["Properties"]
    destination = props.get("EventInvokeConfig", {}).get("DestinationConfig", {}).get("OnFailure")
    dead_letter = props.get("DeadLetterQueue", {}).get("TargetArn")
    assert dead_letter or destination, "a failed invocation would be dropped after Lambda's retries"
    assert "MaximumRetryAttempts" in props["EventInvokeConfig"]
    for name, event in _async_events(FUNCTIONS[logical_id]).items():
        # Events EventBridge cannot deliver (throttled past the event age, missing permission) land here.
        assert "Arn" in event["Properties"]["DeadLetterConfig"], name


def test_every_queue_is_alarmed_and_every_alarm_notifies_the_alarm_topic() -> None:
    alarms = _of_type("AWS::CloudWatch::Alarm").values()
    watched = {
        d["Value"]["Fn::GetAtt"][0]
        for alarm in alarms
        for d in alarm["Properties"].get("Dimensions", [])
        if d["Name"] == "QueueName"
    }
    assert set(_of_type("AWS::SQS::Queue")) <= watched
    assert all(alarm["Properties"]["AlarmActions"] == [{"Ref": "AlarmTopic"}] for alarm in alarms)


def _calls_juspay(body: dict[str, Any]) -> bool:
    return '"Ref": "JuspayApiKeySecret"' in json.dumps(body["Properties"].get("Policies", []))


@pytest.mark.parametrize("logical_id", sorted(k for k, v in FUNCTIONS.items() if _calls_juspay(v)))
def test_functions_that_call_juspay_take_a_reserved_concurrency_parameter(logical_id: str) -> None:
    props = FUNCTIONS[logical_id]["Properties"]
    condition, value, otherwise = props["ReservedConcurrentExecutions"]["Fn::If"]
    kind = "Api" if any(e["Type"] == "Api" for e in props.get("Events", {}).values()) else "Worker"
    assert (condition, value, otherwise) == (
        f"ReserveJuspay{kind}Concurrency",
        {"Ref": f"Juspay{kind}Concurrency"},
        {"Ref": "AWS::NoValue"},
    )
    assert TEMPLATE["Parameters"][f"Juspay{kind}Concurrency"]["Default"] == 0


def test_the_dashboard_shows_only_metrics_the_code_emits_and_every_alarmed_one() -> None:
    body = RESOURCES["BusinessDashboard"]["Properties"]["DashboardBody"]["Fn::Sub"]
    dashboard = json.loads(re.sub(r"\$\{[^}]+\}", "x", body))
    names = {
        metric[1]
        for widget in dashboard["widgets"]
        for metric in widget["properties"]["metrics"]
        if metric[0] == "Paybridge"
    }
    code = "\n".join(p.read_text() for p in (ROOT / "layers/common/paybridge").rglob("*.py"))
    for name in sorted(names):
        assert f'"{name}"' in code, f"no code emits {name}"
    alarmed = {
        alarm["Properties"]["MetricName"]
        for alarm in _of_type("AWS::CloudWatch::Alarm").values()
        if alarm["Properties"].get("Namespace") == "Paybridge"
    }
    assert alarmed <= names


# ---------------------------------------------------------------- the local stack accepts all of it
@pytest.mark.parametrize(
    "overrides",
    [
        {},
        {
            "KmsKeyArn": "arn:aws:kms:ap-south-1:123456789012:key/0f6b5c1e-2d1a-4b4e-9c1e-1b2c3d4e5f60",
            "JuspayApiConcurrency": "5",
            "JuspayWorkerConcurrency": "3",
            "LogRetentionDays": "365",
        },
    ],
)
def test_the_local_stack_builds_the_hardened_template(overrides: dict[str, str]) -> None:
    with mock_aws():
        session = boto3.session.Session(region_name="ap-south-1")
        built = provision(session, stack_name="harden", parameter_overrides=overrides)
        tables = set(session.client("dynamodb").list_tables()["TableNames"])
        queues = session.client("sqs").list_queues()["QueueUrls"]
    assert {built.physical(name) for name in _of_type("AWS::DynamoDB::Table")} <= tables
    assert {built.physical(name) for name in _of_type("AWS::SQS::Queue")} <= set(queues)
    assert set(built.functions) == set(FUNCTIONS)
    skipped = " ".join(built.skipped)
    assert "AWS::Logs::LogGroup" in skipped
    assert "AWS::CloudWatch::Dashboard" in skipped
