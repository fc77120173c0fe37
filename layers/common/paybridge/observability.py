"""Logger, Tracer and Metrics shared by every function, plus redaction for anything that might be logged.

Powertools objects are cheap to create and hold no AWS clients, so they live at module level; handlers
decorate themselves with them. Nothing here logs a request body: callers log identifiers only, and
``redact`` is the one place that strips secrets and customer data from a structure that must be logged.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit

logger = Logger(service="paybridge")
# Only botocore is patched at import: patching all that X-Ray supports imports requests, sqlite3, http.client
# and more into every function (a large share of a cold start). The Juspay client patches requests when it
# builds its session (paybridge.juspay.transport), so only functions that call Juspay pay for it.
tracer = Tracer(service="paybridge", patch_modules=("botocore",))
metrics = Metrics(namespace="Paybridge", service="paybridge")

__all__ = ["MetricUnit", "logger", "metrics", "redact", "tracer"]

REDACTED = "***"

# Key names (normalised: lower case, no separators) whose values are secrets, card data or customer contact
# data. Matching is on the normalised name so "customerEmail", "customer_email" and "Customer-Email" all hit.
_SENSITIVE_KEYS = frozenset(
    {
        "authorization",
        "password",
        "apikey",
        "secret",
        "token",
        "tasktoken",
        "signature",
        "privatekey",
        "cardnumber",
        "cardisin",
        "cardfingerprint",
        "cvv",
        "cardsecuritycode",
        "nameoncard",
        "cardexpyear",
        "cardexpmonth",
        "expiry",
        "email",
        "emailaddress",
        "customeremail",
        "phone",
        "mobile",
        "mobilenumber",
        "customerphone",
        "customermobile",
        "billingaddress",
        "shippingaddress",
        "vpa",
        "payervpa",
        "upiid",
    }
)
_NORMALISE = re.compile(r"[^a-z0-9]")


def _is_sensitive(key: str) -> bool:
    name = _NORMALISE.sub("", key.lower())
    return name in _SENSITIVE_KEYS or name.endswith(("email", "phone", "mobile", "password", "secret"))


def redact(value: Any) -> Any:
    """Returns a copy of ``value`` with sensitive keys' values replaced by ``***`` (recursively)."""
    if isinstance(value, Mapping):
        return {k: (REDACTED if _is_sensitive(str(k)) else redact(v)) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [redact(v) for v in value]
    return value
