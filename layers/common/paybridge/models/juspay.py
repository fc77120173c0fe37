"""Typed, tolerant models of what Juspay's server-to-server API answers.

Juspay's payloads drift between API versions and samples, so every model here keeps unknown fields
(``extra="allow"``), accepts numbers sent as strings, and keeps status strings as plain ``str`` so an
unknown status survives instead of failing validation. The ``KNOWN_*`` constants list the documented values
for code that wants to branch on them.

Money is ``Decimal`` in major units (as Juspay sends it). Parse response bodies with
``json.loads(text, parse_float=Decimal)`` (see ``loads_juspay_json``): a float never exists, and
``JuspayAmount`` refuses one if it ever arrives.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator

from paybridge.models.money import parse_amount, to_minor

__all__ = [
    "KNOWN_MANDATE_STATUSES",
    "KNOWN_ORDER_STATUSES",
    "KNOWN_REFUND_STATUSES",
    "MERCHANT_CONTAINER",
    "JuspayAmount",
    "JuspayErrorEnvelope",
    "JuspayModel",
    "Mandate",
    "MandateCancelRecurringResponse",
    "MandateExecutionResponse",
    "MandateList",
    "MandateNotification",
    "Order",
    "Refund",
    "Session",
    "Transaction",
    "TxnDetail",
    "loads_juspay_json",
]

#: Order / transaction statuses Juspay documents. Anything else is kept as sent.
KNOWN_ORDER_STATUSES: frozenset[str] = frozenset(
    {
        "NEW",
        "CREATED",
        "STARTED",
        "PENDING_VBV",
        "VBV_SUCCESSFUL",
        "AUTHORIZING",
        "AUTHORIZED",
        "CHARGED",
        "COD_INITIATED",
        "AUTHENTICATION_FAILED",
        "AUTHORIZATION_FAILED",
        "JUSPAY_DECLINED",
        "NOT_FOUND",
        "AUTO_REFUNDED",
        "PARTIAL_CHARGED",
        "TO_BE_CHARGED",
        "CAPTURE_INITIATED",
        "CAPTURE_FAILED",
        "VOID_INITIATED",
        "VOIDED",
        "VOID_FAILED",
    }
)
#: Refund statuses: PENDING always first; MANUAL_REVIEW needs a person.
KNOWN_REFUND_STATUSES: frozenset[str] = frozenset({"PENDING", "SUCCESS", "FAILURE", "MANUAL_REVIEW"})
#: Mandate statuses.
KNOWN_MANDATE_STATUSES: frozenset[str] = frozenset(
    {"CREATED", "ACTIVE", "PAUSED", "REVOKED", "FAILURE", "EXPIRED"}
)
#: ``payment_method_type`` of the merchant's in-house wallet share of a split order.
MERCHANT_CONTAINER = "MERCHANT_CONTAINER"


def loads_juspay_json(text: str | bytes) -> Any:
    """Parses a Juspay JSON body with every non-integer number as ``Decimal`` (never ``float``)."""
    return json.loads(text, parse_float=Decimal)


def _amount_or_none(value: object) -> Decimal | None:
    # Juspay sends null for absent amounts and sometimes "" in older payloads; both mean "no amount".
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return parse_amount(value)


def _amount_or_raw(value: object) -> object:
    # Secondary amounts (tax, surcharge, offer deduction) arrive masked ("FILTERED") in some payloads:
    # kept as the string rather than failing the whole order. Floats are still refused.
    try:
        return _amount_or_none(value)
    except ValueError:
        if isinstance(value, str):
            return value
        raise


def _int_or_raw(value: object) -> object:
    # Numeric codes arrive as 21 or "21"; a non-numeric string is preserved rather than rejected.
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    return value


#: A money amount in major units: int, decimal string or ``Decimal`` accepted; float refused.
JuspayAmount = Annotated[Decimal | None, BeforeValidator(_amount_or_none)]
#: A secondary amount: ``Decimal`` when numeric, the raw string when Juspay masked it.
SecondaryAmount = Annotated[Decimal | str | None, BeforeValidator(_amount_or_raw)]
#: A numeric code that may arrive as a string (``status_id``, ``gateway_id``).
LenientInt = Annotated[int | str | None, BeforeValidator(_int_or_raw)]


class JuspayModel(BaseModel):
    """Base of every Juspay model: unknown fields kept, field names or aliases accepted."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)

    def __repr_args__(self) -> Any:
        # Unknown fields stay out of reprs: they can hold card, VPA or contact data that must not be logged.
        fields = type(self).model_fields
        return [(name, value) for name, value in super().__repr_args__() if name in fields]


class TxnDetail(JuspayModel):
    """``txn_detail``: one transaction's amounts and gateway outcome."""

    txn_id: str | None = None
    txn_uuid: str | None = None
    order_id: str | None = None
    status: str | None = None
    txn_amount: JuspayAmount = None
    #: The whole order's amount, even on a split entry: never the share of one transaction.
    net_amount: JuspayAmount = None
    surcharge_amount: SecondaryAmount = None
    tax_amount: SecondaryAmount = None
    offer_deduction_amount: SecondaryAmount = None
    currency: str | None = None
    gateway: str | None = None
    gateway_id: LenientInt = None
    error_code: str | None = None
    error_message: str | None = None
    txn_object_type: str | None = None
    created: str | None = None


