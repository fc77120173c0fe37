"""What was signed for an order (the SDK payloads or a Session API session): the terms settlement checks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

__all__ = ["SignedOrder"]


@dataclass(frozen=True, slots=True)
class SignedOrder:
    """What was signed for an order: the record settlement compares Juspay's reports against.

    ``wallet_offered_minor`` is the wallet share offered (the ``eligible_amount`` signed), 0 without an offer.
    """

    order_id: str
    customer_id: str
    amount_minor: int
    currency: str
    wallet_offered_minor: int
    wallet_payment_method: str | None
    merchant_key_id: str
    signed_at: datetime
    #: When the order can no longer be paid (an order with no payment attempt by then is abandoned).
    expires_at: datetime | None = None

    def to_record(self) -> dict[str, str | int | None]:
        """A JSON/DynamoDB-ready form (integers and strings only; ``signed_at`` as ISO 8601 UTC)."""
        return {
            "order_id": self.order_id,
            "customer_id": self.customer_id,
            "amount_minor": self.amount_minor,
            "currency": self.currency,
            "wallet_offered_minor": self.wallet_offered_minor,
            "wallet_payment_method": self.wallet_payment_method,
            "merchant_key_id": self.merchant_key_id,
            "signed_at": self.signed_at.isoformat(),
            "expires_at": self.expires_at.isoformat() if self.expires_at else None,
        }
