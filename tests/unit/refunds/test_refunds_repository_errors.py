"""The refunds repository's edge paths (paging, exhausted numbers, lost races, AWS errors) with a scripted
DynamoDB client; the happy paths run against moto in tests/integration/refunds."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from paybridge.dal.dynamo import from_item, to_item
from paybridge.dal.refund_items import record_from_item, record_to_item
from paybridge.dal.refunds import NewRefund, RefundsRepository
from paybridge.errors import ConflictError, UnprocessableError
from paybridge.models.refund import FAILED, PENDING, RefundRecord, next_transition, unique_request_id

NOW = "2024-01-01T00:01:00+00:00"


def client_error(code: str, **extra: Any) -> ClientError:
    return ClientError({"Error": {"Code": code, "Message": code}, **extra}, "Op")


class ScriptedClient:
    """Answers each method from a queue of results (a dict is returned, an exception raised)."""

    def __init__(self, **script: list[Any]) -> None:
        self.script = script
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def __getattr__(self, name: str) -> Any:
        def call(**kwargs: Any) -> Any:
            self.calls.append((name, kwargs))
            result = self.script[name].pop(0)
            if isinstance(result, Exception):
                raise result
            return result

        return call


def new_refund() -> NewRefund:
    return NewRefund(
        order_id="o1",
        request_key="api:k",
        kind="order",
        amount_minor=100,
        currency="INR",
        reason="r",
        source="api",
        max_attempts=3,
    )


def stored(seq: int, status: str = PENDING) -> dict[str, Any]:
    record = RefundRecord(
        order_id="o1",
        seq=seq,
        request_key=f"api:{seq}",
        kind="order",
        amount_minor=100,
        currency="INR",
        reason="r",
        source="api",
        status=status,
        attempt=1,
        unique_request_id=unique_request_id("o1", seq, 1),
        max_attempts=3,
        created_at="t",
        updated_at="t",
    )
    return to_item(record_to_item(record))


def test_list_for_order_follows_pages() -> None:
    page_key = {"order_id": {"S": "o1"}, "sk": {"S": "REFUND#001"}}
    client = ScriptedClient(
        query=[{"Items": [stored(1)], "LastEvaluatedKey": page_key}, {"Items": [stored(2, FAILED)]}]
    )
    records = RefundsRepository(client, "t").list_for_order("o1")  # type: ignore[arg-type]
    assert [(r.seq, r.status) for r in records] == [(1, PENDING), (2, FAILED)]
    assert client.calls[1][1]["ExclusiveStartKey"] == page_key


def test_an_order_with_99_refunds_takes_no_more() -> None:
    client = ScriptedClient(query=[{"Items": [to_item({"seq": 99})]}])
    with pytest.raises(UnprocessableError, match="99 refunds"):
        RefundsRepository(client, "t").create(new_refund(), now=NOW)  # type: ignore[arg-type]


def test_losing_every_race_for_a_number_gives_up_with_a_conflict() -> None:
    lost = client_error(
        "TransactionCanceledException",
        CancellationReasons=[{"Code": "None"}, {"Code": "ConditionalCheckFailed"}],
    )
    client = ScriptedClient(query=[{"Items": []}] * 5, transact_write_items=[lost] * 5)
    with pytest.raises(ConflictError, match="allocate"):
        RefundsRepository(client, "t").create(new_refund(), now=NOW)  # type: ignore[arg-type]
    assert len(client.calls) == 10


def test_a_race_won_by_the_same_key_answers_the_winners_refund() -> None:
    lost = client_error(
        "TransactionCanceledException",
        CancellationReasons=[{"Code": "ConditionalCheckFailed"}, {"Code": "None"}],
    )
    pointer = to_item({"order_id": "o1", "sk": "KEY#api:k", "seq": 1})
    client = ScriptedClient(
        query=[{"Items": []}],
        transact_write_items=[lost],
        get_item=[{"Item": pointer}, {"Item": stored(1)}],
    )
    record, created = RefundsRepository(client, "t").create(new_refund(), now=NOW)  # type: ignore[arg-type]
    assert (record.seq, created) == (1, False)


def test_other_aws_errors_are_raised() -> None:
    throttled = client_error("ProvisionedThroughputExceededException")
    client = ScriptedClient(query=[{"Items": []}], transact_write_items=[throttled], update_item=[throttled])
    repository = RefundsRepository(client, "t")  # type: ignore[arg-type]
    with pytest.raises(ClientError):
        repository.create(new_refund(), now=NOW)
    record = record_from_item(from_item(stored(1)))
    transition = next_transition(record, "SUCCESS")
    assert transition is not None
    with pytest.raises(ClientError):
        repository.apply(record, transition, now=NOW)


def test_schedule_writes_report_a_moved_refund_and_raise_anything_else() -> None:
    moved = client_error("ConditionalCheckFailedException")
    throttled = client_error("ProvisionedThroughputExceededException")
    client = ScriptedClient(update_item=[moved, throttled, moved, throttled])
    repository = RefundsRepository(client, "t")  # type: ignore[arg-type]
    record = record_from_item(from_item(stored(1, "REQUESTED")))

    assert repository.reschedule(record, checks=1, next_check_at=100, now=NOW) is False
    with pytest.raises(ClientError):
        repository.reschedule(record, checks=1, next_check_at=100, now=NOW)
    assert repository.mark_sent(record, now=NOW) is None
    with pytest.raises(ClientError):
        repository.mark_sent(record, now=NOW)
    condition = client.calls[0][1]["ConditionExpression"]
    assert condition == "#status = :seen_status AND unique_request_id = :seen_uid"


def test_due_for_check_pages_until_the_limit() -> None:
    def key(seq: int) -> dict[str, Any]:
        return to_item(
            {"order_id": f"o{seq}", "sk": f"REFUND#{seq:03d}", "sweep_key": "OPEN", "next_check_at": 5}
        )

    client = ScriptedClient(
        query=[
            {"Items": [key(1)], "LastEvaluatedKey": key(1)},
            {"Items": [key(2)], "LastEvaluatedKey": key(2)},
        ]
    )
    due = RefundsRepository(client, "t").due_for_check(10, limit=2)  # type: ignore[arg-type]

    assert due == [("o1", 1), ("o2", 2)]
    assert [call[1]["Limit"] for call in client.calls] == [2, 1]
    assert client.calls[0][1]["IndexName"] == "OpenByNextCheck"
