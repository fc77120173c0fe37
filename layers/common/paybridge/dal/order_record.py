"""An order's settlement record as a value: the orders table's item, read and written by ``dal/orders.py``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

__all__ = ["FINAL_STATUSES", "ORDER_FIELDS", "OrderRecord", "OrderStatus", "Transition", "record_from_item"]


class OrderStatus(StrEnum):
    """Settlement status of an order."""

    RECEIVED = "RECEIVED"  # an event arrived; Juspay not asked yet (or the call failed)
    PENDING = "PENDING"
    SETTLED = "SETTLED"  # the wallet share is debited
    FAILED = "FAILED"
    CANCELLED = "CANCELLED"  # the wallet share could not be debited; the online part is to be refunded
    NO_WALLET = "NO_WALLET"
    MISMATCH = "MISMATCH"  # amounts or currencies do not add up: nothing debited, alarmed
    UNKNOWN = "UNKNOWN"  # a status the settlement table does not cover: nothing debited, counted
    STALE = "STALE"  # followed until the deadline while still pending: nothing debited, alarmed
    ABANDONED = "ABANDONED"  # no payment attempt before the order could no longer be paid: counted, no alarm
    REFUNDED = "REFUNDED"  # the online part was refunded in full before settlement: nothing debited
    REVIEW = "REVIEW"  # refunded in part before settlement: nothing debited, alarmed for a person


FINAL_STATUSES = frozenset({OrderStatus.SETTLED, OrderStatus.CANCELLED, OrderStatus.REFUNDED})

#: Record attributes a caller may set with a status (amounts in minor units).
ORDER_FIELDS = (
    "customer_id",
    "currency",
    "amount_minor",
    "online_minor",
    "wallet_minor",
    "wallet_txn_id",
    "online_txn_id",
    "cod",
    "juspay_status",
    "reason",
    "last_event_id",
    "refunded_minor",
)


@dataclass(frozen=True)
class OrderRecord:
    """An order's settlement record."""

    order_id: str
    status: OrderStatus
    created_at: str
    updated_at: str
    version: int
    customer_id: str | None = None
    currency: str | None = None
    amount_minor: int | None = None
    online_minor: int | None = None
    wallet_minor: int | None = None
    wallet_txn_id: str | None = None
    online_txn_id: str | None = None
    cod: bool = False
    juspay_status: str | None = None
    reason: str | None = None
    last_event_id: str | None = None
    #: What Juspay had refunded (SUCCESS) of the online transaction when REFUNDED or REVIEW was recorded.
    refunded_minor: int | None = None
    settled_at: str | None = None
    cancelled_at: str | None = None
    published_status: str | None = None
    publish_claimed_at: str | None = None
    #: The delivery (bus event id) that settled the order and published its events in the same invocation.
    published_by: str | None = None
    #: What was signed for the SDK (``dal/signed_orders.py``), when the order was signed here.
    signed_customer_id: str | None = None
    signed_currency: str | None = None
    signed_amount_minor: int | None = None
    signed_wallet_offered_minor: int | None = None
    #: An amount sent to Juspay's Update Order whose outcome is not known yet (``logic/update_order.py``).
    signed_amount_pending_minor: int | None = None

    @property
    def routing_customer_id(self) -> str | None:
        """The order's customer as far as this system knows (Juspay's ``x-routing-id``); None: a guest."""
        return self.customer_id or self.signed_customer_id

    @property
    def is_final(self) -> bool:
        """True once SETTLED, CANCELLED or REFUNDED."""
        return self.status in FINAL_STATUSES

    @property
    def events_published(self) -> bool:
        """True when the current status's events are on the bus."""
        return self.published_status == self.status.value


@dataclass(frozen=True)
class Transition:
    """Result of a status write: ``changed`` is False when the record was final or had that status."""

    changed: bool
    record: OrderRecord | None


def record_from_item(item: Mapping[str, Any]) -> OrderRecord:
    """A table item as its record."""

    def text(name: str) -> str | None:
        value = item.get(name)
        return str(value) if value is not None else None

    def number(name: str) -> int | None:
        value = item.get(name)
        return int(value) if value is not None else None

    return OrderRecord(
        order_id=str(item["order_id"]),
        status=OrderStatus(str(item.get("status", OrderStatus.RECEIVED.value))),
        created_at=str(item.get("created_at", "")),
        updated_at=str(item.get("updated_at", "")),
        version=int(item.get("version", 0)),
        customer_id=text("customer_id"),
        currency=text("currency"),
        amount_minor=number("amount_minor"),
        online_minor=number("online_minor"),
        wallet_minor=number("wallet_minor"),
        wallet_txn_id=text("wallet_txn_id"),
        online_txn_id=text("online_txn_id"),
        cod=bool(item.get("cod", False)),
        juspay_status=text("juspay_status"),
        reason=text("reason"),
        last_event_id=text("last_event_id"),
        refunded_minor=number("refunded_minor"),
        settled_at=text("settled_at"),
        cancelled_at=text("cancelled_at"),
        published_status=text("published_status"),
        publish_claimed_at=text("publish_claimed_at"),
        published_by=text("published_by"),
        signed_customer_id=text("signed_customer_id"),
        signed_currency=text("signed_currency"),
        signed_amount_minor=number("signed_amount_minor"),
        signed_wallet_offered_minor=number("signed_wallet_offered_minor"),
        signed_amount_pending_minor=number("signed_amount_pending_minor"),
    )
