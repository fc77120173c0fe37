"""What was signed for an order, kept on the order's record in the orders table (``signed_*`` attributes).

Settlement compares Juspay's reports with these. An order id is signed for one set of terms only: signing it
again with the same terms is a harmless repeat (the app retried), with other terms it is refused.

The merchant API's Update Order changes the signed amount in two conditional steps around Juspay's call
(``logic/update_order.py``): ``begin_amount_update`` stores the new amount as *pending* (settlement accepts
the signed or the pending amount), then ``confirm_amount_update`` makes it the signed amount, or
``abandon_amount_update`` drops it when Juspay refused.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from paybridge.dal.dynamo import to_item, update_if
from paybridge.dal.orders import FINAL_STATUSES
from paybridge.dal.touched import TOUCH_SET, touched_values
from paybridge.errors import ConflictError

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

    from paybridge.models.signed_order import SignedOrder


class SignedOrdersRepository:
    """Writes the ``signed_*`` attributes of an order record (other attributes belong to settlement)."""

    def __init__(self, client: DynamoDBClient, table_name: str) -> None:
        self._client = client
        self.table_name = table_name

    def record(self, order: SignedOrder) -> None:
        """Stores the signed terms; raises ``ConflictError`` if the order id was signed with other terms."""
        recorded = update_if(
            self._client,
            table_name=self.table_name,
            key={"order_id": order.order_id},
            expression=(
                "SET signed_customer_id = :customer, signed_amount_minor = :amount,"
                " signed_currency = :currency, signed_wallet_offered_minor = :wallet,"
                " signed_wallet_payment_method = :method,"
                " signed_merchant_key_id = :key, signed_at = :at,"
                " first_signed_at = if_not_exists(first_signed_at, :at)"
                + (", order_expires_at = :expires" if order.expires_at else "")
                # An order signed and never heard of again is still reconciled (ByTouchedHour).
                + f", {TOUCH_SET}"
            ),
            condition=(
                "attribute_not_exists(signed_amount_minor) OR (signed_amount_minor = :amount"
                " AND signed_customer_id = :customer AND signed_currency = :currency)"
            ),
            values={
                ":customer": order.customer_id,
                ":amount": order.amount_minor,
                ":currency": order.currency,
                ":wallet": order.wallet_offered_minor,
                ":method": order.wallet_payment_method,
                ":key": order.merchant_key_id,
                ":at": order.signed_at.isoformat(),
                **({":expires": order.expires_at.isoformat()} if order.expires_at else {}),
                **touched_values(order.signed_at),
            },
        )
        if not recorded:
            raise ConflictError(
                "order_id was already signed with a different amount, currency or customer",
                details={"field": "order_id"},
            )

    def order_expiry(self, order_id: str) -> datetime | None:
        """When the order signed here can no longer be paid; None when it was not signed here."""
        response = self._client.get_item(
            TableName=self.table_name,
            Key=to_item({"order_id": order_id}),
            ProjectionExpression="order_expires_at",
            ConsistentRead=True,
        )
        value = response.get("Item", {}).get("order_expires_at", {}).get("S")
        return datetime.fromisoformat(value) if value else None

    def begin_amount_update(self, order_id: str, *, signed_minor: int, new_minor: int, now: datetime) -> bool:
        """Stores ``new_minor`` as the pending amount. False when the signed amount is no longer
        ``signed_minor``, another update is pending, or the order is final (settled, cancelled, ...)."""
        finals = {f":final{i}": status.value for i, status in enumerate(sorted(FINAL_STATUSES))}
        return update_if(
            self._client,
            table_name=self.table_name,
            key={"order_id": order_id},
            expression="SET signed_amount_pending_minor = :new, signed_amount_pending_at = :now",
            condition=(
                "signed_amount_minor = :signed AND attribute_not_exists(signed_amount_pending_minor)"
                f" AND (attribute_not_exists(#status) OR NOT (#status IN ({', '.join(finals)})))"
            ),
            values={":new": new_minor, ":signed": signed_minor, ":now": now.isoformat(), **finals},
            names={"#status": "status"},
        )

    def confirm_amount_update(self, order_id: str, *, new_minor: int, now: datetime) -> bool:
        """Juspay has ``new_minor``: it becomes the signed amount. False when it is not the pending amount."""
        return update_if(
            self._client,
            table_name=self.table_name,
            key={"order_id": order_id},
            expression=(
                "SET signed_amount_minor = :new, signed_amount_updated_at = :now"
                " REMOVE signed_amount_pending_minor, signed_amount_pending_at"
            ),
            condition="signed_amount_pending_minor = :new",
            values={":new": new_minor, ":now": now.isoformat()},
        )

    def abandon_amount_update(self, order_id: str, *, new_minor: int) -> bool:
        """Juspay does not have ``new_minor``: the signed amount stays. False when it is not pending."""
        return update_if(
            self._client,
            table_name=self.table_name,
            key={"order_id": order_id},
            expression="REMOVE signed_amount_pending_minor, signed_amount_pending_at",
            condition="signed_amount_pending_minor = :new",
            values={":new": new_minor},
        )