class Refund(JuspayModel):
    """A refund: an entry of an order's ``refunds[]`` or the answer of a Txn-ID refund."""

    unique_request_id: str | None = None
    status: str
    amount: JuspayAmount = None
    id: str | None = None
    ref: str | None = None
    txn_id: str | None = None
    order_id: str | None = None
    refund_type: str | None = None
    refund_source: str | None = None
    sent_to_gateway: bool | None = None
    initiated_by: str | None = None
    error_code: str | None = None
    error_message: str | None = None
    created: str | None = None
    arn: str | None = None
    refund_arn: str | None = None


class Mandate(JuspayModel):
    """A mandate, from an order's ``mandate`` block, a status check, a command answer or a list entry.

    Juspay names the status ``status`` in status checks and lists, ``mandate_status`` in order blocks and
    command answers; each is filled from the other so ``status`` is always the one to read.
    """

    mandate_id: str | None = None
    status: str | None = None
    mandate_status: str | None = None
    max_amount: JuspayAmount = None
    currency: str | None = None
    frequency: str | None = None
    mandate_type: str | None = None
    amount_rule: str | None = None
    start_date: str | None = None
    end_date: str | None = None
    customer_id: str | None = None
    order_id: str | None = None
    revokable_by_customer: bool | None = None
    block_fund: bool | None = None
    activated_at: str | None = None
    last_activated_at: str | None = None
    pause_start_date: str | None = None
    pause_end_date: str | None = None
    response_message: str | None = None
    #: Card, bank account or VPA details: kept out of reprs.
    payment_info: dict[str, Any] | str | None = Field(default=None, repr=False)
    #: Tokens that let a holder debit the customer: kept out of reprs (and so out of logs).
    mandate_token: str | None = Field(default=None, repr=False)
    mandate_debit_token: str | None = Field(default=None, repr=False)

    @model_validator(mode="before")
    @classmethod
    def _mirror_status(cls, data: Any) -> Any:
        if isinstance(data, dict):
            if data.get("status") is None and data.get("mandate_status") is not None:
                data = {**data, "status": data["mandate_status"]}
            elif data.get("mandate_status") is None and data.get("status") is not None:
                data = {**data, "mandate_status": data["status"]}
        return data


class Transaction(JuspayModel):
    """One transaction of an order, in a uniform shape for both of Juspay's order shapes.

    A ``txn_list`` entry is parsed as is; for a single-transaction order ``Order.transactions()`` builds
    one from the order's top-level ``txn_*`` fields.
    """

    txn_id: str | None = None
    txn_uuid: str | None = None
    status: str | None = None
    payment_method_type: str | None = None
    payment_method: str | None = None
    auth_type: str | None = None
    effective_amount: JuspayAmount = None
    amount_refunded: JuspayAmount = None
    refunded: bool | None = None
    gateway_id: LenientInt = None
    txn_detail: TxnDetail | None = None
    payment_gateway_response: dict[str, Any] | None = Field(default=None, repr=False)

    @model_validator(mode="before")
    @classmethod
    def _fill_from_detail(cls, data: Any) -> Any:
        # Entries without their own txn_id/status carry them in txn_detail.
        if isinstance(data, dict) and isinstance(data.get("txn_detail"), dict):
            detail = data["txn_detail"]
            filled = dict(data)
            for key in ("txn_id", "status"):
                if filled.get(key) is None and detail.get(key) is not None:
                    filled[key] = detail[key]
            return filled
        return data

    @property
    def txn_amount(self) -> Decimal | None:
        """This transaction's share (``txn_detail.txn_amount``); None when Juspay sent no ``txn_detail``.

        Not ``net_amount``: on a split order that is the whole order. Callers that get None for a
        single-transaction order use ``Order.amount`` on purpose, not by accident.
        """
        return self.txn_detail.txn_amount if self.txn_detail is not None else None

    @property
    def is_merchant_container(self) -> bool:
        """True for the merchant's in-house wallet share of a split order."""
        return self.payment_method_type == MERCHANT_CONTAINER


#: Top-level order fields that describe its single transaction (copied into ``Transaction``).
_TOP_LEVEL_TXN_FIELDS = (
    "txn_id",
    "txn_uuid",
    "payment_method_type",
    "payment_method",
    "auth_type",
    "effective_amount",
    "amount_refunded",
    "refunded",
    "gateway_id",
    "txn_detail",
    "payment_gateway_response",
)


