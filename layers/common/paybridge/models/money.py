"""Money: ``Decimal`` at the edges (Juspay sends major units), integer minor units everywhere inside."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Final

#: ISO 4217 minor-unit exponents for the currencies Juspay settles; anything else defaults to 2.
_EXPONENTS: dict[str, int] = {"JPY": 0, "KRW": 0, "BHD": 3, "KWD": 3, "OMR": 3}


def exponent(currency: str) -> int:
    """Number of decimal places of ``currency``'s minor unit (INR: 2)."""
    return _EXPONENTS.get(currency.upper(), 2)


def parse_amount(value: object) -> Decimal:
    """Parses an amount as Juspay or a client sends it (``"100.5"``, ``100``, ``Decimal``), never via float.

    Raises ``ValueError`` for anything that is not a finite decimal number (floats included: a float has
    already lost the exact value).
    """
    if isinstance(value, bool | float):
        raise ValueError("amount must be a decimal string or an integer, not a float")
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int | str):
        try:
            result = Decimal(str(value).strip())
        except InvalidOperation as exc:
            raise ValueError(f"not a decimal amount: {str(value)[:32]!r}") from exc
    else:
        raise ValueError(f"unsupported amount type {type(value).__name__}")
    if not result.is_finite():
        raise ValueError("amount must be finite")
    return result


#: Largest amount any request may carry (major units): a guard against absurd values, far above real orders.
MAX_REQUEST_AMOUNT: Final = Decimal("9999999999.99")
#: Juspay allows at most two decimals in an amount, whatever the currency's minor unit.
MAX_REQUEST_DECIMALS: Final = 2


_AMOUNT_TEXT: Final = re.compile(r"[0-9]+(\.[0-9]+)?")


class AmountError(ValueError):
    """A request amount broke a rule; ``code`` names it (``amount_type``, ``amount_format``,
    ``amount_positive``, ``amount_too_large``, ``amount_precision``). The message never quotes the value."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def request_amount(value: object, currency: str | None = None) -> Decimal:
    """An amount from an API request, in major units: the one rule every route applies.

    A decimal string of ASCII digits (``"100.50"``: no sign, exponent or surrounding space), an integer or an
    exact JSON number (parsed as ``Decimal``); floats and booleans are refused. Positive, at most
    :data:`MAX_REQUEST_AMOUNT`, and with at most two decimals and no more than ``currency`` has. The check
    is on the value: ``"1.500"`` is 1.50, ``"1.005"`` is refused.
    """
    if isinstance(value, bool) or not isinstance(value, str | int | Decimal):
        raise AmountError("amount_type", 'must be a decimal string such as "100.50"')
    if isinstance(value, str) and _AMOUNT_TEXT.fullmatch(value) is None:
        # Decimal() alone would take " 5.00 ", "1e3" and Arabic-Indic digits.
        raise AmountError("amount_format", 'must be ASCII digits with an optional fraction, such as "100.50"')
    try:
        amount = parse_amount(value)
    except ValueError:
        raise AmountError("amount_format", 'must be a decimal number such as "100.50"') from None
    if amount <= 0:
        raise AmountError("amount_positive", "must be greater than zero")
    if amount > MAX_REQUEST_AMOUNT:
        raise AmountError("amount_too_large", f"must not exceed {MAX_REQUEST_AMOUNT}")
    places = MAX_REQUEST_DECIMALS if currency is None else min(MAX_REQUEST_DECIMALS, exponent(currency))
    scaled = amount.scaleb(places)
    if scaled != scaled.to_integral_value():
        rule = "must be a whole number" if places == 0 else f"must have at most {places} decimal places"
        raise AmountError("amount_precision", rule)
    return amount


def to_minor(amount: Decimal, currency: str = "INR", *, strict: bool = True) -> int:
    """Major units → integer minor units. ``strict`` refuses sub-minor precision instead of rounding."""
    exp = exponent(currency)
    scaled = amount.scaleb(exp)
    if strict and scaled != scaled.to_integral_value():
        raise ValueError(f"amount has more than {exp} decimal places")
    return int(scaled.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def from_minor(minor: int, currency: str = "INR") -> Decimal:
    """Integer minor units → ``Decimal`` major units with the currency's fixed number of places."""
    exp = exponent(currency)
    return Decimal(minor).scaleb(-exp).quantize(Decimal(1).scaleb(-exp))


def format_major(minor: int, currency: str = "INR") -> str:
    """Minor units → the string form used on the API and to Juspay (``12345`` → ``"123.45"``)."""
    return str(from_minor(minor, currency))
