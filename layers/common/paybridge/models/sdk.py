"""Requests of the SDK signing routes (``POST /sdk/initiate``, ``POST /sdk/process``) and the wallet offer.

Validation follows what Juspay requires of a signed payload (order_id alphanumeric and under 21 characters,
amount positive with at most two decimals, ISO currency, a customer id) plus size caps that keep the signed
string bounded. Errors name the field and never echo the value: customer contact data must not reach logs.

Use :func:`parse_initiate_request` / :func:`parse_process_request` at the HTTP edge: they turn pydantic's
errors into ``BadRequestError`` (400: missing field, unknown field, wrong JSON type) or
``UnprocessableError`` (422: a value breaks a rule), with ``details.field`` naming the first bad field.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Annotated, Final, Self
from urllib.parse import urlsplit

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from paybridge.models.money import format_major, to_minor
from paybridge.models.validation import (
    Amount,
    ApiRequest,
    Currency,
    CustomerId,
    OrderId,
    check_precision,
    parse_request,
)

#: Most metadata entries a client may attach (each becomes a ``metadata.<key>`` entry in orderDetails).
MAX_METADATA_ENTRIES: Final = 20
#: metadata keys the server sets itself; a client may not supply them.
RESERVED_METADATA_KEYS: Final = frozenset({"merchant_container_list"})
#: payment_method_type of an in-house wallet entry in ``metadata.merchant_container_list``.
MERCHANT_CONTAINER: Final = "MERCHANT_CONTAINER"

_PHONE_RE = re.compile(r"\+?[0-9]{7,15}")
_EMAIL_RE = re.compile(r"[A-Za-z0-9._%+'-]{1,64}@[A-Za-z0-9-]{1,63}(\.[A-Za-z0-9-]{1,63})+")
_METADATA_KEY_RE = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}")
_WALLET_NAME_RE = re.compile(r"[A-Za-z0-9_]{1,64}")


# Types that mean the request's shape is wrong (400) rather than a value breaking a rule (422).
# --- Field validators ------------------------------------------------------------------------------------
def _full_match(regex: re.Pattern[str], error_type: str, message: str) -> Callable[[str], str]:
    """An after-validator requiring ``regex`` to match the whole value; the message never quotes the value."""

    def check(value: str) -> str:
        if regex.fullmatch(value) is None:
            raise PydanticCustomError(error_type, message)
        return value

    return check


def _return_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("https", "http") or not parts.netloc or any(c.isspace() for c in value):
        raise PydanticCustomError("url_format", "must be an absolute http(s) URL without spaces")
    return value


Phone = Annotated[
    str, AfterValidator(_full_match(_PHONE_RE, "phone_format", "must be 7-15 digits, optionally after '+'"))
]
Email = Annotated[
    str,
    Field(max_length=254),
    AfterValidator(_full_match(_EMAIL_RE, "email_format", "must be an email address")),
]
# pydantic already refuses strings with lone surrogates (JSON "\ud800"), which could not be UTF-8 signed.
Name = Annotated[str, Field(min_length=1, max_length=64)]
Text = Annotated[str, Field(min_length=1, max_length=255)]
ReturnUrl = Annotated[str, Field(max_length=2048), AfterValidator(_return_url)]


class InitiateRequest(ApiRequest):
    """Body of ``POST /sdk/initiate``: who the SDK session is for."""

    customer_id: CustomerId
    mobile_number: Phone | None = None
    email_address: Email | None = None
    first_name: Name | None = None
    last_name: Name | None = None


class ProcessRequest(ApiRequest):
    """Body of ``POST /sdk/process``: the order the app is about to pay.

    ``amount`` is major units (``"100.50"``); :attr:`amount_minor` is what the rest of the system uses.
    ``metadata`` entries go into orderDetails as flat ``metadata.<key>`` strings, as Juspay reads them.
    """

    order_id: OrderId
    # Declared before ``amount`` so the amount check can see the currency.
    currency: Currency = "INR"
    amount: Amount
    customer_id: CustomerId
    customer_email: Email | None = None
    customer_phone: Phone | None = None
    first_name: Name | None = None
    last_name: Name | None = None
    return_url: ReturnUrl | None = None
    description: Text | None = None
    language: Annotated[str, Field(pattern=r"^[a-z_]{2,20}$")] | None = None
    #: How long the order can be paid, in minutes (1 to 1440); the deployment's default when absent. Not
    #: signed: it tells the pending-order follower when an order with no payment attempt is abandoned.
    expiry_minutes: Annotated[StrictInt, Field(ge=1, le=1440)] | None = None
    udf1: Text | None = None
    udf2: Text | None = None
    udf3: Text | None = None
    udf4: Text | None = None
    udf5: Text | None = None
    udf6: Text | None = None
    udf7: Text | None = None
    udf8: Text | None = None
    udf9: Text | None = None
    udf10: Text | None = None
    metadata: dict[str, Text] | None = None

    @field_validator("amount")
    @classmethod
    def _currency_precision(cls, value: Decimal, info: ValidationInfo) -> Decimal:
        currency = info.data.get("currency")
        return check_precision(value, currency) if currency else value

    @field_validator("metadata")
    @classmethod
    def _metadata_rules(cls, metadata: dict[str, str] | None) -> dict[str, str] | None:
        if metadata is None:
            return None
        if len(metadata) > MAX_METADATA_ENTRIES:
            raise PydanticCustomError("metadata_size", f"must have at most {MAX_METADATA_ENTRIES} entries")
        for key in metadata:
            if _METADATA_KEY_RE.fullmatch(key) is None:
                raise PydanticCustomError(
                    "metadata_key", "keys must be 1-64 characters: letters, digits and _ . -"
                )
            if key in RESERVED_METADATA_KEYS:
                raise PydanticCustomError("metadata_reserved", f"key {key} is set by the server")
        return metadata

    @property
    def amount_minor(self) -> int:
        """The amount in integer minor units of :attr:`currency`."""
        return to_minor(self.amount, self.currency)

    def optional_order_fields(self) -> dict[str, str]:
        """The optional order fields that were given, as Juspay names them: contact and return details,
        ``udf1`` .. ``udf10``, then ``metadata.*``. Signing and the Session API send the same set."""
        given = {
            "customer_email": self.customer_email,
            "customer_phone": self.customer_phone,
            "first_name": self.first_name,
            "last_name": self.last_name,
            "return_url": self.return_url,
            "description": self.description,
        }
        fields = {key: value for key, value in given.items() if value is not None}
        fields.update(self.udfs())
        fields.update({f"metadata.{key}": value for key, value in (self.metadata or {}).items()})
        return fields

    def udfs(self) -> dict[str, str]:
        """The user-defined fields that were given, in order ``udf1`` .. ``udf10``."""
        values = (
            self.udf1,
            self.udf2,
            self.udf3,
            self.udf4,
            self.udf5,
            self.udf6,
            self.udf7,
            self.udf8,
            self.udf9,
            self.udf10,
        )
        return {f"udf{n}": value for n, value in enumerate(values, start=1) if value is not None}


# --- Wallet offer ----------------------------------------------------------------------------------------
def json_number(minor: int, currency: str) -> str:
    """A JSON number literal for ``minor`` units, rendered without float.

    INR examples: ``300000`` → ``3000``, ``150050`` → ``1500.5``, ``150055`` → ``1500.55``.

    Juspay's ``merchant_container_list`` structure types amounts as ``Number`` and its sample writes whole
    amounts without decimals, so trailing zeros are dropped; the value read back is exact.
    """
    text = format_major(minor, currency)
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


class WalletOffer(BaseModel):
    """The in-house wallet offered to the customer for one order (an entry of ``merchant_container_list``).

    ``balance_minor`` is the wallet's real balance, ``eligible_minor`` what it may pay of this order (see
    ``paybridge.logic.sign_sdk_payload.offer_wallet`` for the rule). Amounts are integer minor units.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    payment_method: Annotated[
        str,
        AfterValidator(
            _full_match(_WALLET_NAME_RE, "wallet_name_format", "must be 1-64 letters, digits or underscores")
        ),
    ]
    display_name: Name
    balance_minor: Annotated[StrictInt, Field(ge=0)]
    eligible_minor: Annotated[StrictInt, Field(gt=0)]
    currency: Currency = "INR"
    icon_url: ReturnUrl | None = None
    pre_selected: StrictBool | None = None
    allow_user_modify_amount: StrictBool | None = None

    @model_validator(mode="after")
    def _eligible_within_balance(self) -> Self:
        if self.eligible_minor > self.balance_minor:
            raise ValueError("eligible_minor must not exceed balance_minor")
        return self

    def container_entry_json(self) -> str:
        """This offer as one JSON object of ``merchant_container_list``.

        Built by hand so the amounts are exact JSON numbers rendered from integer minor units (``json.dumps``
        would need a float). Keys follow Juspay's structure; optional ones appear only when set.
        """
        members: list[tuple[str, str]] = [
            ("payment_method", _json_string(self.payment_method)),
            ("payment_method_type", _json_string(MERCHANT_CONTAINER)),
            ("display_name", _json_string(self.display_name)),
            ("balance_amount", json_number(self.balance_minor, self.currency)),
            ("eligible_amount", json_number(self.eligible_minor, self.currency)),
        ]
        if self.allow_user_modify_amount is not None:
            members.append(("allow_user_modify_amount", _json_bool(self.allow_user_modify_amount)))
        if self.icon_url is not None:
            members.append(("walletIconURL", _json_string(self.icon_url)))
        if self.pre_selected is not None:
            members.append(("isPreSelected", _json_bool(self.pre_selected)))
        return "{" + ",".join(f"{_json_string(key)}:{value}" for key, value in members) + "}"


def merchant_container_list_json(offers: Sequence[WalletOffer]) -> str:
    """The value of ``metadata.merchant_container_list``: a JSON array (as a string) of wallet entries."""
    return "[" + ",".join(offer.container_entry_json() for offer in offers) + "]"


def _json_string(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)


def _json_bool(value: bool) -> str:
    return "true" if value else "false"


# --- Edge parsing ----------------------------------------------------------------------------------------
def parse_initiate_request(body: object) -> InitiateRequest:
    """Validates the decoded JSON body of ``POST /sdk/initiate`` (raises a 400/422 ``PaybridgeError``)."""
    return parse_request(InitiateRequest, body)


def parse_process_request(body: object) -> ProcessRequest:
    """Validates the decoded JSON body of ``POST /sdk/process`` (raises a 400/422 ``PaybridgeError``)."""
    return parse_request(ProcessRequest, body)
