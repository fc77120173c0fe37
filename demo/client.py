"""What a merchant's engineer holds: the API (SigV4), Juspay's simulator, the bus tap, the local account."""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

import boto3
import requests
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

__all__ = ["DemoClient", "DemoError", "EventTap"]

T = TypeVar("T")
#: The local stack's documented credentials (README, "The local stack").
LOCAL_KEY = "testing"


class DemoError(Exception):
    """Something the scenario needed did not happen (a wait ran out, an answer was not the expected one)."""


class EventTap:
    """Every event that reached the bus, drained from the local event tap (an SQS queue) into one list.

    Scenarios run on several threads and share the one queue, so reads go through this object: each message
    is taken once and kept for everyone.
    """

    def __init__(self, sqs: Any, queue_url: str) -> None:
        self._sqs = sqs
        self._url = queue_url
        self._seen: list[dict[str, Any]] = []
        self._lock = threading.Lock()

    def events(self, order_id: str | None = None) -> list[dict[str, Any]]:
        """The events so far (about ``order_id`` only, when given), in arrival order."""
        with self._lock:
            while True:
                batch = self._sqs.receive_message(QueueUrl=self._url, MaxNumberOfMessages=10)
                messages = batch.get("Messages", [])
                if not messages:
                    break
                for message in messages:
                    self._seen.append(json.loads(message["Body"]))
                    self._sqs.delete_message(QueueUrl=self._url, ReceiptHandle=message["ReceiptHandle"])
            seen = list(self._seen)
        if order_id is None:
            return seen
        return [e for e in seen if (e.get("detail") or {}).get("order_id") == order_id]

    def kinds(self, order_id: str) -> list[str]:
        """``source/detail-type`` of the events about ``order_id``."""
        return [f"{e['source']}/{e['detail-type']}" for e in self.events(order_id)]