class Order(JuspayModel):
    """An order as the Order Status API (and Update Order, order refunds, webhooks) returns it.

    Two shapes: a single transaction at top level (``txn_id``, ``txn_detail``) or split payments in
    ``txn_list``. Use ``transactions()`` to read either uniformly.
    """

    order_id: str
    status: str
    id: str | None = None
    status_id: LenientInt = None
    merchant_id: str | None = None
    customer_id: str | None = None
    #: Customer contact data: kept out of reprs (and so out of logs).
    customer_email: str | None = Field(default=None, repr=False)
    customer_phone: str | None = Field(default=None, repr=False)
    amount: JuspayAmount = None
    currency: str | None = None
    date_created: str | None = None
    return_url: str | None = None
    product_id: str | None = None
    udf1: str | None = None
    udf2: str | None = None
    udf3: str | None = None
    udf4: str | None = None
    udf5: str | None = None
    udf6: str | None = None
    udf7: str | None = None
    udf8: str | None = None
    udf9: str | None = None
    udf10: str | None = None
    # Single-transaction shape.
    txn_id: str | None = None
    txn_uuid: str | None = None
    payment_method_type: str | None = None
    payment_method: str | None = None
    auth_type: str | None = None
    effective_amount: JuspayAmount = None
    amount_refunded: JuspayAmount = None
    refunded: bool | None = None
    gateway_id: LenientInt = None
    txn_detail: TxnDetail | None = None
    payment_gateway_response: dict[str, Any] | None = Field(default=None, repr=False)
    # Split shape.
    txn_list: list[Transaction] | None = None
    refunds: list[Refund] = Field(default_factory=list)
    mandate: Mandate | None = None
    payment_links: dict[str, Any] | None = None
    #: May embed customer contact data in JSON strings: kept out of reprs.
    metadata: dict[str, Any] | None = Field(default=None, repr=False)

    @field_validator("refunds", mode="before")
    @classmethod
    def _null_refunds(cls, value: Any) -> Any:
        return [] if value is None else value

    @property
    def is_split(self) -> bool:
        """True for the ``txn_list`` shape (split payments)."""
        return self.txn_list is not None

    @property
    def amount_minor(self) -> int | None:
        """The order amount in integer minor units of its currency (INR when Juspay omits it)."""
        if self.amount is None:
            return None
        return to_minor(self.amount, self.currency or "INR")

    def transactions(self) -> list[Transaction]:
        """Every transaction of the order, whichever shape Juspay used; empty when none started yet.

        For the single-transaction shape the transaction's status is ``txn_detail.status`` when present,
        else the order's status (that one transaction is what the order status describes).
        """
        if self.txn_list is not None:
            return list(self.txn_list)
        if self.txn_id is None and self.txn_detail is None:
            return []
        fields: dict[str, Any] = {name: getattr(self, name) for name in _TOP_LEVEL_TXN_FIELDS}
        detail_status = self.txn_detail.status if self.txn_detail is not None else None
        fields["status"] = detail_status or self.status
        return [Transaction.model_validate(fields)]

    def find_refund(self, unique_request_id: str) -> Refund | None:
        """The refund with this ``unique_request_id``, if the order carries it."""
        return next((r for r in self.refunds if r.unique_request_id == unique_request_id), None)


class MandateList(JuspayModel):
    """``GET /customers/{customer_id}/mandates``: a list envelope of mandates."""

    mandates: list[Mandate] = Field(default_factory=list, alias="list")
    total: LenientInt = None
    offset: LenientInt = None
    count: LenientInt = None
    object: str | None = None


class MandateExecutionResponse(JuspayModel):
    """``POST /txns`` with a ``mandate_id`` (a recurring debit): the transaction it started."""

    txn_id: str | None = None
    txn_uuid: str | None = None
    order_id: str | None = None
    status: str | None = None
    payment: dict[str, Any] | None = None


class MandateCancelRecurringResponse(JuspayModel):
    """``command=cancel_recurring_transaction``: the stopped execution's outcome."""

    order_id: str | None = None
    txn_uuid: str | None = None
    txn_status: str | None = None
    response_message: str | None = None


class MandateNotification(JuspayModel):
    """A pre-debit notification (``command=pre_debit_notify`` or ``GET /notifications/{id}``)."""

    id: str | None = None
    status: str | None = None
    object_reference_id: str | None = None
    notification_type: str | None = None
    provider_name: str | None = None
    source_info: dict[str, Any] | None = None
    mandate: Mandate | None = None
    date_created: str | None = None
    last_updated: str | None = None


class Session(JuspayModel):
    """``POST /session``: the created order plus the ``sdk_payload`` the app hands to the SDK."""

    status: str
    order_id: str
    id: str | None = None
    payment_links: dict[str, Any] | None = None
    #: Holds a client auth token and customer contact data: kept out of reprs.
    sdk_payload: dict[str, Any] | None = Field(default=None, repr=False)
    order_expiry: str | None = None


class JuspayErrorEnvelope(JuspayModel):
    """Juspay's error body: ``{status, error_code, error_message, error_info?}`` (fields vary)."""

    status: str | None = None
    status_id: LenientInt = None
    error_code: str | None = None
    error_message: str | None = None
    error_info: dict[str, Any] | None = None
    #: Some 400s for an unknown order answer ``{"status": "NOT_FOUND", "order_id": ...}`` instead.
    order_id: str | None = None

    @property
    def is_not_found(self) -> bool:
        """True when the body says the thing asked for does not exist."""
        return self.status == "NOT_FOUND"
