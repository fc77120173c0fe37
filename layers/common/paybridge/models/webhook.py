"""Juspay's webhook envelope: ``{id, event_name, date_created, content: {order|txn|mandate|...}}``.

Tolerant by design: unknown fields are kept, ids sent as numbers are accepted, unknown event names pass
through. Only what ingestion cannot work without (``id``, ``event_name``, an object body) is required.
"""

from __future__ import annotations

import hashlib
import json
import re
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from paybridge import jsonutil
from paybridge.errors import BadRequestError

#: Event names put on the bus as a detail-type: what Juspay's names are made of (``ORDER_PARTIAL_CHARGED``),
#: up to 128 characters. EventBridge refuses control characters, and rule targets that template the
#: detail-type into JSON (input transformers) break on quotes and backslashes, so nothing else is published.
_PUBLISHABLE_EVENT_NAME = re.compile(r"[A-Za-z0-9_.:-]{1,128}")


def publishable_event_name(name: str) -> bool:
    """True when ``name`` can be put on the bus as a detail-type. Unknown names that follow the rule pass
    through; the others are recorded as unpublishable (never resent for ever)."""
    return _PUBLISHABLE_EVENT_NAME.fullmatch(name) is not None


def _as_text(value: Any) -> str | None:
    if value is None or isinstance(value, dict | list | bool):
        return None
    text = str(value).strip()
    return text or None


class WebhookEnvelope(BaseModel):
    """The envelope of one webhook delivery."""

    model_config = ConfigDict(extra="allow")

    id: str = Field(min_length=1, max_length=256)
    event_name: str = Field(min_length=1, max_length=256)
    date_created: str | None = None
    content: dict[str, Any] = Field(default_factory=dict)

    @field_validator("id", "event_name", mode="before")
    @classmethod
    def _numbers_as_text(cls, value: Any) -> Any:
        # Juspay's older payloads send some ids as numbers; keep them as their exact text.
        if isinstance(value, int | Decimal) and not isinstance(value, bool):
            return str(value)
        return value

    @field_validator("date_created", mode="before")
    @classmethod
    def _date_as_text(cls, value: Any) -> Any:
        return _as_text(value)

    @field_validator("content", mode="before")
    @classmethod
    def _content_object(cls, value: Any) -> Any:
        # A missing or null content is tolerated (nothing to extract); a scalar is not an object.
        return {} if value is None else value

    # ---- what the bus needs to route on, from whichever block the event carries -------------------------
    def _block(self, name: str) -> dict[str, Any]:
        block = self.content.get(name)
        return block if isinstance(block, dict) else {}

    @property
    def order(self) -> dict[str, Any]:
        """``content.order`` (order events), or ``{}``."""
        return self._block("order")

    @property
    def order_id(self) -> str | None:
        """The merchant's order id, from the order, txn or mandate block."""
        for name in ("order", "txn", "mandate", "notification"):
            found = _as_text(self._block(name).get("order_id"))
            if found:
                return found
        return None

    @property
    def customer_id(self) -> str | None:
        """The merchant's customer id, where the event names one."""
        for name in ("order", "mandate", "txn"):
            found = _as_text(self._block(name).get("customer_id"))
            if found:
                return found
        return None

    @property
    def status(self) -> str | None:
        """The status the event reports (order status, txn status, mandate status, ...)."""
        candidates = (
            self.order.get("status"),
            self._block("txn").get("status"),
            self._block("mandate").get("mandate_status"),
            self._block("mandate").get("status"),
            self._block("notification").get("status"),
        )
        return next((text for text in map(_as_text, candidates) if text), None)

    @property
    def transaction_count(self) -> int:
        """Transactions in the order: ``len(txn_list)`` for split payments, 1 for ``txn_detail``, else 0."""
        txn_list = self.order.get("txn_list")
        if isinstance(txn_list, list):
            return len(txn_list)
        return 1 if isinstance(self.order.get("txn_detail"), dict) else 0


