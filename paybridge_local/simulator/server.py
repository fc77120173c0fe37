"""HTTP front of the Juspay simulator: Juspay's API (Basic auth) plus an unauthenticated control API.

Juspay API: ``GET/POST /orders/{id}``, ``POST /orders/{id}/refunds``, ``POST /refunds``,
``POST /mandates/{id}``, ``GET /customers/{id}/mandates``, ``POST /session``.
Control API (JSON in and out, under ``/__sim/``): see ``docs/juspay-client-and-simulator.md``.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import os
import re
import signal
import socket
import threading
import time
from collections.abc import Callable
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import FrameType
from typing import Any
from urllib.parse import parse_qsl, unquote, urlencode

import requests

from paybridge_local.simulator.jwe import JweGateway
from paybridge_local.simulator.mandate_debits import MandateDebits
from paybridge_local.simulator.state import (
    JsonDict,
    SimError,
    SimulatorState,
    control_error,
    envelope,
)

__all__ = ["DEFAULT_API_KEY", "DEFAULT_MERCHANT_ID", "DEFAULT_PORT", "JuspaySimulator", "dumps_json", "main"]

DEFAULT_PORT = 4010
DEFAULT_API_KEY = "sim_test_api_key"
DEFAULT_MERCHANT_ID = "paybridge_local"

log = logging.getLogger("paybridge_local.simulator")


def dumps_json(value: Any) -> bytes:
    """JSON with ``Decimal`` written as a JSON number (``json.dumps`` cannot, and a float would round)."""
    return _encode(value).encode("utf-8")


def _encode(value: Any) -> str:
    if isinstance(value, dict):
        return "{" + ",".join(f"{json.dumps(str(k))}:{_encode(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "[" + ",".join(_encode(v) for v in value) + "]"
    if isinstance(value, Decimal):
        return format(value, "f")
    return json.dumps(value)


Route = tuple[str, re.Pattern[str], str]


def _routes(spec: list[tuple[str, str, str]]) -> list[Route]:
    return [(method, re.compile(f"^{pattern}$"), handler) for method, pattern, handler in spec]


_SEGMENT = r"(?P<{}>[^/]+)"
_API_ROUTES = _routes(
    [
        ("GET", "/orders/" + _SEGMENT.format("order_id"), "api_get_order"),
        ("POST", "/orders/" + _SEGMENT.format("order_id"), "api_update_order"),
        ("POST", "/orders/" + _SEGMENT.format("order_id") + "/refunds", "api_refund_order"),
        ("POST", "/refunds", "api_refund_txn"),
        ("POST", "/mandates/" + _SEGMENT.format("mandate_id"), "api_mandate_command"),
        ("GET", "/customers/" + _SEGMENT.format("customer_id") + "/mandates", "api_list_mandates"),
        ("POST", "/session", "api_session"),
    ]
)
_CONTROL_ROUTES = _routes(
    [
        ("GET", "/__sim/health", "ctl_health"),
        ("POST", "/__sim/reset", "ctl_reset"),
        ("PUT", "/__sim/orders/" + _SEGMENT.format("order_id"), "ctl_put_order"),
        ("GET", "/__sim/orders/" + _SEGMENT.format("order_id"), "ctl_get_order"),
        ("POST", "/__sim/orders/" + _SEGMENT.format("order_id") + "/webhook", "ctl_webhook"),
        ("POST", "/__sim/orders/" + _SEGMENT.format("order_id") + "/refunds", "ctl_add_refund"),
        ("GET", "/__sim/webhooks", "ctl_webhooks"),
        ("POST", "/__sim/webhooks/" + _SEGMENT.format("event_id") + "/redeliver", "ctl_redeliver"),
        ("POST", "/__sim/faults", "ctl_add_fault"),
        ("GET", "/__sim/faults", "ctl_list_faults"),
        ("DELETE", "/__sim/faults", "ctl_clear_faults"),
        ("GET", "/__sim/requests", "ctl_requests"),
        ("DELETE", "/__sim/requests", "ctl_clear_requests"),
        ("GET", "/__sim/refunds", "ctl_list_refunds"),
        ("GET", "/__sim/routing-violations", "ctl_routing_violations"),
        ("DELETE", "/__sim/routing-violations", "ctl_clear_routing_violations"),
        ("POST", "/__sim/refunds/" + _SEGMENT.format("unique_request_id"), "ctl_settle_refund"),
        ("GET", "/__sim/refunds/" + _SEGMENT.format("unique_request_id"), "ctl_get_refund"),
        ("PUT", "/__sim/mandates/" + _SEGMENT.format("mandate_id"), "ctl_put_mandate"),
    ]
)


class _Request:
    """One parsed request: what handlers need, nothing of the socket."""

    def __init__(self, method: str, path: str, query: dict[str, str], headers: dict[str, str], body: bytes):
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.body = body

    def form(self) -> dict[str, str]:
        """The form fields (last value wins), for ``application/x-www-form-urlencoded`` bodies."""
        if "json" in self.headers.get("content-type", ""):
            return {}
        return dict(parse_qsl(self.body.decode("utf-8", "replace"), keep_blank_values=True))

    def json(self) -> Any:
        """The JSON body (``Decimal`` for non-integers), or a 400."""
        if not self.body.strip():
            return None
        try:
            return json.loads(self.body, parse_float=Decimal)
        except ValueError:
            raise control_error(400, "body is not valid JSON") from None


class JuspaySimulator:
    """A threaded Juspay look-alike bound to 127.0.0.1. ``port=0`` picks a free port (see ``url``).

    Webhooks built by ``POST /__sim/orders/{id}/webhook`` go to ``webhook_url`` with Basic auth
    (``webhook_username``/``webhook_password``) and are resent on anything but HTTP 200, at most
    ``webhook_max_attempts`` times, waiting ``webhook_backoff_s * 2**n`` between attempts.
    """

    def __init__(
        self,
        *,
        port: int = 0,
        api_key: str = DEFAULT_API_KEY,
        merchant_id: str = DEFAULT_MERCHANT_ID,
        webhook_url: str | None = None,
        webhook_username: str | None = None,
        webhook_password: str | None = None,
        webhook_max_attempts: int = 5,
        webhook_backoff_s: float = 0.5,
        webhook_timeout_s: float = 5.0,
    ) -> None:
        if webhook_max_attempts < 1:
            raise ValueError("webhook_max_attempts must be >= 1")
        self.api_key = api_key
        self.merchant_id = merchant_id
        self.webhook_url = webhook_url
        self.webhook_username = webhook_username
        self.webhook_password = webhook_password
        self.webhook_max_attempts = webhook_max_attempts
        self.webhook_backoff_s = webhook_backoff_s
        self.webhook_timeout_s = webhook_timeout_s
        self.state = SimulatorState(merchant_id)
        self.jwe = JweGateway(merchant_id)
        self.debits = MandateDebits(self)  # recurring debits (mandate_debits.py)
        self._port = port
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    def __repr__(self) -> str:
        return (
            f"JuspaySimulator(url={self.url if self._server else None!r}, merchant_id={self.merchant_id!r})"
        )

    @property
    def url(self) -> str:
        """Base URL, e.g. ``http://127.0.0.1:4010`` (only once started)."""
        if self._server is None:
            raise RuntimeError("simulator is not started")
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> JuspaySimulator:
        """Binds 127.0.0.1:``port`` and serves in a daemon thread."""
        if self._server is not None:
            raise RuntimeError("simulator already started")
        server = _Server(("127.0.0.1", self._port), _Handler)
        server.simulator = self
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="juspay-sim", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stops serving, closes open connections and the listening socket."""
        server, self._server = self._server, None
        if server is None:
            return
        server.shutdown()
        server.close_connections()
        server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> JuspaySimulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- Dispatch ----------------------------------------------------------------------------------------
    def handle(self, request: _Request) -> tuple[int, Any] | None:
        """Status and JSON body for a request; None means "drop the connection without answering"."""
        try:
            if request.path.startswith("/__sim/jwe/"):
                return self._encrypted(request)
            if request.path.startswith("/__sim/"):
                claimed = self.debits.control(request.method, request.path, request.json)
                return claimed or self._route(_CONTROL_ROUTES, request, api=False)
            self.state.record_request(self._log_entry(request))
            fault = self.state.take_fault(request.method, request.path)
            if fault is not None:
                if fault["delay_ms"]:
                    time.sleep(fault["delay_ms"] / 1000)
                if fault["drop"]:
                    return None
                if fault["status"] is not None:
                    body = fault["body"] or envelope(
                        f"simulated_{fault['status']}", f"Simulated failure (HTTP {fault['status']})"
                    )
                    return fault["status"], body
            if self.jwe.owns(request.path):  # the encrypted API authenticates by its signature (jwe.py)
                return self._encrypted(request)
            self._authenticate(request)
            claimed = self.debits.api(request.method, request.path, request.form)
            return claimed or self._route(_API_ROUTES, request, api=True)
        except SimError as exc:
            return exc.status, exc.body

    def _route(self, routes: list[Route], request: _Request, *, api: bool) -> tuple[int, Any]:
        allowed = False
        for method, pattern, handler_name in routes:
            match = pattern.match(request.path)
            if match is None:
                continue
            if method != request.method:
                allowed = True
                continue
            params = {k: unquote(v) for k, v in match.groupdict().items()}
            handler: Callable[..., tuple[int, Any]] = getattr(self, handler_name)
            return handler(request, **params)
        if allowed:
            raise SimError(
                405, envelope("method_not_allowed", f"{request.method} not allowed on {request.path}")
            )
        if api:
            raise SimError(
                404, envelope("not_found", f"No such API: {request.path}", code="RESOURCE_NOT_FOUND")
            )
        raise control_error(404, f"no control operation {request.method} {request.path}")

    def _encrypted(self, request: _Request) -> tuple[int, Any]:
        return self.jwe.handle(request.method, request.path, request.headers, request.body, self._plain)

    def _plain(self, method: str, path: str, form: dict[str, str]) -> tuple[int, Any]:
        """The plain API's answer to a call the encrypted API has decrypted and authenticated."""
        body = urlencode(form).encode("utf-8")
        inner = _Request(method, path, {}, {"content-type": "application/x-www-form-urlencoded"}, body)
        try:
            return self._route(_API_ROUTES, inner, api=True)
        except SimError as exc:
            return exc.status, exc.body

    def _authenticate(self, request: _Request) -> None:
        header = request.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        user = None
        if scheme.lower() == "basic":
            try:
                user = base64.b64decode(token, validate=True).decode("utf-8").partition(":")[0]
            except (binascii.Error, UnicodeDecodeError):
                user = None
        merchant = request.headers.get("x-merchantid")
        if user != self.api_key or (merchant is not None and merchant != self.merchant_id):
            raise SimError(
                401, envelope("access_denied", "Authentication failed: invalid API key", code="UNAUTHORIZED")
            )

    @staticmethod
    def _log_entry(request: _Request) -> JsonDict:
        headers = dict(request.headers)
        if "authorization" in headers:
            headers["authorization"] = headers["authorization"].partition(" ")[0] + " ***"
        entry: JsonDict = {
            "method": request.method,
            "path": request.path,
            "query": request.query,
            "form": request.form(),
            "headers": headers,
            "routing_id": headers.get("x-routing-id"),
        }
        if "json" in headers.get("content-type", ""):
            try:
                entry["json"] = json.loads(request.body or b"null", parse_float=Decimal)
            except ValueError:
                entry["json"] = None
        return entry

    # --- Juspay API --------------------------------------------------------------------------------------
    def api_get_order(self, request: _Request, order_id: str) -> tuple[int, Any]:
        return 200, self.state.get_order(order_id)

    def api_update_order(self, request: _Request, order_id: str) -> tuple[int, Any]:
        return 200, self.state.update_order(order_id, request.form())

    def api_refund_order(self, request: _Request, order_id: str) -> tuple[int, Any]:
        return 200, self.state.refund_order(order_id, request.form())

    def api_refund_txn(self, request: _Request) -> tuple[int, Any]:
        return 200, self.state.refund_txn(request.form())

    def api_mandate_command(self, request: _Request, mandate_id: str) -> tuple[int, Any]:
        return 200, self.state.mandate_command(mandate_id, request.form())

    def api_list_mandates(self, request: _Request, customer_id: str) -> tuple[int, Any]:
        return 200, self.state.list_mandates(customer_id)

    def api_session(self, request: _Request) -> tuple[int, Any]:
        try:
            body = request.json()
        except SimError:
            body = None
        return 200, self.state.create_session(body, self.url)

    # --- Control API -------------------------------------------------------------------------------------
    def ctl_health(self, request: _Request) -> tuple[int, Any]:
        return 200, {"status": "ok", "merchant_id": self.merchant_id}

    def ctl_reset(self, request: _Request) -> tuple[int, Any]:
        self.state.reset()
        self.debits.reset()
        return 200, {"reset": True}

    def ctl_put_order(self, request: _Request, order_id: str) -> tuple[int, Any]:
        return 200, self.state.put_order(order_id, request.json())

    def ctl_get_order(self, request: _Request, order_id: str) -> tuple[int, Any]:
        return 200, self.state.get_order(order_id)

    def ctl_webhook(self, request: _Request, order_id: str) -> tuple[int, Any]:
        body = request.json()
        event = self.state.webhook_event(order_id, body)
        if isinstance(body, dict) and body.get("deliver") is False:
            # Built and remembered only: the caller delivers it later (``/__sim/webhooks/{id}/redeliver``).
            return 201, {
                "event_id": event["id"],
                "event_name": event["event_name"],
                "order_id": order_id,
                "delivered": False,
                "attempts": [],
                "event": event,
            }
        if not self.webhook_url:
            raise control_error(409, "no webhook URL configured (LOCAL_SIM_WEBHOOK_URL)")
        delivery = self.deliver_webhook(event)
        return 200, delivery

    def ctl_redeliver(self, request: _Request, event_id: str) -> tuple[int, Any]:
        event = self.state.stored_event(event_id)
        if not self.webhook_url:
            raise control_error(409, "no webhook URL configured (LOCAL_SIM_WEBHOOK_URL)")
        return 200, self.deliver_webhook(event)

    def ctl_add_refund(self, request: _Request, order_id: str) -> tuple[int, Any]:
        return 201, self.state.add_refund(order_id, request.json())

    def ctl_webhooks(self, request: _Request) -> tuple[int, Any]:
        return 200, self.state.webhook_log()

    def ctl_add_fault(self, request: _Request) -> tuple[int, Any]:
        return 201, self.state.add_fault(request.json())

    def ctl_list_faults(self, request: _Request) -> tuple[int, Any]:
        return 200, self.state.list_faults()

    def ctl_clear_faults(self, request: _Request) -> tuple[int, Any]:
        self.state.clear_faults()
        return 200, {"cleared": True}

    def ctl_requests(self, request: _Request) -> tuple[int, Any]:
        return 200, self.state.request_log()

    def ctl_clear_requests(self, request: _Request) -> tuple[int, Any]:
        self.state.clear_requests()
        return 200, {"cleared": True}

    def ctl_routing_violations(self, request: _Request) -> tuple[int, Any]:
        return 200, self.state.routing_violation_log()

    def ctl_clear_routing_violations(self, request: _Request) -> tuple[int, Any]:
        self.state.clear_routing_violations()
        return 200, {"cleared": True}

    def ctl_settle_refund(self, request: _Request, unique_request_id: str) -> tuple[int, Any]:
        return 200, self.state.settle_refund(unique_request_id, request.json())

    def ctl_list_refunds(self, request: _Request) -> tuple[int, Any]:
        return 200, self.state.list_refunds(request.query.get("status") or None)

    def ctl_get_refund(self, request: _Request, unique_request_id: str) -> tuple[int, Any]:
        return 200, self.state.get_refund(unique_request_id)

    def ctl_put_mandate(self, request: _Request, mandate_id: str) -> tuple[int, Any]:
        return 200, self.state.put_mandate(mandate_id, request.json())

    # --- Webhook delivery --------------------------------------------------------------------------------
    def deliver_webhook(self, event: JsonDict) -> JsonDict:
        """POSTs ``event`` as Juspay does, resending until HTTP 200 or ``webhook_max_attempts``."""
        assert self.webhook_url is not None
        headers = {"Content-Type": "application/json"}
        if self.webhook_username is not None:
            credentials = f"{self.webhook_username}:{self.webhook_password or ''}".encode()
            headers["Authorization"] = "Basic " + base64.b64encode(credentials).decode("ascii")
        body = dumps_json(event)
        attempts: list[JsonDict] = []
        delivered = False
        for attempt in range(1, self.webhook_max_attempts + 1):
            try:
                response = requests.post(
                    self.webhook_url,
                    data=body,
                    headers=headers,
                    timeout=self.webhook_timeout_s,
                    allow_redirects=False,
                )
                attempts.append({"attempt": attempt, "status": response.status_code, "error": None})
                delivered = response.status_code == 200
            except requests.RequestException as exc:
                attempts.append({"attempt": attempt, "status": None, "error": type(exc).__name__})
            if delivered:
                break
            if attempt < self.webhook_max_attempts:
                time.sleep(self.webhook_backoff_s * 2 ** (attempt - 1))
        delivery = {
            "event_id": event["id"],
            "event_name": event["event_name"],
            "order_id": (event["content"].get("order") or {}).get("order_id"),
            "delivered": delivered,
            "attempts": attempts,
        }
        self.state.record_webhook(delivery)
        return delivery


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    simulator: JuspaySimulator

    def __init__(self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler]) -> None:
        super().__init__(address, handler)
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._open_lock:
            self._open.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._open_lock:
            self._open.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        """Closes kept-alive connections so idle handler threads end with the server."""
        with self._open_lock:
            sockets = list(self._open)
        for sock in sockets:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                log.debug("connection already closed")


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server
    # Bounds how long an idle kept-alive connection holds a thread.
    timeout = 30

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")

    def do_PUT(self) -> None:
        self._serve("PUT")

    def do_DELETE(self) -> None:
        self._serve("DELETE")

    def _serve(self, method: str) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length > 0 else b""
        path, _, query = self.path.partition("?")
        request = _Request(
            method,
            path,
            dict(parse_qsl(query, keep_blank_values=True)),
            {k.lower(): v for k, v in self.headers.items()},
            body,
        )
        result = self.server.simulator.handle(request)
        if result is None:
            # A "drop" fault: close without a byte, like a connection lost mid-call.
            self.close_connection = True
            return
        status, payload = result
        # A fault's string body is sent as is (text), to imitate proxies that answer HTML or plain text.
        data = payload.encode("utf-8") if isinstance(payload, str) else dumps_json(payload)
        try:
            self.send_response(status)
            self.send_header("Content-Type", "text/plain" if isinstance(payload, str) else "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except OSError:
            # The client gave up (e.g. its read timeout during a "delay_ms" fault).
            self.close_connection = True

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s %s", self.address_string(), format % args)


def main() -> int:
    """``python -m paybridge_local.simulator``: serves until SIGINT/SIGTERM. Settings from the environment."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    env = os.environ
    simulator = JuspaySimulator(
        port=int(env.get("LOCAL_JUSPAY_PORT") or DEFAULT_PORT),
        api_key=env.get("LOCAL_JUSPAY_API_KEY") or DEFAULT_API_KEY,
        merchant_id=env.get("LOCAL_JUSPAY_MERCHANT_ID") or DEFAULT_MERCHANT_ID,
        webhook_url=env.get("LOCAL_SIM_WEBHOOK_URL") or None,
        webhook_username=env.get("LOCAL_WEBHOOK_USERNAME") or None,
        webhook_password=env.get("LOCAL_WEBHOOK_PASSWORD") or None,
    )
    stop = threading.Event()

    def _on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGINT, _on_signal)
    signal.signal(signal.SIGTERM, _on_signal)
    simulator.start()
    print(f"juspay simulator listening on {simulator.url} (merchant {simulator.merchant_id})", flush=True)
    stop.wait()
    simulator.stop()
    return 0
