"""A duplicate racing an in-flight first delivery: never a 200 before the event is durable.

Drives the logic directly (moto tables from template.yaml) so the first delivery can be held mid-publish.
"""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from paybridge.auth import BasicCredential
from paybridge.bus import EventPublisher
from paybridge.dal.webhook_events import WebhookEventsRepository
from paybridge.errors import PublishError, UnpublishableEventError, WebhookInProgressError
from paybridge.logic.ingest_webhook import IngestDependencies, ingest_webhook
from paybridge_local.stack import LocalStack
from tests.helpers import basic_auth, load_sample

CREDENTIAL = BasicCredential("juspay", "secret-pass")
HEADERS = {"Authorization": basic_auth("juspay", "secret-pass")}
NOW = datetime(2026, 11, 22, tzinfo=UTC)


class HeldPublisher:
    """Publishes through the real publisher, but the first call waits until released (and may fail)."""

    def __init__(self, real: EventPublisher) -> None:
        self.real = real
        self.entered = threading.Event()
        self.release = threading.Event()
        self.fail_first = False
        self.calls = 0

    def publish_json(self, source: str, detail_type: str, detail_json: str) -> str:
        self.calls += 1
        if self.calls == 1:
            self.entered.set()
            assert self.release.wait(10)
            if self.fail_first:
                raise PublishError("bus unavailable")
        return self.real.publish_json(source, detail_type, detail_json)


@pytest.fixture
def deps(stack: LocalStack) -> IngestDependencies:
    return IngestDependencies(
        credentials=(CREDENTIAL,),
        repository=repository(stack),
        publisher=HeldPublisher(EventPublisher(stack.session.client("events"), stack.output("EventBus"))),
        clock=lambda: NOW,
        sleep=lambda _seconds: None,
        lease=timedelta(seconds=30),
    )


def repository(stack: LocalStack) -> WebhookEventsRepository:
    return WebhookEventsRepository(
        stack.session.client("dynamodb"),
        stack.output("WebhookEventsTable"),
        retention=timedelta(days=1),
        dedup=timedelta(hours=1),
    )


def _run_first(deps: IngestDependencies, body: bytes, outcome: dict[str, Any]) -> threading.Thread:
    def run() -> None:
        try:
            outcome["result"] = ingest_webhook(HEADERS, body, deps)
        except Exception as exc:
            outcome["error"] = exc

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def test_duplicate_during_flight_asks_for_resend_then_is_a_duplicate(deps: IngestDependencies) -> None:
    body = json.dumps(load_sample("webhook_order_succeeded.json")).encode()
    publisher: HeldPublisher = deps.publisher  # type: ignore[assignment]
    first: dict[str, Any] = {}
    thread = _run_first(deps, body, first)
    assert publisher.entered.wait(10)

    with pytest.raises(WebhookInProgressError) as raised:
        ingest_webhook(HEADERS, body, deps)
    assert raised.value.status_code == 409
    assert raised.value.retryable

    publisher.release.set()
    thread.join(10)
    assert first["result"].status == "published"
    assert ingest_webhook(HEADERS, body, deps).status == "duplicate"
    assert publisher.calls == 1


def test_first_delivery_failing_mid_flight_leaves_the_event_to_the_resend(deps: IngestDependencies) -> None:
    body = json.dumps(load_sample("webhook_order_succeeded.json")).encode()
    publisher: HeldPublisher = deps.publisher  # type: ignore[assignment]
    publisher.fail_first = True
    first: dict[str, Any] = {}
    thread = _run_first(deps, body, first)
    assert publisher.entered.wait(10)

    with pytest.raises(WebhookInProgressError):  # the racing duplicate is not told "done"
        ingest_webhook(HEADERS, body, deps)
    publisher.release.set()
    thread.join(10)
    assert isinstance(first["error"], PublishError)

    resent = ingest_webhook(HEADERS, body, deps)
    assert resent.status == "published"
    assert resent.bus_event_id
    assert publisher.calls == 2


def test_waiting_duplicate_returns_duplicate_when_the_first_finishes_in_time(
    deps: IngestDependencies,
) -> None:
    body = json.dumps(load_sample("webhook_order_succeeded.json")).encode()
    publisher: HeldPublisher = deps.publisher  # type: ignore[assignment]
    first: dict[str, Any] = {}
    thread = _run_first(deps, body, first)
    assert publisher.entered.wait(10)
    deps.sleep = lambda _seconds: (publisher.release.set(), thread.join(10))  # type: ignore[assignment,func-returns-value]

    assert ingest_webhook(HEADERS, body, deps).status == "duplicate"
    assert first["result"].status == "published"


