"""Requests and answers of the merchant API's order routes (``/orders/{order_id}`` and its refunds)."""

from __future__ import annotations

from decimal import Decimal

from pydantic import Field, ValidationInfo, field_validator, model_validator

from paybridge.models.validation import (
    Amount,
    ApiAnswer,
    ApiRequest,
    Currency,
    IdempotencyKey,
    Money,
    TxnId,
    check_precision,
)
from paybridge.models.wallet import WalletEntryAnswer

#: Juspay's update-order fields besides amount and udfs: the billing and shipping address.
ADDRESS_FIELDS = (
    "first_name",
    "last_name",
    "line1",
    "line2",
    "line3",
    "city",
    "state",
    "country",
    "postal_code",
    "phone",
    "country_code_iso",
)
_Text = str | None


class UpdateOrderRequest(ApiRequest):
    """``POST /orders/{order_id}``: what Juspay lets a merchant change (amount, udf1..udf10, address)."""

    amount: Amount | None = None
    udf1: _Text = Field(default=None, max_length=255)
    udf2: _Text = Field(default=None, max_length=255)
    udf3: _Text = Field(default=None, max_length=255)
    udf4: _Text = Field(default=None, max_length=255)
    udf5: _Text = Field(default=None, max_length=255)
    udf6: _Text = Field(default=None, max_length=255)
    udf7: _Text = Field(default=None, max_length=255)
    udf8: _Text = Field(default=None, max_length=255)
    udf9: _Text = Field(default=None, max_length=255)
    udf10: _Text = Field(default=None, max_length=255)
    billing_address_first_name: _Text = Field(default=None, max_length=255)
    billing_address_last_name: _Text = Field(default=None, max_length=255)
    billing_address_line1: _Text = Field(default=None, max_length=255)
    billing_address_line2: _Text = Field(default=None, max_length=255)
    billing_address_line3: _Text = Field(default=None, max_length=255)
    billing_address_city: _Text = Field(default=None, max_length=255)
    billing_address_state: _Text = Field(default=None, max_length=255)
    billing_address_country: _Text = Field(default=None, max_length=255)
    billing_address_postal_code: _Text = Field(default=None, max_length=255)
    billing_address_phone: _Text = Field(default=None, max_length=255)
    billing_address_country_code_iso: _Text = Field(default=None, max_length=255)
    shipping_address_first_name: _Text = Field(default=None, max_length=255)
    shipping_address_last_name: _Text = Field(default=None, max_length=255)
    shipping_address_line1: _Text = Field(default=None, max_length=255)
    shipping_address_line2: _Text = Field(default=None, max_length=255)
    shipping_address_line3: _Text = Field(default=None, max_length=255)
    shipping_address_city: _Text = Field(default=None, max_length=255)
    shipping_address_state: _Text = Field(default=None, max_length=255)
    shipping_address_country: _Text = Field(default=None, max_length=255)
    shipping_address_postal_code: _Text = Field(default=None, max_length=255)
    shipping_address_phone: _Text = Field(default=None, max_length=255)
    shipping_address_country_code_iso: _Text = Field(default=None, max_length=255)

    @model_validator(mode="after")
    def _something_to_update(self) -> UpdateOrderRequest:
        if self.amount is None and not self.udfs() and not self.address():
            raise ValueError("nothing to update: give amount, udf1..udf10 or address fields")
        return self

    def _given(self) -> dict[str, object]:
        return {name: getattr(self, name) for name in self.model_fields_set}

    def udfs(self) -> dict[str, str]:
        """The udf fields given."""
        return {k: str(v) for k, v in self._given().items() if k.startswith("udf") and v is not None}

    def address(self) -> dict[str, str]:
        """The address fields given."""
        return {k: str(v) for k, v in self._given().items() if "_address_" in k and v is not None}


