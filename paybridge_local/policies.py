"""A function's IAM statements from the template, as the deployed role would hold them.

SAM policy templates (``DynamoDBCrudPolicy: {TableName: ...}``) are expanded by aws-sam-translator (the
code SAM itself deploys with), inline ``Statement`` lists are taken as they are; the caller resolves the
intrinsics in the result to the local stack's ARNs. A managed policy (a name or ARN string) cannot be
read locally: it is recorded in ``unexpanded`` and grants nothing here, so a call that needs it is refused
locally and the template should say what it needs inline.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any

from paybridge_local.template import TemplateError


@dataclass
class FunctionPolicies:
    """The statements of one function's policies (unresolved) and the policies that could not be read."""

    statements: list[dict[str, Any]] = field(default_factory=list)
    unexpanded: list[str] = field(default_factory=list)


@functools.cache
def _processor() -> Any:
    # Imported on first use: the translator's template data takes a moment to load.
    from samtranslator.policy_template_processor.processor import (  # type: ignore[import-untyped]
        PolicyTemplatesProcessor,
    )

    return PolicyTemplatesProcessor(PolicyTemplatesProcessor.get_default_policy_templates_json())


def function_policies(properties: dict[str, Any]) -> FunctionPolicies:
    """Expands a function's ``Policies`` property (one policy, or a list) into statements."""
    raw = properties.get("Policies", [])
    policies = raw if isinstance(raw, list) else [raw]
    found = FunctionPolicies()
    for policy in policies:
        if isinstance(policy, str):
            found.unexpanded.append(policy)
        elif isinstance(policy, dict) and "Statement" in policy:
            statements = policy["Statement"]
            found.statements.extend(statements if isinstance(statements, list) else [statements])
        elif isinstance(policy, dict) and len(policy) == 1:
            ((name, parameters),) = policy.items()
            if not _processor().has(name):
                raise TemplateError(f"unknown SAM policy template {name!r}")
            document = _processor().convert(name, parameters or {})
            found.statements.extend(document["Statement"])
        else:
            raise TemplateError(f"policy {policy!r} is neither a statement list nor a SAM policy template")
    return found
