"""The API's one rule per kind of field, and the one mapping of validation errors to the error envelope.

Every route declares its inputs with these types (request bodies as pydantic models with ``extra="forbid"``,
path parameters through Powertools' ``Path``), so an order id, an amount or an idempotency key is checked the
same way wherever it appears. Errors name the field and the rule and never echo the value (it may be an email
or a phone number): a body that is not JSON, a missing or unknown field, a wrong JSON type or a malformed path
parameter is a 400; a well-formed value that breaks a rule is a 422.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Annotated, Any, Final

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    WithJsonSchema,
)
from pydantic_core import PydanticCustomError

from paybridge.errors import BadRequestError, PaybridgeError, UnprocessableError
from paybridge.models.money import MAX_REQUEST_AMOUNT, AmountError, request_amount

# --- identifiers (the characters and lengths Juspay's own ids use; see its samples) ----------------------
#: Order ids: letters, digits, ``_`` and ``-`` (Juspay's samples: ``ord_123``, ``juspay-123``, uuids).
ORDER_ID_PATTERN: Final = r"^[A-Za-z0-9_-]{1,64}$"
#: Customer ids: letters, digits and ``. _ @ + -``, starting with a letter or digit (email-like ids).
CUSTOMER_ID_PATTERN: Final = r"^[A-Za-z0-9][A-Za-z0-9._@+-]{0,127}$"
#: Mandate ids: letters, digits, ``_`` and ``-`` (Juspay's are 20-odd letters and digits).
MANDATE_ID_PATTERN: Final = r"^[A-Za-z0-9_-]{1,64}$"
#: Transaction ids: ``{merchant_id}-{order_id}-{attempt}``: letters, digits, ``_``, ``-`` and ``.``.
TXN_ID_PATTERN: Final = r"^[A-Za-z0-9_.-]{1,128}$"
#: The caller's idempotency keys (wallet credits, refunds): one rule on every route.
IDEMPOTENCY_KEY_PATTERN: Final = r"^[A-Za-z0-9_.:-]{1,64}$"
CURRENCY_PATTERN: Final = r"^[A-Z]{3}$"
#: Request amounts as strings: ASCII digits, an optional fraction, nothing else (no sign, exponent, space).
AMOUNT_STRING_PATTERN: Final = r"^[0-9]+(\.[0-9]+)?$"

_PATTERNS: Final = {
    "order_id": ORDER_ID_PATTERN,
    "customer_id": CUSTOMER_ID_PATTERN,
    "mandate_id": MANDATE_ID_PATTERN,
    "txn_id": TXN_ID_PATTERN,
}


def _rule(code: str, pattern: str, message: str) -> tuple[AfterValidator, WithJsonSchema]:
    """A string rule with its own error code (``order_id_format``, ...) and its pattern in the schema."""
    compiled = re.compile(pattern)

    def check(value: str) -> str:
        if compiled.fullmatch(value) is None:
            raise PydanticCustomError(code, message)
        return value

    return AfterValidator(check), WithJsonSchema(
        {"type": "string", "pattern": pattern, "description": message}
    )


OrderId = Annotated[str, *_rule("order_id_format", ORDER_ID_PATTERN, "must be 1-64 letters, digits, _ or -")]
CustomerId = Annotated[
    str,
    *_rule(
        "customer_id_format",
        CUSTOMER_ID_PATTERN,
        "must be 1-128 letters, digits and . _ @ + -, starting with a letter or digit",
    ),
]
MandateId = Annotated[
    str, *_rule("mandate_id_format", MANDATE_ID_PATTERN, "must be 1-64 letters, digits, _ or -")
]
TxnId = Annotated[str, *_rule("txn_id_format", TXN_ID_PATTERN, "must be 1-128 letters, digits, _ . or -")]
IdempotencyKey = Annotated[
    str, *_rule("idempotency_key_format", IDEMPOTENCY_KEY_PATTERN, "must be 1-64 letters, digits or _ . : -")
]
Currency = Annotated[str, *_rule("currency_format", CURRENCY_PATTERN, "must be an ISO 4217 code such as INR")]


def require_id(field: str, value: str | None) -> str:
    """``value`` if it follows the rule of ``field`` (``order_id``, ``customer_id``, ``mandate_id``,
    ``txn_id``), else ``BadRequestError`` naming the field. The edge checks path parameters already; logic
    called from elsewhere (events, tests) gets the same rule."""
    if value is None or re.fullmatch(_PATTERNS[field], value) is None:
        raise BadRequestError(f"{field} is missing or malformed", details={"field": field})
    return value


# --- amounts -----------------------------------------------------------------------------------------------
def _amount(value: object) -> Decimal:
    try:
        return request_amount(value)
    except AmountError as exc:
        raise PydanticCustomError(exc.code, str(exc)) from None


#: A request amount in major units: the one rule (:func:`~paybridge.models.money.request_amount`). A model
#: with a currency checks the currency's precision too (:func:`check_precision`).
Amount = Annotated[
    Decimal,
    BeforeValidator(_amount),
    WithJsonSchema(
        {
            "description": "major units: a decimal string (ASCII digits, at most two decimals) or an exact "
            "JSON number without exponent; greater than 0, at most 9999999999.99",
            "anyOf": [
                {"type": "string", "pattern": AMOUNT_STRING_PATTERN},
                {"type": "number", "exclusiveMinimum": 0, "maximum": float(MAX_REQUEST_AMOUNT)},
            ],
        }
    ),
]


def check_precision(amount: Decimal, currency: str) -> Decimal:
    """``amount`` again if ``currency`` has that many decimals; else the ``amount_precision`` error."""
    try:
        return request_amount(amount, currency)
    except AmountError as exc:
        raise PydanticCustomError(exc.code, str(exc)) from None


#: Money in answers: a string with the currency's full precision (``"1500.50"``).
Money = Annotated[str, Field(pattern=r"^-?[0-9]+(\.[0-9]+)?$", examples=["1500.50"])]


class ApiRequest(BaseModel):
    """Base of every request body: unknown fields are refused (400) on every route, one policy."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    def __repr__(self) -> str:
        # Names the fields given, never their values: a body may carry customer contact data, and Powertools
        # writes the route's arguments into a debug message on every call (formatted even when not logged).
        return f"{type(self).__name__}(fields={sorted(self.model_fields_set)})"

    __str__ = __repr__


