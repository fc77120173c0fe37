"""What the merchant API says about a mandate: its state and terms, never its tokens or payment details."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from paybridge.models.juspay import Mandate
from paybridge.models.money import format_major, to_minor
from paybridge.models.validation import ApiAnswer, ApiRequest, Money


class MandateSummary(BaseModel):
    """A mandate as stored in the mandates table and returned by the merchant API."""

    model_config = ConfigDict(frozen=True)

    mandate_id: str
    status: str | None = None
    customer_id: str | None = None
    order_id: str | None = None
    currency: str | None = None
    max_amount_minor: int | None = None
    frequency: str | None = None
    mandate_type: str | None = None
    amount_rule: str | None = None
    start_date: str | None = None
    end_date: str | None = None

    @classmethod
    def from_juspay(cls, mandate: Mandate, *, mandate_id: str | None = None) -> MandateSummary:
        """From Juspay's mandate object (status check, list entry, command answer or webhook block).

        ``mandate_id`` fills in for answers that do not repeat it. Payment details and tokens are dropped.
        """
        currency = mandate.currency or "INR"
        max_minor = (
            to_minor(mandate.max_amount, currency, strict=False) if mandate.max_amount is not None else None
        )
        return cls(
            mandate_id=str(mandate.mandate_id or mandate_id or ""),
            status=mandate.status,
            customer_id=mandate.customer_id,
            order_id=mandate.order_id,
            currency=mandate.currency,
            max_amount_minor=max_minor,
            frequency=mandate.frequency,
            mandate_type=mandate.mandate_type,
            amount_rule=mandate.amount_rule,
            start_date=mandate.start_date,
            end_date=mandate.end_date,
        )

    def to_api(self) -> dict[str, Any]:
        """The merchant API's JSON shape: amounts as major-unit strings."""
        body = self.model_dump(exclude={"max_amount_minor"})
        body["max_amount"] = (
            format_major(self.max_amount_minor, self.currency or "INR")
            if self.max_amount_minor is not None
            else None
        )
        return body


class MandateAnswer(ApiAnswer):
    """A mandate in an answer: state and terms, amounts with the currency's full precision."""

    mandate_id: str
    status: str | None
    customer_id: str | None
    order_id: str | None
    currency: str | None
    max_amount: Money | None
    frequency: str | None
    mandate_type: str | None
    amount_rule: str | None
    start_date: str | None
    end_date: str | None


class MandateListAnswer(ApiAnswer):
    """``GET /customers/{customer_id}/mandates``."""

    customer_id: str
    mandates: list[MandateAnswer]


#: Dates of mandate commands, as Juspay takes them: epoch seconds, as a string of digits.
EpochSeconds = Annotated[str, Field(pattern=r"^[0-9]{1,12}$", examples=["1664546405"])]


class PauseMandateRequest(ApiRequest):
    """``POST /mandates/{mandate_id}/pause``: optional start and end of the pause (epoch seconds)."""

    pause_start_date: EpochSeconds | None = None
    pause_end_date: EpochSeconds | None = None


class ResumeMandateRequest(ApiRequest):
    """``POST /mandates/{mandate_id}/resume``: optional date to resume on (epoch seconds)."""

    resume_date: EpochSeconds | None = None