def parse_webhook_body(raw: bytes) -> tuple[WebhookEnvelope, dict[str, Any]]:
    """Parses a delivery body. Returns the envelope and the exact JSON object received.

    Raises ``BadRequestError`` naming what is wrong: not UTF-8 JSON, not an object, a required field missing.
    Numbers are parsed as ``Decimal`` so no amount ever passes through a float.
    """
    try:
        document = jsonutil.loads_request(raw.decode("utf-8"))
    except jsonutil.RequestJSONError as exc:
        raise BadRequestError(exc.msg, details={"field": "body", "code": exc.code}) from None
    except UnicodeDecodeError:
        raise BadRequestError("body is not UTF-8 JSON", details={"field": "body"}) from None
    if not isinstance(document, dict):
        raise BadRequestError(f"body must be a JSON object, got {type(document).__name__}")
    missing = [name for name in ("id", "event_name") if _as_text(document.get(name)) is None]
    if missing:
        raise BadRequestError(
            f"missing required field(s): {', '.join(missing)}", details={"missing": missing}
        )
    if not isinstance(document.get("content", {}) or {}, dict):
        raise BadRequestError("field 'content' must be a JSON object", details={"field": "content"})
    try:
        envelope = WebhookEnvelope.model_validate(document)
    except ValidationError as exc:
        errors = [".".join(str(p) for p in e["loc"]) + ": " + e["msg"] for e in exc.errors()]
        raise BadRequestError("webhook envelope is invalid", details={"errors": errors}) from None
    return envelope, document


def canonical_sha256(document: Any) -> str:
    """A hash of the JSON document independent of key order and whitespace (so re-serialised duplicates
    of one event are recognised as the same body)."""
    canonical = jsonutil.dumps(document, sort_keys=True)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def canonical_body(document: dict[str, Any]) -> tuple[str, str]:
    """``(canonical_sha256(document), the canonical JSON of its content)`` for a document parsed by
    ``parse_webhook_body``, from one serialisation: the content's text is the part of the canonical document
    the bus event carries (``{}`` when absent)."""
    parts = {key: exact_json(value, sort_keys=True) for key, value in document.items()}
    canonical = "{" + ",".join(f"{_encode_key(key)}:{parts[key]}" for key in sorted(parts)) + "}"
    content = parts.get("content", "{}") if document.get("content") else "{}"
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest(), content


def exact_json(value: Any, *, sort_keys: bool = False) -> str:
    """``jsonutil.dumps(value)``, byte for byte, written by the standard library's C encoder: each ``Decimal``
    goes through it as a marked string (NUL, then its digits) that is then unquoted. Only for values parsed
    from JSON with ``Decimal`` numbers (no floats, no non-finite numbers).

    A string of the value's own could look like a marker only if it began with NUL: then the count of marks
    differs from the count of numbers, and the exact writer is used instead."""
    numbers = 0

    def mark(number: Any) -> str:
        nonlocal numbers
        if not isinstance(number, Decimal):
            raise TypeError(f"{type(number).__name__} is not JSON serialisable here")
        numbers += 1
        return "\0" + str(number)

    text = json.dumps(value, sort_keys=sort_keys, separators=(",", ":"), default=mark, allow_nan=False)
    if not numbers:
        return text
    if text.count(_MARK) != numbers:
        return jsonutil.dumps(value, sort_keys=sort_keys)
    return _MARKED_NUMBER.sub(r"\1", text)


#: How the C encoder writes a marked number's opening: a quote, then NUL escaped.
_MARK = '"\\u0000'
_MARKED_NUMBER = re.compile(r'"\\u0000([^"\\]*)"')
_encode_key = json.encoder.encode_basestring_ascii


class WebhookAnswer(BaseModel):
    """The 200 answer of ``POST /webhooks/juspay`` (every status means Juspay need not resend)."""

    model_config = ConfigDict(extra="forbid")

    status: Literal["published", "duplicate", "conflict_recorded", "unpublishable"]
    id: str


class WebhookDelivery(BaseModel):
    """What Juspay posts (documentation of the request body: the route reads the raw bytes itself, since it
    authenticates before it parses and hashes the exact body)."""

    model_config = ConfigDict(extra="allow")

    id: str = Field(min_length=1, max_length=256, description="Juspay's event id (evt_V2_...)")
    event_name: str = Field(
        min_length=1, max_length=256, description="ORDER_SUCCEEDED, MANDATE_ACTIVATED, ..."
    )
    date_created: str | None = None
    content: dict[str, Any] | None = Field(
        default=None, description="order, txn, mandate or notification block, as Juspay sends it"
    )
