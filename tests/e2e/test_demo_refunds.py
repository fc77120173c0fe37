"""Demo scenarios (issue 12): refunds and reconciliation, as `make demo` runs them
(`demo/scenarios/refunds.py`)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from demo import DemoClient
from demo.scenarios import refunds
from tests.e2e.demo_support import demo_stack, passes

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoClient]:
    yield from demo_stack(tmp_path_factory.mktemp("demo-refunds"))


def test_a_refund_that_reaches_manual_review(client: DemoClient) -> None:
    passes(refunds.refund_manual_review, client)


def test_a_dashboard_refund_that_races_settlement(client: DemoClient) -> None:
    passes(refunds.dashboard_refund_races_settlement, client)


def test_a_reconciliation_run(client: DemoClient) -> None:
    passes(refunds.reconciliation_run, client)
