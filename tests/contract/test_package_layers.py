"""The domain package's layering: models import no other layer, dal imports models (never logic), and no
layer below logic reaches up into it. A violation here is how a data-access change starts depending on a use
case."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "layers" / "common" / "paybridge"

#: What each layer may not import (its own modules and the rest of the package are fine).
FORBIDDEN = {
    "models": ("paybridge.logic", "paybridge.dal", "paybridge.juspay"),
    "dal": ("paybridge.logic",),
    "juspay": ("paybridge.logic", "paybridge.dal"),
}


def _imports(path: Path) -> set[str]:
    """Every module a file imports, type-checking-only imports included."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_a_lower_layer_never_imports_a_higher_one(layer: str) -> None:
    files = sorted((PACKAGE / layer).glob("*.py"))
    assert files, f"no modules under {layer}/"
    wrong = {
        f"{layer}/{path.name}": sorted(m for m in _imports(path) if m.startswith(FORBIDDEN[layer]))
        for path in files
    }
    assert {name: modules for name, modules in wrong.items() if modules} == {}


def test_the_check_sees_an_import_under_type_checking(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from paybridge.logic.x import Y\n"
    )
    assert "paybridge.logic.x" in _imports(module)
