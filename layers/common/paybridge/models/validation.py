"""Validation shared by the merchant API: identifiers in paths, and request bodies against pydantic models.

Errors name the field and never echo the value (it may be an email or a phone number): a missing field, an
unknown field or a wrong JSON type is a 400; a well-formed value that breaks a rule is a 422.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any, Final

from pydantic import BaseModel, ValidationError
from pydantic_core import PydanticCustomError

from paybridge.errors import BadRequestError, PaybridgeError, UnprocessableError
from paybridge.models.money import AmountError, request_amount

#: Juspay's ids (orders, customers, mandates, transactions) are short and made of these characters.
_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@+:-]{0,127}")
_SHAPE_ERROR_TYPES: Final = frozenset({"missing", "extra_forbidden"})


def require_id(field: str, value: str | None) -> str:
    """``value`` if it is a plausible identifier, else ``BadRequestError`` naming ``field``."""
    if value is None or not _ID.fullmatch(value):
        raise BadRequestError(f"{field} is missing or malformed", details={"field": field})
    return value


def amount_field(value: object, currency: str | None = None) -> Decimal:
    """:func:`~paybridge.models.money.request_amount` inside a pydantic validator: the rule's code becomes
    the error's type (``amount_type`` is a 400, the others 422)."""
    try:
        return request_amount(value, currency)
    except AmountError as exc:
        raise PydanticCustomError(exc.code, str(exc)) from None


def _field_name(loc: tuple[int | str, ...]) -> str:
    return ".".join(str(part) for part in loc) or "body"


def request_error(exc: ValidationError) -> PaybridgeError:
    """Maps a pydantic ``ValidationError`` to a 400 (shape) or 422 (value) error naming the fields.

    Input values are left out on purpose (``include_input=False``): they may be emails or phone numbers.
    """
    errors: list[dict[str, Any]] = [
        {"field": _field_name(err["loc"]), "code": err["type"], "message": err["msg"]}
        for err in exc.errors(include_url=False, include_input=False, include_context=False)
    ]
    first = errors[0]
    details = {"field": first["field"], "errors": errors}
    message = f"invalid {first['field']}: {first['message']}"
    if any(e["code"] in _SHAPE_ERROR_TYPES or str(e["code"]).endswith("_type") for e in errors):
        return BadRequestError(message, details=details)
    return UnprocessableError(message, details=details)


def parse_request[ModelT: BaseModel](model: type[ModelT], body: object) -> ModelT:
    """Validates a decoded JSON body; raises the 400/422 ``PaybridgeError`` that names the field."""
    try:
        return model.model_validate(body)
    except ValidationError as exc:
        # ``from None``: the pydantic error holds the raw input (contact data) and must not reach a traceback.
        raise request_error(exc) from None
