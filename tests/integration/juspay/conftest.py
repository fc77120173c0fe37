"""Fixtures: a simulator per test (fresh state), its control API and a client pointed at it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from paybridge.juspay import JuspayClient
from paybridge_local.simulator import JuspaySimulator
from tests.helpers import routing_violations_message, version_violations_message
from tests.juspay_helpers import SimControl, make_client, start_simulator


@pytest.fixture
def sim() -> Iterator[JuspaySimulator]:
    simulator = start_simulator()
    try:
        yield simulator
        message = routing_violations_message(
            simulator.state.routing_violation_log()
        ) or version_violations_message(simulator.state.version_violation_log())
        if message:
            pytest.fail(message)
    finally:
        simulator.stop()


@pytest.fixture
def control(sim: JuspaySimulator) -> SimControl:
    return SimControl(sim.url)


@pytest.fixture
def client(sim: JuspaySimulator) -> JuspayClient:
    return make_client(sim.url)
