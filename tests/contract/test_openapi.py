"""docs/openapi.json is what the code and the template say: same routes, same auth, not stale."""

from __future__ import annotations

import json

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
