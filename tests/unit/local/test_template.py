"""The template reader and intrinsic-function resolver the local stack builds from."""

from __future__ import annotations

import pytest

from paybridge_local.template import (
    Resolver,
    TemplateError,
    creation_order,
    function_environment,
    load_template,
    parse_parameter_overrides,
    references,
)


def resolver() -> Resolver:
    r = Resolver(
        parameters={"Stage": "dev", "List": "a,b,c"},
        pseudo={"AWS::Region": "ap-south-1", "AWS::AccountId": "123"},
        conditions={
            "IsProd": {"Fn::Equals": [{"Ref": "Stage"}, "prod"]},
            "IsDev": {"Fn::Not": [{"Condition": "IsProd"}]},
        },
        mappings={"Sizes": {"dev": {"Memory": 256}}},
    )
    r.attributes["Table"] = {"Ref": "tbl", "Arn": "arn:tbl"}
    return r


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ({"Ref": "Stage"}, "dev"),
        ({"Ref": "Table"}, "tbl"),
        ({"Fn::GetAtt": ["Table", "Arn"]}, "arn:tbl"),
        ({"Fn::GetAtt": "Table.Arn"}, "arn:tbl"),
        ({"Fn::Sub": "${AWS::Region}/${Table}/${Table.Arn}/${Stage}"}, "ap-south-1/tbl/arn:tbl/dev"),
        ({"Fn::Sub": ["${x}-${Stage}", {"x": {"Ref": "Table"}}]}, "tbl-dev"),
        ({"Fn::Join": ["-", ["a", {"Ref": "Stage"}]]}, "a-dev"),
        ({"Fn::If": ["IsProd", "yes", "no"]}, "no"),
        ({"Fn::If": ["IsDev", "yes", "no"]}, "yes"),
        ({"Fn::Select": [1, {"Fn::Split": [",", {"Ref": "List"}]}]}, "b"),
        ({"Fn::And": [True, {"Condition": "IsDev"}]}, True),
        ({"Fn::Or": [False, {"Condition": "IsProd"}]}, False),
        ({"a": {"Ref": "AWS::NoValue"}, "b": [1, {"Ref": "AWS::NoValue"}]}, {"b": [1]}),
        ({"Fn::Sub": "${!Literal}-${Stage}-${!AWS::Region}"}, "${Literal}-dev-${AWS::Region}"),
        ({"Fn::Sub": ["${!x}${x}", {"x": "1"}]}, "${x}1"),
        ({"Fn::FindInMap": ["Sizes", {"Ref": "Stage"}, "Memory"]}, 256),
    ],
)
def test_resolve(expression: object, expected: object) -> None:
    assert resolver().resolve(expression) == expected


@pytest.mark.parametrize(
    "expression",
    [
        {"Ref": "Nope"},
        {"Fn::GetAtt": ["Table", "StreamArn"]},
        {"Fn::FindInMap": ["Sizes", "prod", "Memory"]},
    ],
)
def test_unresolvable_references_raise(expression: object) -> None:
    with pytest.raises(TemplateError):
        resolver().resolve(expression)


@pytest.mark.parametrize(
    "expression",
    [
        {"Fn::Base64": "x"},
        {"Fn::ImportValue": "shared-vpc"},
        {"Fn::GetAZs": ""},
        {"Properties": {"Nested": [{"Fn::Cidr": ["10.0.0.0/16", 2, 8]}]}},
    ],
)
def test_unknown_intrinsics_raise_a_clear_error(expression: object) -> None:
    with pytest.raises(TemplateError, match=r"intrinsic function Fn::\w+ is not supported"):
        resolver().resolve(expression)


def test_references_and_creation_order() -> None:
    resources = {
        "B": {"Type": "x", "Properties": {"A": {"Fn::Sub": "${A.Arn}-${AWS::Region}"}}},
        "A": {"Type": "x", "Properties": {}},
        "C": {"Type": "x", "DependsOn": "B", "Properties": {"L": [{"Ref": "A"}]}},
    }
    assert references(resources["B"]) == {"A"}
    assert creation_order(resources) == ["A", "B", "C"]
    with pytest.raises(TemplateError):
        creation_order({"X": {"Properties": {"a": {"Ref": "Y"}}}, "Y": {"Properties": {"a": {"Ref": "X"}}}})


def test_parameter_overrides() -> None:
    assert parse_parameter_overrides("A=1 B='two words' C=") == {"A": "1", "B": "two words", "C": ""}
    assert parse_parameter_overrides("ParameterKey=K,ParameterValue=V") == {"K": "V"}
    assert parse_parameter_overrides(None) == {}
    with pytest.raises(TemplateError):
        parse_parameter_overrides("novalue")


def test_real_template_loads_with_short_tags_expanded() -> None:
    template = load_template()
    fn = template["Resources"]["IngestWebhookFunction"]
    assert fn["Properties"]["Events"]["JuspayWebhook"]["Properties"]["RestApiId"] == {"Ref": "WebhookApi"}
    env = function_environment(template, "IngestWebhookFunction")
    assert env["EVENT_BUS_NAME"] == {"Ref": "EventBus"}