class UnmarkableRepository(WebhookEventsRepository):
    """Records fine, but cannot note the publish (e.g. throttled): the event is on the bus regardless."""

    def mark_published(self, event_id: str, token: str, *, bus_event_id: str, now: datetime) -> bool:
        raise RuntimeError("throttled")


def test_failing_to_mark_published_does_not_fail_a_published_event(
    deps: IngestDependencies, stack: LocalStack
) -> None:
    repo = repository(stack)
    deps.repository = UnmarkableRepository(
        stack.session.client("dynamodb"),
        repo.table_name,
        retention=timedelta(days=1),
        dedup=timedelta(hours=1),
    )
    deps.publisher.release.set()  # type: ignore[attr-defined]
    body = json.dumps(load_sample("webhook_order_succeeded.json")).encode()

    result = ingest_webhook(HEADERS, body, deps)

    assert result.status == "published"
    [version] = repo.versions(result.event_id)
    assert version["status"] == "RECEIVED"
    assert version["deliveries"] == 1
    assert repo.get(result.event_id) == version
    assert repo.get(result.event_id, "0" * 64) is None


def test_a_delivery_that_died_mid_publish_is_taken_over_once_its_lease_has_run_out(
    deps: IngestDependencies, stack: LocalStack
) -> None:
    """No answer, no release (the process died): the resend waits for the lease, then publishes."""
    body = json.dumps(load_sample("webhook_order_succeeded.json")).encode()
    publisher: HeldPublisher = deps.publisher  # type: ignore[assignment]
    publisher.release.set()
    dead = IngestDependencies(
        credentials=deps.credentials,
        repository=deps.repository,
        publisher=DyingPublisher(),
        clock=lambda: NOW,
        sleep=lambda _seconds: None,
        lease=timedelta(seconds=30),
    )
    with pytest.raises(SystemExit):
        ingest_webhook(HEADERS, body, dead)

    with pytest.raises(WebhookInProgressError):  # within the dead delivery's lease: it might still publish
        ingest_webhook(HEADERS, body, deps)
    deps.clock = lambda: NOW + timedelta(seconds=31)
    resent = ingest_webhook(HEADERS, body, deps)
    assert resent.status == "published"
    assert publisher.calls == 1
    assert ingest_webhook(HEADERS, body, deps).status == "duplicate"
    [version] = repository(stack).versions(resent.event_id)
    assert (version["status"], version["bus_event_id"]) == ("PUBLISHED", resent.bus_event_id)
    assert "lease_until" not in version


class DyingPublisher:
    """The process ends inside PutEvents: nothing after it runs (SystemExit is not an Exception)."""

    def publish_json(self, source: str, detail_type: str, detail_json: str) -> str:
        raise SystemExit(1)


class RefusingPublisher:
    """EventBridge refuses the entry for what it is (not a passing failure)."""

    def __init__(self) -> None:
        self.calls = 0

    def publish_json(self, source: str, detail_type: str, detail_json: str) -> str:
        self.calls += 1
        raise UnpublishableEventError("the event bus refuses this event")


def test_an_entry_the_bus_refuses_is_kept_unpublishable_and_not_tried_again(
    deps: IngestDependencies, stack: LocalStack
) -> None:
    refusing = RefusingPublisher()
    deps.publisher = refusing
    body = json.dumps(load_sample("webhook_order_succeeded.json")).encode()

    assert ingest_webhook(HEADERS, body, deps).status == "unpublishable"
    assert ingest_webhook(HEADERS, body, deps).status == "unpublishable"
    assert refusing.calls == 1
    [version] = repository(stack).versions(load_sample("webhook_order_succeeded.json")["id"])
    assert version["status"] == "UNPUBLISHABLE"


def test_an_id_older_than_the_dedup_window_is_published_as_new(deps: IngestDependencies) -> None:
    publisher: HeldPublisher = deps.publisher  # type: ignore[assignment]
    publisher.release.set()
    body = json.dumps(load_sample("webhook_order_succeeded.json")).encode()
    assert ingest_webhook(HEADERS, body, deps).status == "published"
    deps.clock = lambda: NOW + timedelta(minutes=59)
    assert ingest_webhook(HEADERS, body, deps).status == "duplicate"
    deps.clock = lambda: NOW + timedelta(hours=1, seconds=1)  # the repository's dedup window is an hour

    assert ingest_webhook(HEADERS, body, deps).status == "published"
    assert publisher.calls == 2
