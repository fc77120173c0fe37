"""Settlement's one read: the order's record and the customer's wallet in one ``BatchGetItem``.

The debit has to read the wallet anyway (its ``entry_count`` numbers the new ledger entry), and the webhook
names the customer, so the order record comes in the same call: it tells a closed order (no Juspay call,
no debit attempt), the signed terms and, for an event without a customer, Juspay's routing id.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from paybridge.dal.dynamo import from_item, to_item
from paybridge.dal.ledger_table import WALLET_SK, WalletRead, wallet_from_item, wallet_pk
from paybridge.dal.order_record import OrderRecord, record_from_item
from paybridge.errors import DependencyUnavailableError

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient

__all__ = ["read_order_and_wallet"]

#: BatchGetItem may leave keys unprocessed under throttling: asked again this many times, then an error.
_ROUNDS = 5


def read_order_and_wallet(
    client: DynamoDBClient, *, orders_table: str, ledger_table: str, order_id: str, customer_id: str
) -> tuple[OrderRecord | None, WalletRead]:
    """The order's record (None: none yet) and ``customer_id``'s wallet, both strongly consistent."""
    order_key = to_item({"order_id": order_id})
    wallet_key = to_item({"pk": wallet_pk(customer_id), "sk": WALLET_SK})
    request: dict[str, Any] = {
        orders_table: {"Keys": [order_key], "ConsistentRead": True},
        ledger_table: {"Keys": [wallet_key], "ConsistentRead": True},
    }
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
    record = record_from_item(from_item(orders[0])) if orders else None
    wallet = wallet_from_item(from_item(wallets[0])) if wallets else None
    return record, WalletRead(customer_id, wallet)
