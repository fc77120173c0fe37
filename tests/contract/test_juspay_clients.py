"""Every function gets its Juspay client from ``paybridge.juspay.factory.juspay_client``: the one place that
reads the secret through the cache and chooses the plain or the encrypted API (``JUSPAY_API_MODE``). A
function building its own client would silently ignore the mode (the pending-order poll task once did)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.helpers import ROOT

HANDLERS = sorted((ROOT / "functions").glob("*/app.py"))


@pytest.mark.parametrize("handler", HANDLERS, ids=lambda p: p.parent.name)
def test_no_function_builds_its_own_juspay_client(handler: Path) -> None:
    text = handler.read_text(encoding="utf-8")
    assert not re.search(r"\bJuspayClient\(|\bparse_api_key_secret\(|\bparse_jwe_keys\(", text)


def test_the_functions_that_call_juspay_use_the_factory() -> None:
    users = [p.parent.name for p in HANDLERS if "juspay_client(" in p.read_text(encoding="utf-8")]
    assert "check_pending_order" in users
    assert len(users) >= 10
