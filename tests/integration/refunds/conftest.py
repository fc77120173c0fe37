"""Fixtures of the refund tests: the simulator's control API and the refund logic wired to the stack."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from paybridge.bus import EventPublisher
from paybridge.logic.issue_refund import RefundDependencies
from paybridge_local.simulator import JuspaySimulator
from paybridge_local.stack import LocalSettings, LocalStack
from tests.integration.refunds.support import refunds_repository
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
