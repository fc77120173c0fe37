"""Request bodies of the merchant API's order routes."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator

from paybridge.models.money import parse_amount, to_minor

_ADDRESS_KEY = re.compile(r"(billing|shipping)_address_[a-z_]{1,40}")
_UDF_KEY = re.compile(r"udf([1-9]|10)")


def _amount(value: Any) -> Decimal:
    # Amounts arrive as decimal strings ("10.50"); a JSON fraction may already have lost the exact value.
    if isinstance(value, Decimal) and value != value.to_integral_value():
        raise ValueError('send the amount as a string, e.g. "10.50"')
    amount = parse_amount(value)
    if amount <= 0:
        raise ValueError("amount must be greater than zero")
    to_minor(amount)  # at most two decimals
    return amount


Amount = Annotated[Decimal, BeforeValidator(_amount)]


class UpdateOrderRequest(BaseModel):
    """``POST /orders/{order_id}``: what Juspay lets a merchant change (amount, udf1..udf10, address)."""

    model_config = ConfigDict(extra="allow")

    amount: Amount | None = None

    @model_validator(mode="after")
    def _known_fields_only(self) -> UpdateOrderRequest:
        for key, value in (self.model_extra or {}).items():
            if not (_UDF_KEY.fullmatch(key) or _ADDRESS_KEY.fullmatch(key)):
                raise ValueError(
                    f"{key} cannot be updated (only amount, udf1..udf10, billing_/shipping_address_*)"
                )
            if not isinstance(value, str) or len(value) > 255:
                raise ValueError(f"{key} must be a string of at most 255 characters")
        if self.amount is None and not self.model_extra:
            raise ValueError("nothing to update: give amount, udf1..udf10 or address fields")
        return self

    def udfs(self) -> dict[str, str]:
        """The udf fields given."""
        return {k: str(v) for k, v in (self.model_extra or {}).items() if _UDF_KEY.fullmatch(k)}

    def address(self) -> dict[str, str]:
        """The address fields given."""
        return {k: str(v) for k, v in (self.model_extra or {}).items() if _ADDRESS_KEY.fullmatch(k)}


class RefundOrderRequest(BaseModel):
    """``POST /orders/{order_id}/refunds``: a refund of the order, or of one transaction with ``txn_id``."""

    model_config = ConfigDict(extra="forbid")

    amount: Amount
    idempotency_key: str = Field(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9._:-]+$")
    currency: str = Field(default="INR", pattern=r"^[A-Z]{3}$")
    txn_id: str | None = Field(default=None, min_length=1, max_length=128, pattern=r"^[A-Za-z0-9._:-]+$")
    reason: str = Field(
        default="merchant_request", min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_ .-]+$"
    )

    @field_validator("currency", mode="before")
    @classmethod
    def _upper(cls, value: Any) -> Any:
        return value.upper() if isinstance(value, str) else value
