"""The e2e suite drives `python -m paybridge_local` as a real process, one per test module."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.e2e.support import (
    clear_routing_violations,
    clear_version_violations,
    routing_violations,
    running_local_stack,
    version_violations,
)
from tests.helpers import routing_violations_message, version_violations_message


@pytest.fixture(scope="module")
def local(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """The local stack with its default settings."""
    with running_local_stack(tmp_path_factory.mktemp("local")) as stack:
        yield stack


@pytest.fixture(autouse=True)
def _juspay_calls_routed_by_customer(request: pytest.FixtureRequest) -> Iterator[None]:
    """Fails a test whose Juspay calls carried an x-routing-id other than their customer's, or no version
    header (the simulator judges each call it records)."""
    if "local" not in request.fixturenames:
        yield
        return
    stack = request.getfixturevalue("local")
    clear_routing_violations(stack)
    clear_version_violations(stack)
    yield
    if stack["process"].poll() is not None:
        return  # the test stopped the stack itself (Ctrl-C test): nothing left to ask
    message = routing_violations_message(routing_violations(stack)) or version_violations_message(
        version_violations(stack)
    )
    clear_routing_violations(stack)  # reported here, not again when the stack stops
    clear_version_violations(stack)
    if message:
        pytest.fail(message)
