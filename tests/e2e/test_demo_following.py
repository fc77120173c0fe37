"""Demo scenarios (issue 12): pending orders and their follower, as `make demo` runs them
(`demo/scenarios/following.py`)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from demo import DemoClient
from demo.scenarios import following
from tests.e2e.demo_support import demo_stack, passes

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoClient]:
    yield from demo_stack(tmp_path_factory.mktemp("demo-following"))


def test_a_pending_order_resolved_by_a_late_webhook(client: DemoClient) -> None:
    passes(following.resolved_by_late_webhook, client)


def test_a_pending_order_resolved_by_polling_only(client: DemoClient) -> None:
    passes(following.resolved_by_polling, client)


def test_a_second_attempt_after_a_failed_one(client: DemoClient) -> None:
    passes(following.second_attempt, client)
