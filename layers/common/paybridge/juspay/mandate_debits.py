"""Juspay's recurring-debit calls on a mandate, made through the one client (same auth, headers, retries,
errors): ``command=pre_debit_notify``, ``GET /notifications/{id}`` and ``POST /txns`` with the mandate.

Kept beside the client rather than in it: the client module is about orders, refunds and mandate state.
Routing: every call carries the mandate's customer id in ``x-routing-id``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from urllib.parse import quote

from paybridge.juspay.calls import parse_answer
from paybridge.juspay.client import JuspayClient
from paybridge.juspay.wire import format_amount
from paybridge.models.mandate_debit import MandateExecution, Notification

__all__ = ["MandateDebitCalls"]


class MandateDebitCalls:
    """The three calls of a recurring debit, over a ``JuspayClient`` or a function giving the client of the
    moment (handlers: the API key is re-read through its cache, so a rotated key is picked up)."""

    def __init__(self, client: JuspayClient | Callable[[], JuspayClient]) -> None:
        self._factory: Callable[[], JuspayClient] = client if callable(client) else (lambda: client)

    @property
    def _client(self) -> JuspayClient:
        return self._factory()

    def pre_debit_notify(
        self,
        mandate_id: str,
        *,
        customer_id: str,
        object_reference_id: str,
        amount: Decimal,
        txn_date: int,
        description: str,
    ) -> Notification:
        """``POST /mandates/{id}`` ``command=pre_debit_notify``: tells the customer the amount and date
        (``txn_date``, epoch seconds). Not retried once sent (a repeat sends the customer a second SMS)."""
        source_info = json.dumps({"amount": format_amount(amount), "txn_date": str(txn_date)})
        data = self._client.caller.call(
            "mandate_pre_debit_notify",
            "POST",
            f"/mandates/{quote(mandate_id, safe='')}",
            routing_id=customer_id,
            retry=self._client.single_shot,
            form={
                "command": "pre_debit_notify",
                "object_reference_id": object_reference_id,
                "description": description,
                "source_info": source_info,
            },
        )
        return parse_answer("mandate_pre_debit_notify", Notification, data)

    def notification_status(self, notification_id: str, *, customer_id: str) -> Notification:
        """``GET /notifications/{id}``: the notification's status now (it reads: retried)."""
        data = self._client.caller.call(
            "notification_status",
            "GET",
            f"/notifications/{quote(notification_id, safe='')}",
            routing_id=customer_id,
            retry=self._client.idempotent,
        )
        return parse_answer("notification_status", Notification, data)

    def execute(
        self,
        mandate_id: str,
        *,
        customer_id: str,
        order_id: str,
        amount: Decimal,
        notification_id: str,
        execution_date: int,
    ) -> MandateExecution:
        """``POST /txns`` with the mandate (Juspay's execution request): creates the execution order and its
        transaction. Sent once, never retried after it left: a repeat on the same order id would be a
        second payment attempt, that is a second debit."""
        data = self._client.caller.call(
            "mandate_execute",
            "POST",
            "/txns",
            routing_id=customer_id,
            retry=self._client.single_shot,
            form={
                "order.order_id": order_id,
                "order.amount": format_amount(amount),
                "order.customer_id": customer_id,
                "mandate_id": mandate_id,
                "mandate.notification_id": notification_id,
                "mandate.execution_date": str(execution_date),
                "merchant_id": self._client.merchant_id,
                "format": "json",
            },
        )
        return parse_answer("mandate_execute", MandateExecution, data)