class RefundOrderRequest(ApiRequest):
    """``POST /orders/{order_id}/refunds``: a refund of the order, or of one transaction with ``txn_id``."""

    # Declared before ``amount`` so the amount rule can see the currency.
    currency: Currency = "INR"
    amount: Amount
    idempotency_key: IdempotencyKey
    txn_id: TxnId | None = None
    reason: str = Field(
        default="merchant_request", min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_ .-]+$"
    )

    @field_validator("amount")
    @classmethod
    def _currency_precision(cls, value: Decimal, info: ValidationInfo) -> Decimal:
        currency = info.data.get("currency")
        return check_precision(value, currency) if currency else value


# --- answers -----------------------------------------------------------------------------------------------
class TransactionAnswer(ApiAnswer):
    """One payment attempt (or one part of a split payment)."""

    txn_id: str | None
    status: str | None
    payment_method_type: str | None
    payment_method: str | None
    amount: Money | None


class OrderRefundAnswer(ApiAnswer):
    """A refund as Juspay lists it on the order."""

    unique_request_id: str | None
    status: str
    amount: Money | None


class OrderAnswer(ApiAnswer):
    """Juspay's verified view of an order: ids, status, amounts, transactions; never contact data."""

    order_id: str
    status: str
    customer_id: str | None
    currency: str | None
    amount: Money | None
    transactions: list[TransactionAnswer]
    refunds: list[OrderRefundAnswer]


class SettlementAnswer(ApiAnswer):
    """The order's wallet settlement record (``OrdersTable``)."""

    status: str
    wallet_amount: Money | None
    online_amount: Money | None
    wallet_txn_id: str | None
    online_txn_id: str | None
    reason: str | None
    settled_at: str | None
    cancelled_at: str | None
    updated_at: str | None


class OrderStatusAnswer(ApiAnswer):
    """``GET /orders/{order_id}``: Juspay's status with the wallet settlement (null before any webhook)."""

    order: OrderAnswer
    settlement: SettlementAnswer | None


class RefundAnswer(ApiAnswer):
    """``POST /orders/{order_id}/refunds``: where the refund stands (``created`` is false for a repeat)."""

    order_id: str
    seq: int
    unique_request_id: str
    attempt: int
    status: str = Field(description="REQUESTED, PENDING, SUCCESS, FAILED, REJECTED or MANUAL_REVIEW")
    amount: Money
    currency: str
    created: bool
    error_code: str | None = Field(
        default=None, description="REJECTED: Juspay's error code (invalid.amount.exceeded, not_found, ...)"
    )
    error_message: str | None = Field(default=None, description="REJECTED: Juspay's error message")


class RefundEntryAnswer(ApiAnswer):
    """One refund of an order as the refunds table holds it."""

    seq: int
    unique_request_id: str = Field(description="the id of the current attempt, as Juspay knows it")
    attempt: int
    status: str = Field(description="REQUESTED, PENDING, SUCCESS, FAILED, REJECTED or MANUAL_REVIEW")
    amount: Money
    currency: str
    txn_id: str | None
    reason: str
    juspay_status: str | None
    error_code: str | None
    error_message: str | None
    created_at: str
    updated_at: str


class RefundListAnswer(ApiAnswer):
    """``GET /orders/{order_id}/refunds``: the order's refunds, oldest first."""

    order_id: str
    refunds: list[RefundEntryAnswer]


class WalletReturnRequest(ApiRequest):
    """``POST /orders/{order_id}/wallet-returns``: give part of a settled order's wallet share back."""

    # In the order's currency (the debit's); checked against that currency's minor unit by the logic.
    amount: Amount
    idempotency_key: IdempotencyKey
    reason: str | None = Field(default=None, min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_ .-]+$")


class WalletReturnAnswer(ApiAnswer):
    """``POST /orders/{order_id}/wallet-returns``: the return, and what of the debit is left to return."""

    order_id: str
    customer_id: str
    wallet_txn_id: str
    status: str
    idempotency_key: str
    reason: str | None
    currency: str
    amount: Money
    debited_amount: Money
    returned_amount: Money
    returnable_amount: Money
    entry: WalletEntryAnswer
