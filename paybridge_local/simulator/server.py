"""HTTP front of the Juspay simulator: Juspay's API (Basic auth, ``api.API``) plus an unauthenticated control
API (``control.CONTROL``, under ``/__sim/``). See README "The simulator" and docs/simulator.md.

Every answer is JSON, errors included (Juspay's envelope, also for unknown paths and methods such as PATCH);
request bodies may be sent with ``Content-Length`` or chunked.
"""

from __future__ import annotations

import base64
import binascii
import logging
import os
import signal
import threading
import time
from types import FrameType
from typing import Any
from urllib.parse import urlencode

from paybridge_local.simulator.api import API
from paybridge_local.simulator.control import CONTROL
from paybridge_local.simulator.dispatch import Answer, SimRequest, match
from paybridge_local.simulator.errors import (
    JsonDict,
    SimError,
    control_error,
    envelope,
    method_not_allowed,
    not_found,
)
from paybridge_local.simulator.journal import LOG_LIMIT
from paybridge_local.simulator.jwe import JweGateway
from paybridge_local.simulator.mandate_debits import MandateDebits
from paybridge_local.simulator.state import SimulatorState
from paybridge_local.simulator.transport import SimServer
from paybridge_local.simulator.webhooks import Delivery, deliver
from paybridge_local.simulator.wire import dumps_json, loads_json

__all__ = ["DEFAULT_API_KEY", "DEFAULT_MERCHANT_ID", "DEFAULT_PORT", "JuspaySimulator", "dumps_json", "main"]

DEFAULT_PORT = 4010
DEFAULT_API_KEY = "sim_test_api_key"
DEFAULT_MERCHANT_ID = "paybridge_local"
log = logging.getLogger("paybridge_local.simulator")


class JuspaySimulator:
    """A threaded Juspay look-alike bound to 127.0.0.1. ``port=0`` picks a free port (see ``url``).

    Webhooks built by ``POST /__sim/orders/{id}/webhook`` go to ``webhook_url`` with Basic auth
    (``webhook_username``/``webhook_password``) and are resent on anything but HTTP 200, at most
    ``webhook_max_attempts`` times, waiting ``webhook_backoff_s * 2**n`` between attempts. Its logs (requests,
    header violations, webhook deliveries, encrypted calls) keep the newest ``log_limit`` entries each.
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
        log_limit: int = LOG_LIMIT,
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
        self.state = SimulatorState(merchant_id, log_limit)
        self.jwe = JweGateway(merchant_id, log_limit)
        self.debits = MandateDebits(self)  # recurring debits (mandate_debits.py)
        self._port = port
        self._server: SimServer | None = None
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
        server = SimServer(("127.0.0.1", self._port), self)
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
    def handle(self, request: SimRequest) -> tuple[int, Any, dict[str, str]] | None:
        """Status, JSON body and extra headers for a request; None means "drop the connection unanswered"."""
        try:
            if request.path.startswith("/__sim/"):
                endpoint, params = match(
                    CONTROL,
                    request,
                    not_found=lambda: control_error(
                        404, f"no control operation {request.method} {request.path}"
                    ),
                    not_allowed=lambda allowed: method_not_allowed(request.method, request.path, allowed),
                )
                return (*endpoint(self, request, **params), {})
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
                    return fault["status"], body, {}
            endpoint, params = match(
                API,
                request,
                not_found=lambda: not_found("API", request.path),
                not_allowed=lambda allowed: method_not_allowed(request.method, request.path, allowed),
            )
            if endpoint.auth:
                self._authenticate(request)
            answer: Answer = endpoint(self, request, **params)
            return (*answer, {})
        except SimError as exc:
            return exc.status, exc.body, exc.headers

    def plain(self, method: str, path: str, form: dict[str, str]) -> tuple[int, Any]:
        """The plain API's answer to a call the encrypted API has decrypted and authenticated."""
        inner = SimRequest(
            method, path, {}, {"content-type": "application/x-www-form-urlencoded"}, urlencode(form).encode()
        )
        try:
            endpoint, params = match(
                API,
                inner,
                not_found=lambda: not_found("API", path),
                not_allowed=lambda allowed: method_not_allowed(method, path, allowed),
            )
            return endpoint(self, inner, **params)
        except SimError as exc:
            return exc.status, exc.body

    def _authenticate(self, request: SimRequest) -> None:
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
    def _log_entry(request: SimRequest) -> JsonDict:
        headers = dict(request.headers)
        if "authorization" in headers:
            headers["authorization"] = headers["authorization"].partition(" ")[0] + " ***"
        entry: JsonDict = {
            "method": request.method,
            "path": request.path,
            "query": request.query,
            "form": request.form(),
            "headers": headers,
            # The two headers Juspay routes and shapes answers by, recorded per call (JUSPAY.md).
            "routing_id": headers.get("x-routing-id"),
            "version": headers.get("version"),
        }
        if request.is_json():
            try:
                entry["json"] = loads_json(request.body or b"null")
            except ValueError:
                entry["json"] = None
        return entry

    # --- Webhook delivery --------------------------------------------------------------------------------
    def deliver_webhook(self, event: JsonDict) -> JsonDict:
        """POSTs ``event`` to ``webhook_url`` as Juspay does (``webhooks.deliver``) and logs the delivery."""
        if not self.webhook_url:
            raise control_error(409, "no webhook URL configured (LOCAL_SIM_WEBHOOK_URL)")
        how = Delivery(
            url=self.webhook_url,
            username=self.webhook_username,
            password=self.webhook_password,
            max_attempts=self.webhook_max_attempts,
            backoff_s=self.webhook_backoff_s,
            timeout_s=self.webhook_timeout_s,
        )
        delivery = deliver(event, how)
        self.state.record_webhook(delivery)
        return delivery


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