class DemoClient:
    """The local stack as its user reaches it; built from its outputs file (``.local/outputs.json``)."""

    def __init__(self, outputs: Mapping[str, Any], *, outputs_path: Path | None = None) -> None:
        self.outputs = outputs
        self.outputs_path = outputs_path
        self.region = str(outputs.get("region") or "ap-south-1")
        urls = outputs["urls"]
        self.api_url = str(urls["api"]).rstrip("/")
        self.sim_url = str(urls["juspay"]).rstrip("/")
        self._session: Any = boto3.session.Session(
            aws_access_key_id=LOCAL_KEY, aws_secret_access_key=LOCAL_KEY, region_name=self.region
        )
        self._clients: dict[str, Any] = {}
        self._clients_lock = threading.Lock()
        self.bus = EventTap(self.aws("sqs"), self.resource("LocalEventTap"))
        #: A default wait: generous, since the machine may be shared.
        self.wait_s = float(os.environ.get("DEMO_WAIT_SECONDS") or 60)

    @classmethod
    def from_file(cls, path: Path) -> DemoClient:
        """A client for the stack whose outputs file is ``path``."""
        return cls(json.loads(path.read_text(encoding="utf-8")), outputs_path=path)

    # --- AWS (read-only observation of the emulated account) ---------------------------------------------
    def aws(self, service: str) -> Any:
        """A boto3 client for the emulated account (one per service, shared)."""
        with self._clients_lock:
            if service not in self._clients:
                self._clients[service] = self._session.client(
                    service, endpoint_url=str(self.outputs["urls"]["aws"])
                )
            return self._clients[service]

    def resource(self, logical_id: str, attribute: str = "Ref") -> str:
        """A resource's physical id (``Ref``) or attribute, as the outputs file lists it."""
        return str(self.outputs["resources"][logical_id][attribute])

    # --- The merchant API (SigV4) --------------------------------------------------------------------------
    def api(self, method: str, path: str, body: Any = None) -> requests.Response:
        """One SigV4-signed call (service ``execute-api``) with the local credentials."""
        url = self.api_url + path
        data = json.dumps(body) if body is not None else ""
        request = AWSRequest(method=method, url=url, data=data, headers={"Content-Type": "application/json"})
        SigV4Auth(Credentials(LOCAL_KEY, LOCAL_KEY), "execute-api", self.region).add_auth(request)
        headers = dict(request.headers.items())
        headers["Host"] = urlsplit(url).netloc
        return requests.request(method, url, data=data or None, headers=headers, timeout=60)

    def api_json(
        self, method: str, path: str, body: Any = None, *, expect: tuple[int, ...] = (200, 201)
    ) -> Any:
        """The answer's JSON; a :class:`DemoError` for any other status than ``expect``."""
        response = self.api(method, path, body)
        if response.status_code not in expect:
            raise DemoError(f"{method} {path} answered {response.status_code}: {response.text[:300]}")
        return response.json()

    def wallet(self, customer_id: str) -> dict[str, Any] | None:
        """``GET /wallets/{customer_id}``; None when the customer has no wallet."""
        response = self.api("GET", f"/wallets/{customer_id}")
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            raise DemoError(f"GET /wallets/{customer_id} answered {response.status_code}")
        found: dict[str, Any] = response.json()
        return found

    def balance(self, customer_id: str) -> str | None:
        """The wallet's balance (``"90.00"``), or None without a wallet."""
        wallet = self.wallet(customer_id)
        return None if wallet is None else str(wallet["balance"])

    def credit(self, customer_id: str, amount: str, key: str) -> None:
        """Tops the customer's wallet up (``POST /wallets/{customer_id}/credits``)."""
        body = {"amount": amount, "currency": "INR", "idempotency_key": key}
        self.api_json("POST", f"/wallets/{customer_id}/credits", body)

    def refunds(self, order_id: str) -> list[dict[str, Any]]:
        """``GET /orders/{order_id}/refunds``: the system's own refunds of the order (no Juspay call)."""
        found: list[dict[str, Any]] = self.api_json("GET", f"/orders/{order_id}/refunds")["refunds"]
        return found

    # --- Juspay's side: the simulator's control API ---------------------------------------------------------
    def sim(self, method: str, path: str, body: Any = None, *, expect: tuple[int, ...] = (200, 201)) -> Any:
        """A ``/__sim/`` control call (JSON in and out)."""
        response = requests.request(method, self.sim_url + path, json=body, timeout=90)
        if response.status_code not in expect:
            raise DemoError(
                f"simulator {method} {path} answered {response.status_code}: {response.text[:300]}"
            )
        return response.json()

    def put_order(self, order: Mapping[str, Any]) -> None:
        """Juspay holds ``order`` (Order Status shape) from now on."""
        self.sim("PUT", f"/__sim/orders/{order['order_id']}", dict(order))

    def deliver(self, order_id: str, event_name: str) -> dict[str, Any]:
        """Juspay sends the order's webhook now (resent until 200, as Juspay does); the delivery record."""
        delivery: dict[str, Any] = self.sim(
            "POST", f"/__sim/orders/{order_id}/webhook", {"event_name": event_name}
        )
        if not delivery.get("delivered"):
            raise DemoError(f"{event_name} for {order_id} was not accepted: {delivery.get('attempts')}")
        return delivery

    def juspay_requests(self) -> list[dict[str, Any]]:
        """Every Juspay API call the simulator received so far, in order."""
        found: list[dict[str, Any]] = self.sim("GET", "/__sim/requests")
        return found

    def txn_refund_calls(self, txn_id: str) -> list[dict[str, Any]]:
        """The Txn-ID refund calls (``POST /refunds``) Juspay received for transaction ``txn_id``."""
        return [
            r
            for r in self.juspay_requests()
            if r.get("path") == "/refunds" and (r.get("form") or {}).get("txn_id") == txn_id
        ]

    def webhook_deliveries(self, order_id: str) -> list[dict[str, Any]]:
        """The simulator's webhook deliveries for ``order_id``."""
        log: list[dict[str, Any]] = self.sim("GET", "/__sim/webhooks")
        return [d for d in log if d.get("order_id") == order_id]

    # --- Waiting --------------------------------------------------------------------------------------------
    def eventually(self, predicate: Callable[[], T | None], what: str, timeout_s: float | None = None) -> T:
        """Polls ``predicate`` until it answers something truthy and returns it; DemoError after the wait"""
        deadline = time.monotonic() + (timeout_s or self.wait_s)
        while True:
            value = predicate()
            if value:
                return value
            if time.monotonic() > deadline:
                raise DemoError(f"timed out waiting for {what}")
            time.sleep(0.2)

    def event(self, order_id: str, detail_type: str, timeout_s: float | None = None) -> dict[str, Any]:
        """Waits for the first ``detail_type`` event about ``order_id`` on the bus and returns it."""

        def found() -> dict[str, Any] | None:
            matching = [e for e in self.bus.events(order_id) if e["detail-type"] == detail_type]
            return matching[0] if matching else None

        return self.eventually(found, f"{detail_type} for {order_id} on the bus", timeout_s)

    def balance_becomes(self, customer_id: str, balance: str) -> None:
        """Waits until the customer's wallet balance is ``balance``."""
        self.eventually(lambda: self.balance(customer_id) == balance, f"{customer_id}'s balance {balance}")
