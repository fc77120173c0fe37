"""Every function gets its Juspay client from ``paybridge.juspay.factory.juspay_client``, called by the
composition root: the one place that reads the secret through the cache and chooses the plain or the
encrypted API (``JUSPAY_API_MODE``). A function building its own client would silently ignore the mode (the
pending-order poll task once did)."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest

from paybridge.composition.polling import CheckRuntime
from tests.helpers import ROOT

HANDLERS = sorted((ROOT / "functions").glob("*/app.py"))
COMPOSITION = sorted((ROOT / "layers/common/paybridge/composition").glob("*.py"))


@pytest.mark.parametrize("source", HANDLERS + COMPOSITION, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_no_function_builds_its_own_juspay_client(source: Path) -> None:
    text = source.read_text(encoding="utf-8")
    assert not re.search(r"\bJuspayClient\(|\bparse_api_key_secret\(|\bparse_jwe_keys\(", text)


def test_the_composition_root_gets_every_juspay_client_from_the_factory() -> None:
    users = sorted(p.stem for p in COMPOSITION if "juspay_client(" in p.read_text(encoding="utf-8"))
    assert users == [
        "mandate_debits",
        "mandates",
        "order_routes",
        "polling",
        "reconcile",
        "refunds",
        "sessions",
        "settlement",
    ]
    assert "juspay_client(" in inspect.getsource(CheckRuntime.dependencies)
    # Handlers only reach Juspay through their runtime: none imports the factory itself.
    assert not [p.parent.name for p in HANDLERS if "juspay.factory" in p.read_text(encoding="utf-8")]
