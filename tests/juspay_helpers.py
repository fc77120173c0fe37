"""Shared helpers for the Juspay client, model and simulator tests (fixtures: each folder's conftest)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import requests
from pydantic import SecretStr

from paybridge.config import JuspayConfig
from paybridge.juspay import JuspayClient, build_session
from paybridge.juspay.jwe import JweKeys
from paybridge.models.juspay import loads_juspay_json
from paybridge_local.simulator import JuspaySimulator
from tests.helpers import SAMPLES

#: Distinctive so a leak is easy to spot in any captured text.
API_KEY = "sim_KEY_d0e5f1a2b3c4_must_never_leak"
MERCHANT_ID = "paybridge_test"


def samples_dir() -> Path:
    """``../shared/juspay-samples`` relative to the repository root (official Juspay payloads)."""
    return SAMPLES


def load_sample(name: str) -> Any:
    """A sample parsed the way the client parses Juspay bodies (``Decimal``, never float)."""
    return loads_juspay_json((samples_dir() / name).read_text(encoding="utf-8"))


def strict_json_samples(*prefixes: str) -> list[str]:
    """Names of samples starting with one of ``prefixes`` that are valid JSON (the index marks the rest)."""
    names = []
    for path in sorted(samples_dir().glob("*.json")):
        if not path.name.startswith(prefixes):
            continue
        try:
            json.loads(path.read_text(encoding="utf-8"))
        except ValueError:
            continue
        names.append(path.name)
    return names


def start_simulator(**kwargs: Any) -> JuspaySimulator:
    """A started simulator with the test key and merchant id, fast webhook resends."""
    options: dict[str, Any] = {
        "api_key": API_KEY,
        "merchant_id": MERCHANT_ID,
        "webhook_max_attempts": 3,
        "webhook_backoff_s": 0.01,
        "webhook_timeout_s": 2.0,
    }
    options.update(kwargs)
    return JuspaySimulator(**options).start()


def make_client(
    base_url: str, *, api_key: str = API_KEY, jwe_keys: JweKeys | None = None, **config: Any
) -> JuspayClient:
    """A client for ``base_url`` with short timeouts and near-zero backoff (tests stay fast).

    ``jwe_keys`` with ``api_mode="encrypted"`` for Juspay's encrypted API."""
    settings: dict[str, Any] = {
        "base_url": base_url,
        "merchant_id": MERCHANT_ID,
        "connect_timeout_s": 1.0,
        "read_timeout_s": 0.5,
        "max_retries": 2,
    }
    settings.update(config)
    return JuspayClient(
        JuspayConfig(**settings),
        SecretStr(api_key),
        session=build_session(),
        backoff_factor=0.01,
        backoff_jitter=0.01,
        backoff_max=0.05,
        jwe_keys=jwe_keys,
    )


class SimControl:
    """Thin wrapper over the simulator's control API, as a test or the demo drives it."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.http = requests.Session()

    def put_order(self, order: dict[str, Any], order_id: str | None = None) -> requests.Response:
        oid = order_id or order["order_id"]
        return self.http.put(f"{self.url}/__sim/orders/{oid}", data=json.dumps(order, default=str))

    def put_sample(self, name: str, **changes: Any) -> dict[str, Any]:
        order = load_sample(name)
        assert isinstance(order, dict)
        order.update(changes)
        response = self.put_order(order)
        assert response.status_code == 200, response.text
        return order

    def fault(self, **spec: Any) -> dict[str, Any]:
        response = self.http.post(f"{self.url}/__sim/faults", json=spec)
        assert response.status_code == 201, response.text
        body: dict[str, Any] = response.json()
        return body

    def requests_log(self) -> list[dict[str, Any]]:
        body: list[dict[str, Any]] = self.http.get(f"{self.url}/__sim/requests").json()
        return body

    def settle(self, unique_request_id: str, status: str) -> requests.Response:
        return self.http.post(f"{self.url}/__sim/refunds/{unique_request_id}", json={"status": status})


class WebhookReceiver:
    """A tiny HTTP server on 127.0.0.1 that answers the queued statuses in turn (then 200)."""

    def __init__(self, statuses: list[int] | None = None) -> None:
        self.statuses = list(statuses or [])
        self.received: list[dict[str, Any]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                receiver.received.append(
                    {"headers": {k.lower(): v for k, v in self.headers.items()}, "body": body}
                )
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05})

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/webhooks/juspay"

    @contextmanager
    def running(self) -> Iterator[WebhookReceiver]:
        self.thread.start()
        try:
            yield self
        finally:
            self.server.shutdown()
            self.server.server_close()
