"""Demo scenarios (issue 12): paying an order, as `make demo` runs them (`demo/scenarios/payments.py`)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from demo import DemoClient
from demo.scenarios import payments
from tests.e2e.demo_support import demo_stack, passes

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoClient]:
    yield from demo_stack(tmp_path_factory.mktemp("demo-payments"))


def test_split_payment_upi_and_wallet(client: DemoClient) -> None:
    passes(payments.split_payment, client)


def test_wallet_only(client: DemoClient) -> None:
    passes(payments.wallet_pays_all, client)


def test_cash_on_delivery_and_wallet(client: DemoClient) -> None:
    passes(payments.cod_and_wallet, client)


def test_online_part_failed(client: DemoClient) -> None:
    passes(payments.online_part_failed, client)


def test_wallet_too_low_cancels_and_refunds_the_online_part(client: DemoClient) -> None:
    passes(payments.wallet_too_low, client)


def test_a_duplicate_storm_on_one_order(client: DemoClient) -> None:
    passes(payments.duplicate_storm, client)
