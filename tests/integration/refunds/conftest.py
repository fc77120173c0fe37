"""Fixtures of the refund tests: the simulator's control API and the refund logic wired to the stack."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from paybridge.bus import EventPublisher
from paybridge.dal.orders import OrdersRepository
from paybridge.dal.wallets import WalletRepository
from paybridge.logic.issue_refund import RefundDependencies
from paybridge.logic.sweep_refunds import SweepDependencies
from paybridge.logic.track_refund import TrackDependencies
from paybridge_local.simulator import JuspaySimulator
from paybridge_local.stack import LocalSettings, LocalStack
from tests.integration.refunds.support import refunds_repository
from tests.integration.refunds.sweep_support import Clock
from tests.juspay_helpers import SimControl, make_client


@pytest.fixture
def control(simulator: JuspaySimulator) -> SimControl:
    """The simulator's control API."""
    return SimControl(simulator.url)


@pytest.fixture
def fast_juspay(monkeypatch: pytest.MonkeyPatch, stack: LocalStack) -> None:
    """The functions' Juspay client makes no retries of its own: Lambda's async retries do the retrying."""
    monkeypatch.setenv("JUSPAY_MAX_RETRIES", "0")
    monkeypatch.setenv("JUSPAY_READ_TIMEOUT_SECONDS", "0.5")


@pytest.fixture
def refund_deps(
    stack: LocalStack, simulator: JuspaySimulator, local_settings: LocalSettings
) -> RefundDependencies:
    """The refund logic against the stack's table and bus and the simulator (short timeouts, no retries)."""
    client = make_client(
        simulator.url,
        api_key=local_settings.juspay_api_key,
        merchant_id=local_settings.juspay_merchant_id,
        max_retries=0,
    )
    return RefundDependencies(
        repository=refunds_repository(stack),
        juspay=client,
        publisher=EventPublisher(stack.session.client("events"), stack.output("EventBus")),
        clock=lambda: datetime.now(UTC),
    )


@pytest.fixture
def clock() -> Clock:
    """A clock the test moves by hand."""
    return Clock()


@pytest.fixture
def sweeper(refund_deps: RefundDependencies, stack: LocalStack, clock: Clock) -> SweepDependencies:
    """The refund sweep against the stack and the simulator, on the hand-moved clock."""
    refund_deps.clock = clock
    dynamodb = stack.session.client("dynamodb")
    track = TrackDependencies(
        refunds=refund_deps,
        orders=OrdersRepository(dynamodb, stack.output("OrdersTable")),
        wallets=WalletRepository(dynamodb, stack.output("LedgerTable")),
    )
    return SweepDependencies(track=track)
