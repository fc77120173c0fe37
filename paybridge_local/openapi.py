"""The OpenAPI document of the merchant API and the webhook route, generated from the code.

Operations (paths, methods, path parameters, summaries) come from each function's Powertools resolver,
merged with Powertools' own ``OpenAPIMerge``; authentication comes from ``template.yaml`` (the one place that
decides it): the webhook route takes HTTP Basic, IAM-protected routes take SigV4. ``make openapi`` writes
``docs/openapi.json``; a contract test keeps the file, the code and the template in step.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from aws_lambda_powertools.event_handler.openapi.merge import OpenAPIMerge

from paybridge.api import ERROR_DESCRIPTIONS
from paybridge.models.webhook import WebhookDelivery
from paybridge_local.provision import ApiRoute
from paybridge_local.template import ROOT, load_template

OPENAPI_PATH = ROOT / "docs" / "openapi.json"
TITLE = "paybridge merchant API and Juspay webhook"
VERSION = "1.0.0"

SECURITY_SCHEMES: dict[str, Any] = {
    "juspayBasic": {"type": "http", "scheme": "basic", "description": "Juspay's webhook credentials"},
    "sigv4": {
        "type": "apiKey",
        "name": "Authorization",
        "in": "header",
        "description": "AWS Signature Version 4 (service execute-api): API Gateway's AWS_IAM auth",
        "x-amazon-apigateway-authtype": "awsSigv4",
    },
}


WEBHOOK_PATH = "/webhooks/juspay"
#: What API Gateway itself answers to a request it refuses (bad or missing SigV4 signature).
GATEWAY_ERROR: dict[str, Any] = {
    "title": "GatewayError",
    "type": "object",
    "properties": {"message": {"type": "string"}},
    "required": ["message"],
}
GATEWAY_403: dict[str, Any] = {
    "description": "API Gateway: missing or wrong SigV4 signature (or no execute-api:Invoke permission)",
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/GatewayError"}}},
}


def template_routes() -> list[ApiRoute]:
    """Every API route of the template with its auth, without creating anything."""
    document = load_template()
    resources = document["Resources"]
    routes: list[ApiRoute] = []
    for logical_id, body in resources.items():
        if body["Type"] != "AWS::Serverless::Function":
            continue
        for event in body["Properties"].get("Events", {}).values():
            if event["Type"] != "Api":
                continue
            props = event["Properties"]
            api_id = props.get("RestApiId", {}).get("Ref", "")
            default = resources.get(api_id, {}).get("Properties", {}).get("Auth", {}).get("DefaultAuthorizer")
            authorizer = props.get("Auth", {}).get("Authorizer", default)
            routes.append(
                ApiRoute(props["Method"].upper(), props["Path"], logical_id, authorizer == "AWS_IAM", api_id)
            )
    return routes


def build_openapi() -> dict[str, Any]:
    """The merged document, with each operation's security taken from the template."""
    merge = OpenAPIMerge(title=TITLE, version=VERSION, on_conflict="error")
    for handler in sorted((ROOT / "functions").glob("*/app.py")):
        # Every API function builds its resolver with paybridge.api.new_resolver (validation on).
        if "app = new_resolver()" in handler.read_text(encoding="utf-8"):
            merge.add_file(handler, resolver_name="app")
    document: dict[str, Any] = json.loads(merge.get_openapi_json_schema())
    components = document.setdefault("components", {})
    components["securitySchemes"] = SECURITY_SCHEMES
    components["schemas"]["GatewayError"] = GATEWAY_ERROR
    components["schemas"]["WebhookDelivery"] = WebhookDelivery.model_json_schema(
        ref_template="#/components/schemas/{model}"
    )
    for route in template_routes():
        operation = document.get("paths", {}).get(route.path, {}).get(route.method.lower())
        if operation is None:
            continue
        operation["security"] = [{"sigv4": []}] if route.iam_auth else [{"juspayBasic": []}]
        if route.iam_auth:
            operation["responses"]["403"] = GATEWAY_403
            if "requestBody" in operation:
                operation["responses"]["415"] = _error_answer(415)
        elif route.path == WEBHOOK_PATH:
            # The route reads the raw body itself (it authenticates before it parses): documented here.
            operation["requestBody"] = {
                "required": True,
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/WebhookDelivery"}}},
            }
    _drop_default_validation_answers(document)
    return document


def _error_answer(status: int) -> dict[str, Any]:
    return {
        "description": ERROR_DESCRIPTIONS[status],
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}},
    }


def _drop_default_validation_answers(document: dict[str, Any]) -> None:
    # Powertools documents a 422 with its own error shape on every validated route; this API answers
    # validation errors with the error envelope (400 or 422, listed per route), so its default goes.
    for operations in document.get("paths", {}).values():
        for operation in operations.values():
            answer = operation.get("responses", {}).get("422", {})
            if "HTTPValidationError" in json.dumps(answer):
                del operation["responses"]["422"]
    text = json.dumps(document["paths"])
    schemas = document["components"]["schemas"]
    for name in ("HTTPValidationError", "ValidationError", "ResponseValidationError"):
        if f"/{name}" not in text:
            schemas.pop(name, None)


def render() -> str:
    """The document as written to ``docs/openapi.json`` (stable key order, trailing newline)."""
    return json.dumps(build_openapi(), indent=2, sort_keys=True) + "\n"


def main() -> int:
    """``python -m paybridge_local.openapi [--check]``: write the document, or fail if it is stale."""
    text = render()
    if "--check" in sys.argv[1:]:
        current = OPENAPI_PATH.read_text(encoding="utf-8") if OPENAPI_PATH.exists() else ""
        if current != text:
            print(f"{OPENAPI_PATH} is stale: run `make openapi`", file=sys.stderr)
            return 1
        return 0
    OPENAPI_PATH.write_text(text, encoding="utf-8")
    print(f"wrote {OPENAPI_PATH}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
