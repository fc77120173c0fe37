"""template.yaml and the code agree: handlers exist, names line up, configuration is wired, policies are
least-privilege, and state machines name only errors the code defines."""

from __future__ import annotations

import ast
import importlib.util
import json
import re
import sys
from pathlib import Path
from typing import Any

import pytest

from paybridge import errors
from paybridge.settings.base import FunctionSettings
from paybridge_local.template import ROOT, function_environment, load_template

TEMPLATE = load_template()
RESOURCES: dict[str, Any] = TEMPLATE["Resources"]
FUNCTIONS = {k: v for k, v in RESOURCES.items() if v["Type"] == "AWS::Serverless::Function"}
STATE_MACHINES = sorted((ROOT / "statemachines").glob("*.asl.json"))


def test_template_has_the_foundation_resources() -> None:
    types = {name: body["Type"] for name, body in RESOURCES.items()}
    assert types["EventBus"] == "AWS::Events::EventBus"
    assert types["EventBusArchive"] == "AWS::Events::Archive"
    assert types["WebhookEventsTable"] == "AWS::DynamoDB::Table"
    assert RESOURCES["WebhookEventsTable"]["Properties"]["TimeToLiveSpecification"]["Enabled"] is True
    assert types["WebhookCredentialsSecret"] == "AWS::SecretsManager::Secret"
    assert types["RuleTargetDeadLetterQueue"] == "AWS::SQS::Queue"
    assert TEMPLATE["Globals"]["Function"]["Runtime"] == "python3.13"
    assert TEMPLATE["Globals"]["Function"]["Architectures"] == ["arm64"]


def test_every_alarm_notifies_the_alarm_topic() -> None:
    alarms = {k: v for k, v in RESOURCES.items() if v["Type"] == "AWS::CloudWatch::Alarm"}
    assert alarms
    for logical_id, body in alarms.items():
        assert body["Properties"]["AlarmActions"] == [{"Ref": "AlarmTopic"}], logical_id
    assert RESOURCES["AlarmTopic"]["Type"] == "AWS::SNS::Topic"
    assert RESOURCES["AlarmEmailSubscription"]["Condition"] == "HasAlarmEmail"
    assert TEMPLATE["Outputs"]["AlarmTopicArn"]["Value"] == {"Ref": "AlarmTopic"}


@pytest.mark.parametrize("logical_id", sorted(FUNCTIONS))
def test_every_function_has_a_thin_handler_and_a_logic_module_of_the_same_name(logical_id: str) -> None:
    props = FUNCTIONS[logical_id]["Properties"]
    code_dir = ROOT / props["CodeUri"]
    module_name, _, attribute = props["Handler"].rpartition(".")
    path = code_dir / f"{module_name}.py"
    assert path.is_file()
    tree = ast.parse(path.read_text())
    assert attribute in {n.name for n in tree.body if isinstance(n, ast.FunctionDef)}
    verb_noun = code_dir.name
    assert (ROOT / "layers/common/paybridge/logic" / f"{verb_noun}.py").is_file(), verb_noun
    assert len(path.read_text().splitlines()) < 150, "handlers stay thin: logic lives in the layer"


@pytest.mark.parametrize("logical_id", sorted(FUNCTIONS))
def test_every_api_route_of_the_template_is_served_by_its_handler(logical_id: str) -> None:
    props = FUNCTIONS[logical_id]["Properties"]
    source = (ROOT / props["CodeUri"] / "app.py").read_text()
    for event in props.get("Events", {}).values():
        if event["Type"] == "Api":
            method, path = event["Properties"]["Method"].lower(), event["Properties"]["Path"]
            # API Gateway writes path parameters {name}; Powertools' resolver writes them <name>.
            route = re.sub(r"\{(\w+)\}", r"<\1>", path)
            assert re.search(rf'@app\.{method}\(\s*"{re.escape(route)}"', source), f"{method.upper()} {path}"


