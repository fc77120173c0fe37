"""Helpers for settlement tests on the moto stack: signed merchant API calls, bus events, ledger reads."""

from __future__ import annotations

import json
from typing import Any

import requests
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from werkzeug.wrappers import Response

from paybridge_local.api_gateway import LocalApiGateway
from paybridge_local.simulator import JuspaySimulator
from paybridge_local.stack import LocalStack
from tests.helpers import bus_events, http

REGION = "ap-south-1"
HOST = "localhost"


def signed_headers(method: str, path: str, body: bytes = b"", *, secret: str = "testing") -> dict[str, str]:
    """SigV4 headers for ``http://localhost{path}`` (the gateway checks the Host header it receives)."""
    request = AWSRequest(method=method, url=f"http://{HOST}{path}", data=body, headers={"Host": HOST})
    if body:
        request.headers["Content-Type"] = "application/json"
    SigV4Auth(Credentials("testing", secret), "execute-api", REGION).add_auth(request)
    return dict(request.headers.items())


def signed(gateway: LocalApiGateway, method: str, path: str, body: Any = None) -> Response:
    """A signed call of the merchant API through the local gateway."""
    data = b"" if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
    return http(gateway, method, path, body=data or None, headers=signed_headers(method, path, data))


def credit(gateway: LocalApiGateway, customer: str, amount: str, key: str, currency: str = "INR") -> Response:
    """POST /wallets/{customer}/credits, signed."""
    body = {"amount": amount, "currency": currency, "idempotency_key": key}
    return signed(gateway, "POST", f"/wallets/{customer}/credits", body)


def put_order(simulator: JuspaySimulator, order: dict[str, Any]) -> None:
    """Stores the order in the simulator (what Get Order Status will answer)."""
    response = requests.put(f"{simulator.url}/__sim/orders/{order['order_id']}", json=order, timeout=10)
    assert response.status_code in (200, 201), response.text


def publish_order_event(stack: LocalStack, order: dict[str, Any], *, event_id: str, name: str) -> None:
    """Puts a Juspay order event on the bus the way ingestion does (routing fields in the detail)."""
    detail = {
        "event_id": event_id,
        "event_name": name,
        "order_id": order["order_id"],
        "customer_id": order.get("customer_id"),
        "status": order["status"],
    }
    response = stack.session.client("events").put_events(
        Entries=[
            {
                "Source": "juspay",
                "DetailType": name,
                "Detail": json.dumps(detail),
                "EventBusName": stack.output("EventBus"),
            }
        ]
    )
    assert response["FailedEntryCount"] == 0


#: The events settlement publishes (other functions react to some and publish their own).
SETTLEMENT_EVENTS = frozenset(
    {"OrderSettled", "OrderCancelled", "RefundRequested", "OrderPending", "OrderFailed"}
)


def domain_events(stack: LocalStack) -> list[dict[str, Any]]:
    """Every settlement event on the bus so far (drained from the local event tap), in arrival order."""
    return [
        e for e in bus_events(stack) if e["source"] == "paybridge" and e["detail-type"] in SETTLEMENT_EVENTS
    ]


def order_record(stack: LocalStack, order_id: str) -> dict[str, Any]:
    """The settlement record, as plain values."""
    from paybridge.dal.dynamo import from_item

    item = stack.session.client("dynamodb").get_item(
        TableName=stack.output("OrdersTable"), Key={"order_id": {"S": order_id}}, ConsistentRead=True
    )["Item"]
    return from_item(item)


def ledger_items(stack: LocalStack) -> list[dict[str, Any]]:
    """Every item of the ledger table."""
    from paybridge.dal.dynamo import from_item

    client = stack.session.client("dynamodb")
    return [from_item(i) for i in client.scan(TableName=stack.output("LedgerTable"))["Items"]]


def dead_letters(stack: LocalStack) -> list[dict[str, Any]]:
    """Messages in the rule targets' dead-letter queue."""
    sqs = stack.session.client("sqs")
    url = stack.output("RuleTargetDeadLetterQueue")
    messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
    return [json.loads(m["Body"]) for m in messages]
