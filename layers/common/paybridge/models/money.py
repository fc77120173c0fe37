"""Money: ``Decimal`` at the edges (Juspay sends major units), integer minor units everywhere inside."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

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