def _settings_model(logical_id: str) -> type[FunctionSettings]:
    """The handler module's ``SETTINGS`` (its settings model), loaded as Lambda would."""
    props = FUNCTIONS[logical_id]["Properties"]
    path = ROOT / props["CodeUri"] / (props["Handler"].rpartition(".")[0] + ".py")
    spec = importlib.util.spec_from_file_location(f"contract_env_{logical_id}", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the module runs
    spec.loader.exec_module(module)
    model = module.SETTINGS
    assert isinstance(model, type)
    assert issubclass(model, FunctionSettings)
    return model


@pytest.mark.parametrize("logical_id", sorted(FUNCTIONS))
def test_each_function_gets_exactly_the_variables_its_settings_read(logical_id: str) -> None:
    own = FUNCTIONS[logical_id]["Properties"].get("Environment", {}).get("Variables", {})
    model = _settings_model(logical_id)
    # One model per function, named after it (functions/ingest_webhook → IngestWebhookSettings).
    verb_noun = Path(FUNCTIONS[logical_id]["Properties"]["CodeUri"]).name
    assert model.__name__ == "".join(word.title() for word in verb_noun.split("_")) + "Settings"
    declared = model.variables()
    assert set(own) == declared, (
        f"missing {sorted(declared - set(own))}, not read {sorted(set(own) - declared)}"
    )


def test_only_the_settings_models_read_the_environment() -> None:
    # Handlers, the composition root and logic get their configuration from a settings model.
    readers = [
        path.relative_to(ROOT).as_posix()
        for path in [
            *(ROOT / "functions").glob("*/app.py"),
            *(ROOT / "layers/common/paybridge").rglob("*.py"),
        ]
        if re.search(r"\bos\.(environ|getenv)\b", path.read_text(encoding="utf-8"))
    ]
    # bus.py: the X-Ray trace header Lambda sets per invocation, not configuration.
    assert sorted(readers) == ["layers/common/paybridge/bus.py", "layers/common/paybridge/settings/base.py"]


def test_globals_hold_no_table_or_secret_name() -> None:
    variables = TEMPLATE["Globals"]["Function"].get("Environment", {}).get("Variables", {})
    # Only Powertools' own settings, which every function reads the same way.
    assert all(name.startswith("POWERTOOLS_") for name in variables), sorted(variables)
    for logical_id in FUNCTIONS:
        assert set(function_environment(TEMPLATE, logical_id)) >= set(variables)


def _statements(body: dict[str, Any]) -> list[dict[str, Any]]:
    found = []
    for policy in body["Properties"].get("Policies", []):
        if isinstance(policy, dict) and "Statement" in policy:
            for statement in policy["Statement"]:
                # A conditional statement (!If [cond, statement, !Ref AWS::NoValue]): check every branch.
                branches = statement["Fn::If"][1:] if "Fn::If" in statement else [statement]
                found.extend(b for b in branches if b != {"Ref": "AWS::NoValue"})
    return found


@pytest.mark.parametrize("logical_id", sorted(FUNCTIONS))
def test_function_policies_are_least_privilege(logical_id: str) -> None:
    body = FUNCTIONS[logical_id]
    policies = body["Properties"].get("Policies", [])
    assert policies, "every function states its own permissions"
    for policy in policies:
        assert not (isinstance(policy, str) and policy.endswith("FullAccess")), policy
    for statement in _statements(body):
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        assert all("*" not in action for action in actions), actions
        assert statement.get("Resource") != "*", statement


def _error_names(definition: Any) -> set[str]:
    names: set[str] = set()
    if isinstance(definition, dict):
        for key, value in definition.items():
            if key in ("Retry", "Catch"):
                for rule in value:
                    names |= set(rule["ErrorEquals"])
            names |= _error_names(value)
    elif isinstance(definition, list):
        for item in definition:
            names |= _error_names(item)
    return names


def test_state_machines_name_only_errors_the_code_defines() -> None:
    defined = {
        name for name, obj in vars(errors).items() if isinstance(obj, type) and issubclass(obj, Exception)
    }
    for path in STATE_MACHINES:
        for name in _error_names(json.loads(path.read_text())):
            assert name.startswith("States.") or name in defined, f"{path.name}: {name}"
    assert _error_names(
        {"A": {"Retry": [{"ErrorEquals": ["X"]}], "B": [{"Catch": [{"ErrorEquals": ["Y"]}]}]}}
    ) == {
        "X",
        "Y",
    }


def test_transient_errors_are_named_and_retryable() -> None:
    assert [e.__name__ for e in errors.TRANSIENT_ERRORS] == [
        "JuspayRateLimitedError",
        "JuspayUnavailableError",
    ]
    assert all(e.retryable for e in errors.TRANSIENT_ERRORS)


def test_every_error_class_ends_in_error_under_one_base() -> None:
    for name, obj in vars(errors).items():
        if isinstance(obj, type) and issubclass(obj, Exception) and obj.__module__ == errors.__name__:
            assert name.endswith("Error"), name
            assert issubclass(obj, errors.PaybridgeError), name


def test_canned_events_are_valid_api_gateway_or_eventbridge_events() -> None:
    for path in (ROOT / "events").glob("*.json"):
        event = json.loads(path.read_text())
        if "detail-type" in event:  # an EventBridge event, for functions triggered by a rule
            assert {"version", "id", "source", "account", "time", "region", "detail"} <= set(event), path.name
        else:
            assert {"httpMethod", "path", "headers", "body", "requestContext"} <= set(event), path.name


def test_handlers_create_no_aws_client_at_import() -> None:
    for logical_id in FUNCTIONS:
        source = (ROOT / FUNCTIONS[logical_id]["Properties"]["CodeUri"] / "app.py").read_text()
        tree = ast.parse(source)
        for node in tree.body:
            if isinstance(node, ast.Assign | ast.Expr):
                assert "boto3" not in ast.unparse(node), f"{logical_id}: {ast.unparse(node)}"


def test_layer_package_is_importable_on_its_own() -> None:
    spec = importlib.util.find_spec("paybridge")
    assert spec is not None
    assert spec.origin is not None
    assert Path(spec.origin).parent == ROOT / "layers/common/paybridge"
