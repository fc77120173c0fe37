"""The e2e suite drives `python -m paybridge_local` as a real process, one per test module."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.e2e.support import running_local_stack


@pytest.fixture(scope="module")
def local(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """The local stack with its default settings."""
    with running_local_stack(tmp_path_factory.mktemp("local")) as stack:
        yield stack
