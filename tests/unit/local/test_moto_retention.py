"""moto keeps no more than AWS would (paybridge_local/moto_retention.py): no model object lives on after
moto's state lets go of it, a capped queue keeps its newest messages, expired TTL items are deleted."""

from __future__ import annotations

import gc
import json
import threading
import time
import weakref
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from moto import mock_aws
from moto.dynamodb.models import dynamodb_backends
from moto.dynamodb.models.dynamo_type import Item

from paybridge_local import moto_retention
from paybridge_local.stack import LocalSettings

REGION = "ap-south-1"
ACCOUNT = "123456789012"


@pytest.fixture
def aws() -> Iterator[None]:
    with mock_aws():
        moto_retention.install()
        try:
            yield
        finally:
            moto_retention.uninstall()


def _table(name: str, *, range_key: bool = False, ttl: str | None = "expires_at") -> Any:
    client = boto3.client("dynamodb", region_name=REGION)
    keys = [{"AttributeName": "pk", "KeyType": "HASH"}]
    attributes = [{"AttributeName": "pk", "AttributeType": "S"}]
    if range_key:
        keys.append({"AttributeName": "sk", "KeyType": "RANGE"})
        attributes.append({"AttributeName": "sk", "AttributeType": "S"})
    client.create_table(
        TableName=name, KeySchema=keys, AttributeDefinitions=attributes, BillingMode="PAY_PER_REQUEST"
    )
    if ttl:
        spec = {"Enabled": True, "AttributeName": ttl}
        client.update_time_to_live(TableName=name, TimeToLiveSpecification=spec)
    return client


def test_a_replaced_item_is_freed_not_tracked(aws: None) -> None:
    client = _table("t")
    client.put_item(TableName="t", Item={"pk": {"S": "a"}, "v": {"N": "1"}})
    first = weakref.ref(_item("t", "a"))
    tracked = len(Item.instances_tracked)  # type: ignore[attr-defined]
    for n in range(50):
        client.put_item(TableName="t", Item={"pk": {"S": "a"}, "v": {"N": str(n)}})
    gc.collect()

    assert first() is None  # moto's own state let go of it, and so did everything else
    assert len(Item.instances_tracked) == tracked  # type: ignore[attr-defined]


def _item(table: str, key: str) -> Any:
    items = dynamodb_backends[ACCOUNT][REGION].tables[table].all_items()
    return next(i for i in items if i.hash_key.value == key)


def test_uninstall_restores_moto_tracking(aws: None) -> None:
    moto_retention.uninstall()
    client = _table("t")
    before = len(Item.instances_tracked)  # type: ignore[attr-defined]
    client.put_item(TableName="t", Item={"pk": {"S": "a"}})

    assert len(Item.instances_tracked) > before  # type: ignore[attr-defined]


def test_a_capped_queue_keeps_its_newest_messages(aws: None) -> None:
    sqs = boto3.client("sqs", region_name=REGION)
    url = sqs.create_queue(QueueName="tap")["QueueUrl"]
    other = sqs.create_queue(QueueName="other")["QueueUrl"]
    moto_retention.cap_queue("tap", 3)
    for n in range(5):
        sqs.send_message(QueueUrl=url, MessageBody=str(n))
        sqs.send_message(QueueUrl=other, MessageBody=str(n))

    def bodies(queue: str) -> list[str]:
        messages = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10)["Messages"]
        return sorted(m["Body"] for m in messages)

    assert bodies(url) == ["2", "3", "4"]
    assert bodies(other) == ["0", "1", "2", "3", "4"]
    with pytest.raises(ValueError, match="at least 1"):
        moto_retention.cap_queue("tap", 0)


