"""Answers of the SDK signing routes: the Initiate and Process payloads, in Juspay's camelCase shape.

Optional members are left out when not set (not written as ``null``): the app hands the payload to the SDK
as it is.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from paybridge.models.validation import ApiAnswer, Money


def _unset(value: object) -> bool:
    return value is None


class InitiatePayload(ApiAnswer):
    """The inner ``payload`` of a signed Initiate request."""

    action: Literal["initiate"]
    merchantId: str  # noqa: N815 - Juspay's member names
    clientId: str  # noqa: N815
    customerId: str  # noqa: N815
    environment: str
    signaturePayload: str = Field(description="the exact JSON string that was signed")  # noqa: N815
    signature: str = Field(description="base64 RSASSA-PKCS1-v1_5 SHA-256 over signaturePayload's bytes")
    merchantKeyId: str  # noqa: N815


class InitiateAnswer(ApiAnswer):
    """``POST /sdk/initiate``."""

    requestId: str  # noqa: N815
    service: str
    payload: InitiatePayload


class ProcessPayload(ApiAnswer):
    """The inner ``payload`` of a signed Process (``paymentPage``) request."""

    action: Literal["paymentPage"]
    merchantId: str  # noqa: N815
    clientId: str  # noqa: N815
    orderId: str  # noqa: N815
    amount: Money
    customerId: str  # noqa: N815
    customerEmail: str | None = Field(default=None, exclude_if=_unset)  # noqa: N815
    customerMobile: str | None = Field(default=None, exclude_if=_unset)  # noqa: N815
    orderDetails: str = Field(description="the exact JSON string that was signed")  # noqa: N815
    signature: str = Field(description="base64 RSASSA-PKCS1-v1_5 SHA-256 over orderDetails' bytes")
    merchantKeyId: str  # noqa: N815
    language: str | None = Field(default=None, exclude_if=_unset)


class ProcessAnswer(ApiAnswer):
    """``POST /sdk/process``."""

    requestId: str  # noqa: N815
    service: str
    payload: ProcessPayload


class SessionAnswer(ApiAnswer):
    """``POST /sessions``: the order Juspay created and the ``sdk_payload`` the app hands to the SDK."""

    order_id: str
    status: str
    sdk_payload: dict[str, Any] = Field(description="Juspay's payload for the SDK, as Juspay returned it")
    payment_links: dict[str, Any] | None
    order_expiry: str | None
