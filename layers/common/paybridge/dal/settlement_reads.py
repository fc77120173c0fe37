"""Settlement's one read: the order's record, the customer's wallet and the order's pending-order item in
one ``BatchGetItem``.

The debit has to read the wallet anyway (its ``entry_count`` numbers the new ledger entry), and the webhook
names the customer, so the rest comes in the same call: the order record tells a closed order (no Juspay
call, no debit attempt) and the signed terms; the pending-order item tells whether a follower has to be
told (``logic/pending_orders.py``) or the order was never followed (the debit's transaction then records
the resolution itself, ``PendingOrdersRepository.resolution_update``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from paybridge.dal.dynamo import from_item, to_item
from paybridge.dal.ledger_items import WALLET_SK, wallet_from_item, wallet_pk
from paybridge.dal.ledger_table import WalletRead
from paybridge.dal.order_record import OrderRecord, record_from_item
from paybridge.errors import DependencyUnavailableError

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

__all__ = ["SettlementRead", "read_for_settlement"]

#: BatchGetItem may leave keys unprocessed under throttling: asked again this many times, then an error.
_ROUNDS = 5


@dataclass(frozen=True)
class SettlementRead:
    """What settlement read before asking Juspay. ``follow`` is the pending-order item (None: the order was
    never followed) and ``follow_read`` whether it was read at all."""

    record: OrderRecord | None
    wallet: WalletRead
    follow: dict[str, Any] | None = None
    follow_read: bool = False


def read_for_settlement(
    client: DynamoDBClient,
    *,
    orders_table: str,
    ledger_table: str,
    pending_table: str | None,
    order_id: str,
    customer_id: str,
) -> SettlementRead:
    """The order's record, ``customer_id``'s wallet and (with ``pending_table``) the pending-order item, all
    strongly consistent, in one call (more only when DynamoDB leaves keys unprocessed)."""
    order_key = to_item({"order_id": order_id})
    request: dict[str, Any] = {
        orders_table: {"Keys": [order_key], "ConsistentRead": True},
        ledger_table: {
            "Keys": [to_item({"pk": wallet_pk(customer_id), "sk": WALLET_SK})],
            "ConsistentRead": True,
        },
    }
    if pending_table is not None:
        request[pending_table] = {"Keys": [order_key], "ConsistentRead": True}
    found: dict[str, list[dict[str, Any]]] = {}
    for _ in range(_ROUNDS):
        response = client.batch_get_item(RequestItems=request)
        for table, items in response.get("Responses", {}).items():
            found.setdefault(table, []).extend(items)
        request = dict(response.get("UnprocessedKeys") or {})
        if not request:
            break
    else:
        # Throttled every round: the invocation fails and Lambda retries the event.
        raise DependencyUnavailableError("DynamoDB left the settlement read unprocessed; retry")
    orders = found.get(orders_table, [])
    wallets = found.get(ledger_table, [])
    follows = found.get(pending_table, []) if pending_table is not None else []
    return SettlementRead(
        record=record_from_item(from_item(orders[0])) if orders else None,
        wallet=WalletRead(customer_id, wallet_from_item(from_item(wallets[0])) if wallets else None),
        follow=from_item(follows[0]) if follows else None,
        follow_read=pending_table is not None,
    )
