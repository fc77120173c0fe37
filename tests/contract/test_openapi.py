"""docs/openapi.json is what the code and the template say: same routes, same auth, not stale."""

from __future__ import annotations

import json
import re

from paybridge_local.openapi import OPENAPI_PATH, build_openapi, render, template_routes


def test_committed_document_is_current() -> None:
    assert OPENAPI_PATH.read_text(encoding="utf-8") == render(), "run `make openapi`"


def test_every_template_route_is_documented_with_its_auth_and_nothing_else() -> None:
    document = build_openapi()
    documented = {
        (method.upper(), path): operation.get("security")
        for path, operations in document["paths"].items()
        for method, operation in operations.items()
    }
    expected = {
        (r.method, r.path): [{"sigv4": []}] if r.iam_auth else [{"juspayBasic": []}]
        for r in template_routes()
    }
    assert documented == expected
    assert ("POST", "/webhooks/juspay") in expected


def test_path_parameters_are_declared() -> None:
    document = json.loads(render())
    for path, operations in document["paths"].items():
        names = {part[1:-1] for part in path.split("/") if part.startswith("{")}
        for operation in operations.values():
            declared = {p["name"] for p in operation.get("parameters", []) if p["in"] == "path"}
            assert declared == names, path


def _readme_section(title: str) -> str:
    text = (OPENAPI_PATH.parent.parent / "README.md").read_text(encoding="utf-8")
    start = text.index(f"\n## {title}")
    end = text.find("\n## ", start + 1)
    return text[start : end if end != -1 else len(text)]


def test_the_readme_route_table_is_the_document() -> None:
    """README "Merchant API": every route row's method, path and Answers are the document's, and the
    document has no SigV4 route the README leaves out."""
    document = json.loads(render())
    rows = re.findall(
        r"^\| `(GET|POST) (/[^`]*)` \|.*\| ([0-9, ]+) \|$", _readme_section("Merchant API"), re.M
    )
    readme = {(method, path): sorted(answers.replace(" ", "").split(",")) for method, path, answers in rows}
    documented = {
        (method.upper(), path): sorted(operation["responses"])
        for path, operations in document["paths"].items()
        for method, operation in operations.items()
        if operation["security"] == [{"sigv4": []}]
    }
    assert readme == documented


def test_the_readme_webhook_answers_are_the_document() -> None:
    section = _readme_section("Webhook ingestion")
    statuses = set(re.findall(r"^\| `(\d{3})", section, re.M))
    document = json.loads(render())
    assert statuses == set(document["paths"]["/webhooks/juspay"]["post"]["responses"])
