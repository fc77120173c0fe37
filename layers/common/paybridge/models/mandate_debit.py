"""Recurring debits on a mandate: the merchant API's requests and answers, Juspay's notification and
execution answers, the stored debit of one billing cycle, and the events published about it.

One billing cycle of one mandate is one debit: a pre-debit notification (``command=pre_debit_notify``), then,
once the notification window has passed, one execution (``POST /txns``), which is its own Juspay order.
"""

from __future__ import annotations

import hashlib
from typing import Annotated, Any, Final

from pydantic import BaseModel, ConfigDict, Field

from paybridge.models.juspay import JuspayModel
from paybridge.models.validation import Amount, ApiAnswer, ApiRequest, Money, _rule

#: Domain events (source ``paybridge``) of recurring debits.
DETAIL_MANDATE_DEBIT_SUCCEEDED: Final = "MandateDebitSucceeded"
DETAIL_MANDATE_DEBIT_FAILED: Final = "MandateDebitFailed"

#: A billing cycle as the merchant names it (``2026-12``, ``2026-W49``, ``inv_1042``).
CYCLE_PATTERN: Final = r"^[A-Za-z0-9_.:-]{1,32}$"
Cycle = Annotated[str, *_rule("cycle_format", CYCLE_PATTERN, "must be 1-32 letters, digits or _ . : -")]

# --- the debit's life (stored ``status``) -------------------------------------------------------------------
#: The notification call was sent; its outcome is not known yet (a repeat sends it again: no money moves).
NOTIFYING: Final = "NOTIFYING"
#: Juspay accepted the notification; the debit may be executed once the window has passed.
NOTIFIED: Final = "NOTIFIED"
#: The execution call was sent once; its outcome is not known yet (never sent again).
EXECUTING: Final = "EXECUTING"
#: Juspay created the execution order; it is followed to a final state.
PENDING: Final = "PENDING"
SUCCEEDED: Final = "SUCCEEDED"
FAILED: Final = "FAILED"
#: Juspay refused the execution call itself (its 4xx): nothing was debited, nothing will be.
REJECTED: Final = "REJECTED"
#: States in which the execution call has been made (or its outcome is being learnt).
EXECUTED_STATES: Final = frozenset({EXECUTING, PENDING, SUCCEEDED, FAILED, REJECTED})


def execution_order_id(mandate_id: str, cycle: str) -> str:
    """The execution's Juspay order id: the same for every attempt at the same cycle, so a crash between
    recording and calling can never produce a second order. 20 letters and digits (Juspay asks for
    alphanumeric order ids under 21 characters)."""
    return "md" + hashlib.sha256(f"{mandate_id}#{cycle}".encode()).hexdigest()[:18]


def notification_reference(mandate_id: str, cycle: str) -> str:
    """The notification's ``object_reference_id``: the merchant's reference, derived like the order id."""
    return "pdn" + hashlib.sha256(f"{mandate_id}#{cycle}".encode()).hexdigest()[:17]


# --- merchant API ----------------------------------------------------------------------------------------
class NotifyDebitRequest(ApiRequest):
    """``POST /mandates/{mandate_id}/notifications``: announce the debit of one billing cycle."""

    cycle: Cycle
    amount: Amount
    description: str | None = Field(default=None, min_length=1, max_length=255)


class ExecuteDebitRequest(ApiRequest):
    """``POST /mandates/{mandate_id}/debits``: execute the notified debit of one billing cycle."""

    cycle: Cycle


class MandateDebitAnswer(ApiAnswer):
    """One billing cycle's debit: where it stands, what was announced, what Juspay said."""

    mandate_id: str
    cycle: str
    status: str
    amount: Money
    currency: str
    customer_id: str | None
    notification_id: str | None
    notification_status: str | None
    notified_at: str | None
    debit_after: str | None = Field(description="the earliest time the debit may be executed (ISO 8601)")
    order_id: str = Field(description="the execution's Juspay order id (one per mandate and cycle)")
    txn_id: str | None
    juspay_status: str | None
    error_code: str | None
    error_message: str | None


# --- Juspay's answers -----------------------------------------------------------------------------------
class Notification(JuspayModel):
    """A pre-debit notification (``pre_debit_notify`` answer, ``GET /notifications/{id}``, the
    ``content.notification`` of NOTIFICATION_* webhooks)."""

    id: str | None = None
    status: str | None = None
    object_reference_id: str | None = None
    source_info: dict[str, Any] | None = None
    mandate: dict[str, Any] | None = None
    response_code: str | None = None
    response_message: str | None = None

    @property
    def mandate_id(self) -> str | None:
        """The mandate it announces a debit on."""
        value = (self.mandate or {}).get("mandate_id")
        return str(value) if value else None


class MandateExecution(JuspayModel):
    """``POST /txns`` with a mandate: the execution's transaction, as created (``PENDING_VBV`` first)."""

    order_id: str | None = None
    txn_id: str | None = None
    txn_uuid: str | None = None
    status: str | None = None


# --- the stored debit and its events ----------------------------------------------------------------------
class MandateDebit(BaseModel):
    """One billing cycle's debit as ``MandateDebitsTable`` keeps it (money in minor units)."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    mandate_id: str
    cycle: str
    status: str
    customer_id: str | None = None
    amount_minor: int
    currency: str = "INR"
    description: str | None = None
    object_reference_id: str
    notification_id: str | None = None
    notification_status: str | None = None
    notified_at: str | None = None
    debit_after: str | None = None
    order_id: str
    txn_id: str | None = None
    txn_uuid: str | None = None
    juspay_status: str | None = None
    error_code: str | None = None
    error_message: str | None = None
    executed_at: str | None = None
    final_at: str | None = None
    resolved_by: str | None = None
    #: False between a final state and its event reaching the bus (finished by the next look at it).
    published: bool = True


class MandateDebitEvent(BaseModel):
    """``detail`` of ``MandateDebitSucceeded`` and ``MandateDebitFailed`` (source ``paybridge``)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    mandate_id: str
    cycle: str
    customer_id: str | None
    order_id: str
    txn_id: str | None
    amount: str
    currency: str
    status: str = Field(description="the debit's state: SUCCEEDED, FAILED or REJECTED")
    juspay_status: str | None
    error_code: str | None
    error_message: str | None
    resolved_by: str | None = Field(description="webhook, poll (the pending-order follower) or call")
