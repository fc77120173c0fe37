"""What the simulator's recurring-debit modules share: what they need of the simulator, the mandate and
amount rules Juspay applies to notifications and executions, and webhook delivery of their events.

Imports nothing from the product: it is Juspay's side.
"""

from __future__ import annotations

import copy
import uuid
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any, Protocol

from paybridge_local.simulator.errors import JsonDict, SimError, control_error, envelope, not_found
from paybridge_local.simulator.state import SimulatorState
from paybridge_local.simulator.wire import now_iso


class Simulator(Protocol):
    """What the recurring-debit modules need of ``JuspaySimulator``."""

    state: SimulatorState
    merchant_id: str
    webhook_url: str | None

    @property
    def url(self) -> str:
        """The simulator's base URL."""
        ...

    def deliver_webhook(self, event: JsonDict) -> JsonDict:
        """Delivers one webhook event."""
        ...


def active_mandate(sim: Simulator, mandate_id: str) -> JsonDict:
    """A copy of the stored mandate; Juspay's 404 when unknown, its 400 when not ACTIVE."""
    with sim.state.lock:
        mandate = sim.state.mandates.get(mandate_id)
        if mandate is None:
            raise not_found("Mandate", mandate_id)
        if mandate.get("status") != "ACTIVE":
            raise SimError(
                400,
                envelope("invalid.mandate.state", f"Mandate is {mandate.get('status')}; it must be ACTIVE"),
            )
        return copy.deepcopy(mandate)


def deliver(sim: Simulator, content: JsonDict, event_name: str) -> JsonDict:
    """Builds a webhook event around ``content``, remembers it for redelivery, and delivers it."""
    event: JsonDict = {
        "id": f"evt_V2_{uuid.uuid4().hex}",
        "event_name": event_name,
        "date_created": now_iso(),
        "content": content,
    }
    with sim.state.lock:
        sim.state.webhook_book.events[event["id"]] = copy.deepcopy(event)
    return send(sim, event)


def send(sim: Simulator, event: JsonDict) -> JsonDict:
    """Delivers a built event (409 when the simulator has no webhook URL)."""
    if not sim.webhook_url:
        raise control_error(409, "no webhook URL configured (LOCAL_SIM_WEBHOOK_URL)")
    return sim.deliver_webhook(event)


def amount(raw: Any) -> Decimal:
    """A positive amount, or Juspay's 400."""
    try:
        value = Decimal(str(raw).strip())
    except InvalidOperation:
        raise refused("invalid.amount", "Amount is invalid.") from None
    if not value.is_finite() or value <= 0:
        raise refused("invalid.amount", "Amount is invalid.")
    return value


def within_max(mandate: Mapping[str, Any], value: Decimal) -> None:
    """Juspay's 400 when ``value`` is over the mandate's ``max_amount``."""
    limit = mandate.get("max_amount")
    if limit is not None and value > Decimal(str(limit)):
        raise refused("invalid.amount", "Amount is over the mandate's max_amount.")


def refused(error_code: str, message: str) -> SimError:
    """Juspay's 400 with its error envelope."""
    return SimError(400, envelope(error_code, message))
