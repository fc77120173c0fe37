"""paybridge_local.moto_transactions: moto's TransactWriteItems with an item-level undo log. Every scenario
runs against moto's own method and against the replacement, and both must leave the same tables and raise
the same errors (atomicity, CancellationReasons, ALL_OLD items); the replacement never copies a table."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import boto3
import moto
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws
from moto.dynamodb.models.table import Table

from paybridge_local import moto_routing, moto_transactions

REGION = "ap-south-1"


def _tables(ddb: Any) -> None:
    ddb.create_table(
        TableName="ledger",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
            {"AttributeName": "g", "AttributeType": "S"},
        ],
        GlobalSecondaryIndexes=[
            {
                "IndexName": "byG",
                "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "KEYS_ONLY"},
            }
        ],
        BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    )
    ddb.create_table(
        TableName="orders",
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    ddb.put_item(
        TableName="ledger", Item={"pk": {"S": "w1"}, "sk": {"S": "BAL"}, "bal": {"N": "100"}, "g": {"S": "x"}}
    )
    ddb.put_item(TableName="ledger", Item={"pk": {"S": "w1"}, "sk": {"S": "E#1"}, "amt": {"N": "100"}})
    ddb.put_item(TableName="orders", Item={"id": {"S": "o1"}, "state": {"S": "RECEIVED"}})
    ddb.put_item(TableName="orders", Item={"id": {"S": "o2"}, "state": {"S": "SETTLED"}})


def _debit(amount: int, order: str, *, expect_state: str = "RECEIVED") -> list[dict[str, Any]]:
    """A wallet movement as settlement writes it: balance update, new entry, order update, a check."""
    return [
        {
            "Update": {
                "TableName": "ledger",
                "Key": {"pk": {"S": "w1"}, "sk": {"S": "BAL"}},
                "UpdateExpression": "SET bal = bal - :a, g = :g",
                "ConditionExpression": "bal >= :a",
                "ExpressionAttributeValues": {":a": {"N": str(amount)}, ":g": {"S": "y"}},
            }
        },
        {
            "Put": {
                "TableName": "ledger",
                "Item": {"pk": {"S": "w1"}, "sk": {"S": f"E#{order}"}, "g": {"S": "y"}},
                "ConditionExpression": "attribute_not_exists(pk)",
            }
        },
        {
            "Update": {
                "TableName": "orders",
                "Key": {"id": {"S": order}},
                "UpdateExpression": "SET #s = :new",
                "ConditionExpression": "#s = :old",
                "ExpressionAttributeNames": {"#s": "state"},
                "ExpressionAttributeValues": {":new": {"S": "SETTLED"}, ":old": {"S": expect_state}},
                "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
            }
        },
        {
            "ConditionCheck": {
                "TableName": "ledger",
                "Key": {"pk": {"S": "w1"}, "sk": {"S": "E#1"}},
                "ConditionExpression": "attribute_exists(pk)",
            }
        },
    ]


SCENARIOS: dict[str, list[list[dict[str, Any]]]] = {
    "applied": [_debit(30, "o1")],
    "balance too low: nothing written": [_debit(300, "o1")],
    "order already settled: ALL_OLD reason, nothing written": [_debit(30, "o2", expect_state="RECEIVED")],
    "second debit of one order cancelled after the first applied": [_debit(30, "o1"), _debit(30, "o1")],
    "delete then cancelled: the item is back": [
        [
            {"Delete": {"TableName": "ledger", "Key": {"pk": {"S": "w1"}, "sk": {"S": "E#1"}}}},
            {
                "ConditionCheck": {
                    "TableName": "orders",
                    "Key": {"id": {"S": "o1"}},
                    "ConditionExpression": "attribute_not_exists(id)",
                }
            },
        ]
    ],
    "same item twice: validation error, earlier write undone": [
        [
            {"Put": {"TableName": "orders", "Item": {"id": {"S": "o9"}}}},
            {
                "Update": {
                    "TableName": "orders",
                    "Key": {"id": {"S": "o1"}},
                    "UpdateExpression": "SET a = :a",
                    "ExpressionAttributeValues": {":a": {"S": "1"}},
                }
            },
            {"Delete": {"TableName": "orders", "Key": {"id": {"S": "o1"}}}},
        ]
    ],
    "missing table: that action's reason, nothing written": [
        [
            {"Put": {"TableName": "orders", "Item": {"id": {"S": "o7"}}}},
            {"Put": {"TableName": "nope", "Item": {"id": {"S": "o7"}}}},
        ]
    ],
    "101 actions refused": [
        [{"Put": {"TableName": "orders", "Item": {"id": {"S": f"n{i}"}}}} for i in range(101)]
    ],
}


def _outcome(ddb: Any, transactions: list[list[dict[str, Any]]]) -> dict[str, Any]:
    errors = []
    for items in transactions:
        try:
            ddb.transact_write_items(TransactItems=items)
            errors.append(None)
        except ClientError as exc:
            errors.append(
                {
                    "code": exc.response["Error"]["Code"],
                    "message": exc.response["Error"]["Message"],
                    "reasons": exc.response.get("CancellationReasons"),
                }
            )
    state = {name: sorted(map(str, ddb.scan(TableName=name)["Items"])) for name in ("ledger", "orders")}
    by_index = ddb.query(
        TableName="ledger",
        IndexName="byG",
        KeyConditionExpression="g = :g",
        ExpressionAttributeValues={":g": {"S": "y"}},
    )["Count"]
    return {"errors": errors, "state": state, "by_index": by_index}


def _run(transactions: list[list[dict[str, Any]]], patched: bool) -> dict[str, Any]:
    with mock_aws():
        ddb = boto3.client("dynamodb", region_name=REGION)
        _tables(ddb)
        if patched:
            moto_transactions.install()
        try:
            return _outcome(ddb, transactions)
        finally:
            moto_transactions.uninstall()


@pytest.mark.parametrize("name", SCENARIOS)
def test_same_tables_and_errors_as_motos_own_method(name: str) -> None:
    transactions = SCENARIOS[name]
    expected = _run(transactions, patched=False)
    assert _run(transactions, patched=True) == expected
    if name != "applied":
        assert any(expected["errors"]), "each scenario but the first is one moto cancels or refuses"


def test_cancellation_reasons_name_each_action() -> None:
    outcome = _run([_debit(30, "o2")], patched=True)
    [error] = outcome["errors"]
    assert error["code"] == "TransactionCanceledException"
    codes = [r["Code"] for r in error["reasons"]]
    assert codes == ["None", "None", "ConditionalCheckFailed", "None"]
    assert error["reasons"][2]["Item"] == {"id": {"S": "o2"}, "state": {"S": "SETTLED"}}


@pytest.fixture
def no_table_copies(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(self: Table, memo: dict[int, Any]) -> Table:
        raise AssertionError("a whole table was copied")

    monkeypatch.setattr(Table, "__deepcopy__", refuse, raising=False)


@pytest.mark.usefixtures("no_table_copies")
def test_never_copies_a_table_applied_or_cancelled() -> None:
    outcome = _run([_debit(30, "o1"), _debit(30, "o1"), _debit(300, "o1")], patched=True)
    assert outcome["errors"][0] is None
    assert [e["code"] for e in outcome["errors"][1:]] == ["TransactionCanceledException"] * 2
    with pytest.raises(AssertionError, match="copied"):
        _run([_debit(30, "o1")], patched=False)


def test_cancelled_transaction_leaves_no_stream_records() -> None:
    def records(transactions: list[list[dict[str, Any]]]) -> int:
        with mock_aws():
            ddb = boto3.client("dynamodb", region_name=REGION)
            _tables(ddb)
            moto_transactions.install()
            try:
                _outcome(ddb, transactions)
            finally:
                moto_transactions.uninstall()
            from moto.dynamodb.models import dynamodb_backends

            shard = dynamodb_backends["123456789012"][REGION].tables["ledger"].stream_shard
            return len(shard.items)

    before = records([])
    assert records([_debit(300, "o1")]) == before
    assert records([_debit(30, "o1")]) == before + 2


def test_installed_with_the_moto_routing_and_removed_with_it() -> None:
    from moto.dynamodb.models import DynamoDBBackend

    original: Callable[..., Any] = DynamoDBBackend.transact_write_items
    moto_routing.install(runtime=None)  # type: ignore[arg-type]
    try:
        wrapped = DynamoDBBackend.transact_write_items
        assert wrapped is not original
        assert wrapped.__wrapped__ is moto_transactions.transact_write_items  # type: ignore[attr-defined]
    finally:
        moto_routing.uninstall()
    assert DynamoDBBackend.transact_write_items is original


def test_refuses_another_moto_version(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(moto, "__version__", "5.2.6")
    with pytest.raises(RuntimeError, match=r"5\.2\.5"):
        moto_transactions.install()
