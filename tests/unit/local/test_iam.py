"""The local IAM evaluator: calls mapped to the actions and ARNs AWS authorizes, judged by statements."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from paybridge_local import iam
from paybridge_local.iam import Account, Authorization, Enforcer, evaluate, request_authorizations
from paybridge_local.policies import function_policies

ACCOUNT = Account(
    region="ap-south-1",
    account_id="123456789012",
    secret_arns={"webhook": "arn:aws:secretsmanager:ap-south-1:123456789012:secret:webhook-AbCdEf"},
)
TABLE = "arn:aws:dynamodb:ap-south-1:123456789012:table/ledger"


def allow(action: Any, resource: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, "Resource": resource}


def test_allow_needs_a_matching_action_and_resource() -> None:
    statements = [allow(["dynamodb:GetItem", "dynamodb:PutItem"], TABLE)]
    assert evaluate(statements, Authorization("dynamodb:PutItem", TABLE))
    assert not evaluate(statements, Authorization("dynamodb:DeleteItem", TABLE))
    assert not evaluate(statements, Authorization("dynamodb:PutItem", TABLE + "-other"))
    assert not evaluate([], Authorization("dynamodb:PutItem", TABLE))


def test_wildcards_match_actions_without_case_and_resources_with_case() -> None:
    statements = [allow("DynamoDB:Get*", "arn:aws:dynamodb:*:*:table/led?er")]
    assert evaluate(statements, Authorization("dynamodb:GetItem", TABLE))
    assert not evaluate(statements, Authorization("dynamodb:PutItem", TABLE))
    assert not evaluate(statements, Authorization("dynamodb:GetItem", TABLE.replace("ledger", "LEDGER")))
    # A table's grant is not its indexes' grant; a pattern for both is.
    assert not evaluate(statements, Authorization("dynamodb:GetItem", TABLE + "/index/by_x"))
    assert evaluate(
        [allow("dynamodb:Query", TABLE + "/index/*")], Authorization("dynamodb:Query", TABLE + "/index/by_x")
    )


def test_an_explicit_deny_wins_and_not_action_not_resource_invert() -> None:
    statements = [
        allow("dynamodb:*", "*"),
        {"Effect": "Deny", "Action": "dynamodb:DeleteItem", "Resource": TABLE},
    ]
    assert evaluate(statements, Authorization("dynamodb:PutItem", TABLE))
    assert not evaluate(statements, Authorization("dynamodb:DeleteItem", TABLE))
    inverted = [{"Effect": "Allow", "NotAction": "dynamodb:DeleteItem", "NotResource": TABLE + "-secret"}]
    assert evaluate(inverted, Authorization("dynamodb:PutItem", TABLE))
    assert not evaluate(inverted, Authorization("dynamodb:DeleteItem", TABLE))
    assert not evaluate(inverted, Authorization("dynamodb:PutItem", TABLE + "-secret"))


def test_conditions_are_not_judged_an_allow_with_one_allows_a_deny_with_one_does_not_deny() -> None:
    condition = {"StringEquals": {"aws:SourceVpc": "vpc-1"}}
    statements = [
        {**allow("sqs:SendMessage", "*"), "Condition": condition},
        {"Effect": "Deny", "Action": "sqs:SendMessage", "Resource": "*", "Condition": condition},
    ]
    assert evaluate(statements, Authorization("sqs:SendMessage", "arn:aws:sqs:ap-south-1:123456789012:q"))


@pytest.mark.parametrize(
    ("service", "operation", "params", "expected"),
    [
        ("dynamodb", "GetItem", {"TableName": "ledger"}, [("dynamodb:GetItem", TABLE)]),
        (
            "dynamodb",
            "Query",
            {"TableName": "ledger", "IndexName": "by_x"},
            [("dynamodb:Query", TABLE + "/index/by_x")],
        ),
        (
            "dynamodb",
            "TransactWriteItems",
            {
                "TransactItems": [
                    {"Update": {"TableName": "ledger"}},
                    {"Put": {"TableName": "orders"}},
                    {"ConditionCheck": {"TableName": "ledger"}},
                ]
            },
            [
                ("dynamodb:UpdateItem", TABLE),
                ("dynamodb:PutItem", TABLE.replace("ledger", "orders")),
                ("dynamodb:ConditionCheckItem", TABLE),
            ],
        ),
        (
            "events",
            "PutEvents",
            {"Entries": [{"EventBusName": "bus"}, {"EventBusName": "bus"}, {}]},
            [
                ("events:PutEvents", "arn:aws:events:ap-south-1:123456789012:event-bus/bus"),
                ("events:PutEvents", "arn:aws:events:ap-south-1:123456789012:event-bus/default"),
            ],
        ),
        (
            "sqs",
            "SendMessage",
            {"QueueUrl": "http://127.0.0.1:5055/123456789012/dlq"},
            [("sqs:SendMessage", "arn:aws:sqs:ap-south-1:123456789012:dlq")],
        ),
        (
            "sns",
            "Publish",
            {"TopicArn": "arn:aws:sns:ap-south-1:1:t"},
            [("sns:Publish", "arn:aws:sns:ap-south-1:1:t")],
        ),
        (
            "kms",
            "Sign",
            {"KeyId": "alias/signing"},
            [("kms:Sign", "arn:aws:kms:ap-south-1:123456789012:alias/signing")],
        ),
        (
            "secretsmanager",
            "GetSecretValue",
            {"SecretId": "webhook"},
            [("secretsmanager:GetSecretValue", ACCOUNT.secret_arns["webhook"])],
        ),
        (
            "ssm",
            "GetParameter",
            {"Name": "/paybridge/x"},
            [("ssm:GetParameter", "arn:aws:ssm:ap-south-1:123456789012:parameter/paybridge/x")],
        ),
        (
            "stepfunctions",
            "StartExecution",
            {"stateMachineArn": "arn:aws:states:ap-south-1:1:stateMachine:m"},
            [("states:StartExecution", "arn:aws:states:ap-south-1:1:stateMachine:m")],
        ),
        (
            "stepfunctions",
            "SendTaskSuccess",
            {"taskToken": "t"},
            [("states:SendTaskSuccess", iam.ANY_RESOURCE)],
        ),
        (
            "lambda",
            "Invoke",
            {"FunctionName": "fn"},
            [("lambda:InvokeFunction", "arn:aws:lambda:ap-south-1:123456789012:function:fn")],
        ),
        ("cloudwatch", "PutMetricData", {"Namespace": "n"}, [("cloudwatch:PutMetricData", "*")]),
    ],
)
def test_operations_map_to_the_actions_and_resources_aws_authorizes(
    service: str, operation: str, params: dict[str, Any], expected: list[tuple[str, str]]
) -> None:
    found = request_authorizations(service, operation, params, ACCOUNT)
    assert [(a.action, a.resource) for a in found] == expected


def test_a_transaction_needs_every_items_permission() -> None:
    enforcer = Enforcer(
        "arn:aws:sts::123456789012:assumed-role/r/fn", [allow("dynamodb:UpdateItem", TABLE)], ACCOUNT
    )
    update = {"Update": {"TableName": "ledger"}}
    enforcer.check("dynamodb", "TransactWriteItems", {"TransactItems": [update]})
    with pytest.raises(ClientError) as raised:
        enforcer.check(
            "dynamodb", "TransactWriteItems", {"TransactItems": [update, {"Put": {"TableName": "ledger"}}]}
        )
    error = raised.value.response["Error"]
    assert error["Code"] == "AccessDeniedException"
    assert error["Message"] == (
        "User: arn:aws:sts::123456789012:assumed-role/r/fn is not authorized to perform: dynamodb:PutItem on "
        f"resource: {TABLE} because no identity-based policy allows the dynamodb:PutItem action"
    )
    enforcer.check("sts", "GetCallerIdentity", {})  # needs no permission


def test_sam_policy_templates_expand_to_the_statements_sam_deploys() -> None:
    found = function_policies(
        {
            "Policies": [
                {"DynamoDBReadPolicy": {"TableName": {"Ref": "LedgerTable"}}},
                {"Statement": [allow("events:PutEvents", "*")]},
                "AWSXRayDaemonWriteAccess",
            ]
        }
    )
    actions = {
        a for s in found.statements for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])
    }
    assert {"dynamodb:GetItem", "dynamodb:Query", "events:PutEvents"} <= actions
    assert "dynamodb:PutItem" not in actions
    assert found.unexpanded == ["AWSXRayDaemonWriteAccess"]