def test_expired_items_are_deleted_as_dynamodb_ttl_deletes_them(aws: None) -> None:
    now = 2_000_000_000.0
    client = _table("t")
    ranged = _table("r", range_key=True)
    _table("off", ttl=None)
    items = {
        "past": {"N": str(int(now) - 1)},
        "future": {"N": str(int(now) + 60)},
        "text": {"S": "1"},  # TTL reads numbers only
        "ancient": {"N": str(int(now) - 6 * 365 * 24 * 3600)},  # DynamoDB leaves values over 5 years old
    }
    for key, value in items.items():
        client.put_item(TableName="t", Item={"pk": {"S": key}, "expires_at": value})
    client.put_item(TableName="t", Item={"pk": {"S": "none"}})
    client.put_item(TableName="off", Item={"pk": {"S": "past"}, "expires_at": items["past"]})
    ranged.put_item(TableName="r", Item={"pk": {"S": "p"}, "sk": {"S": "1"}, "expires_at": items["past"]})
    ranged.put_item(TableName="r", Item={"pk": {"S": "q"}, "sk": {"S": "1"}, "expires_at": items["past"]})
    ranged.put_item(TableName="r", Item={"pk": {"S": "q"}, "sk": {"S": "2"}, "expires_at": items["future"]})

    assert moto_retention.expire_items(threading.RLock(), now=now) == 3

    def keys(table: str) -> list[str]:
        return sorted(
            f"{i['pk']['S']}{i.get('sk', {}).get('S', '')}" for i in client.scan(TableName=table)["Items"]
        )

    assert keys("t") == ["ancient", "future", "none", "text"]
    assert keys("off") == ["past"]
    assert keys("r") == ["q2"]
    assert "p" not in dynamodb_backends[ACCOUNT][REGION].tables["r"].items  # no empty partition left behind
    assert moto_retention.expire_items(now=now) == 0


def test_the_sweeper_sweeps_every_period_until_stopped() -> None:
    swept = threading.Semaphore(0)
    sweeper = moto_retention.TtlSweeper(swept.release, 0.01).start()
    try:
        assert swept.acquire(timeout=5)
        assert swept.acquire(timeout=5)
    finally:
        sweeper.stop()
    time.sleep(0.05)
    while swept.acquire(blocking=False):
        pass
    time.sleep(0.05)
    assert not swept.acquire(blocking=False)


def test_the_local_limits_come_from_the_environment() -> None:
    defaults = LocalSettings.from_env({})
    assert (defaults.event_tap_limit, defaults.sim_log_limit) == (1000, 10_000)
    settings = LocalSettings.from_env({"LOCAL_EVENT_TAP_LIMIT": "50", "LOCAL_SIM_LOG_LIMIT": "7"})
    assert (settings.event_tap_limit, settings.sim_log_limit) == (50, 7)
    with pytest.raises(ValueError, match="LOCAL_EVENT_TAP_LIMIT"):
        LocalSettings.from_env({"LOCAL_EVENT_TAP_LIMIT": "0"})


def test_an_archive_keeps_its_events_compact_and_replays_them_as_sent(aws: None) -> None:
    from moto.events.models import events_backends

    events = boto3.client("events", region_name=REGION)
    sqs = boto3.client("sqs", region_name=REGION)
    bus_arn = events.create_event_bus(Name="bus")["EventBusArn"]
    events.create_archive(ArchiveName="all", EventSourceArn=bus_arn)
    detail = {
        "event_id": "evt_1",
        "content": {"order": {"amount": "10.25", "txn_list": [{"n": i} for i in range(50)]}},
    }
    for n in range(3):
        entry = {
            "EventBusName": "bus",
            "Source": "juspay",
            "DetailType": f"T{n}",
            "Detail": json.dumps(detail),
        }
        assert events.put_events(Entries=[entry])["FailedEntryCount"] == 0
    archive = events_backends[ACCOUNT][REGION].archives["all"]
    assert isinstance(archive.events, moto_retention.CompactEvents)
    assert events.describe_archive(ArchiveName="all")["EventCount"] == 3
    assert all(len(blob) < len(json.dumps(detail)) for blob in archive.events._blobs)

    queue = sqs.create_queue(QueueName="replayed")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    events.put_rule(Name="r", EventBusName="bus", EventPattern=json.dumps({"source": ["juspay"]}))
    events.put_targets(Rule="r", EventBusName="bus", Targets=[{"Id": "q", "Arn": queue_arn}])
    events.start_replay(
        ReplayName="again",
        EventSourceArn=archive.arn,
        EventStartTime=datetime(2000, 1, 1, tzinfo=UTC),
        EventEndTime=datetime(2100, 1, 1, tzinfo=UTC),
        Destination={"Arn": bus_arn},
    )
    messages = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10)["Messages"]
    replayed = [json.loads(m["Body"]) for m in messages]
    assert sorted(r["detail-type"] for r in replayed) == ["T0", "T1", "T2"]
    assert all(r["detail"] == detail and r["replay-name"] == "again" for r in replayed)
    assert [e["detail-type"] for e in archive.events] == ["T0", "T1", "T2"]  # a replay leaves it as it was
