"""Request bodies of the merchant API's order routes."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from paybridge.models.validation import amount_field

_ADDRESS_KEY = re.compile(r"(billing|shipping)_address_[a-z_]{1,40}")
_UDF_KEY = re.compile(r"udf([1-9]|10)")


class UpdateOrderRequest(BaseModel):
    """``POST /orders/{order_id}``: what Juspay lets a merchant change (amount, udf1..udf10, address)."""

    model_config = ConfigDict(extra="allow")

    amount: Decimal | None = None

    @field_validator("amount", mode="before")
    @classmethod
    def _amount_rules(cls, value: object) -> Decimal | None:
        return None if value is None else amount_field(value)

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

    # Declared before ``amount`` so the amount rule can see the currency.
    currency: str = Field(default="INR", pattern=r"^[A-Z]{3}$")
    amount: Decimal
    idempotency_key: str = Field(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9._:-]+$")
    txn_id: str | None = Field(default=None, min_length=1, max_length=128, pattern=r"^[A-Za-z0-9._:-]+$")
    reason: str = Field(
        default="merchant_request", min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_ .-]+$"
    )

    @field_validator("currency", mode="before")
    @classmethod
    def _upper(cls, value: Any) -> Any:
        return value.upper() if isinstance(value, str) else value

    @field_validator("amount", mode="before")
    @classmethod
    def _amount_rules(cls, value: object, info: ValidationInfo) -> Decimal:
        return amount_field(value, info.data.get("currency"))


class WalletReturnRequest(BaseModel):
    """``POST /orders/{order_id}/wallet-returns``: give part of a settled order's wallet share back."""

    model_config = ConfigDict(extra="forbid")

    # In the order's currency (the debit's); checked against that currency's minor unit by the logic.
    amount: Decimal
    idempotency_key: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._:-]+$")
    reason: str | None = Field(default=None, min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_ .-]+$")

    @field_validator("amount", mode="before")
    @classmethod
    def _amount_rules(cls, value: object) -> Decimal:
        return amount_field(value)
