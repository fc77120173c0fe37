"""Demo scenarios (issue 12): signing, the Session API and mandates, as `make demo` runs them
(`demo/scenarios/api.py`)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from demo import DemoClient
from demo.scenarios import api
from tests.e2e.demo_support import demo_stack, passes

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoClient]:
    yield from demo_stack(tmp_path_factory.mktemp("demo-api"))


def test_a_signed_process_payload_verified_with_the_public_key(client: DemoClient) -> None:
    passes(api.signed_process_payload, client)


def test_the_session_api(client: DemoClient) -> None:
    passes(api.session_api, client)


def test_a_mandate_listed_paused_resumed_and_revoked(client: DemoClient) -> None:
    passes(api.mandate_life, client)