class ApiAnswer(BaseModel):
    """Base of every answer model (documented in the OpenAPI document, validated on the way out)."""

    model_config = ConfigDict(extra="forbid")


# --- errors ------------------------------------------------------------------------------------------------
#: Error types that mean the request's shape is wrong (400) rather than a value breaking a rule (422).
_SHAPE_ERROR_TYPES: Final = frozenset(
    {
        "missing",
        "extra_forbidden",
        "json_invalid",
        "json_not_finite",
        "json_exponent",
        "json_too_deep",
        "json_type",
        "model_attributes_type",
        "dict_type",
        "unsupported_content_type",
        "amount_type",
    }
)


def _field_name(loc: tuple[int | str, ...], code: str) -> str:
    if code.startswith("json_") or code == "unsupported_content_type":
        return "body"  # Powertools adds the decoder's character position; it names no field
    parts = [str(part) for part in loc]
    if parts[:1] in (["body"], ["path"], ["query"], ["header"]):
        parts = parts[1:]
    return ".".join(parts) or "body"


def errors_envelope(errors: Iterable[Mapping[str, Any]], *, json_code: str | None = None) -> PaybridgeError:
    """Maps validation errors (pydantic's or Powertools') to a 400 (shape, path) or 422 (value) error whose
    ``details`` name every field and rule. Messages are pydantic's or ours, never the input. ``json_code``
    names the JSON rule a body broke (:class:`~paybridge.jsonutil.RequestJSONError`)."""
    listed: list[dict[str, Any]] = []
    from_path = False
    for err in errors:
        loc = tuple(err.get("loc", ()))
        from_path = from_path or loc[:1] == ("path",)
        code = str(err.get("type", "invalid"))
        message = str(err.get("msg", "invalid value"))
        context = err.get("ctx") or {}
        if code == "json_invalid":
            code = json_code or code
            if isinstance(context.get("error"), str):
                message = context["error"]
        listed.append({"field": _field_name(loc, code), "code": code, "message": message})
    if not listed:
        listed.append({"field": "body", "code": "invalid", "message": "invalid request"})
    first = listed[0]
    details = {"field": first["field"], "errors": listed}
    text = f"invalid {first['field']}: {first['message']}"
    shape = any(e["code"] in _SHAPE_ERROR_TYPES or str(e["code"]).endswith("_type") for e in listed)
    if from_path or shape:
        return BadRequestError(text, details=details)
    return UnprocessableError(text, details=details)


def request_error(exc: ValidationError) -> PaybridgeError:
    """A pydantic ``ValidationError`` as the API's error (input values left out on purpose)."""
    return errors_envelope(exc.errors(include_url=False, include_input=False, include_context=False))


def parse_request[ModelT: BaseModel](model: type[ModelT], body: object) -> ModelT:
    """Validates a decoded JSON body outside the HTTP edge (events, tests); raises the 400/422 error."""
    try:
        return model.model_validate(body)
    except ValidationError as exc:
        # ``from None``: the pydantic error holds the raw input (contact data) and must not reach a traceback.
        raise request_error(exc) from None
