"""The simulator's HTTP transport: a threaded server whose handler reads any method (chunked bodies too),
asks the simulator for the answer and writes it in one piece."""

from __future__ import annotations

import logging
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Protocol
from urllib.parse import parse_qsl

from paybridge_local.simulator.dispatch import SimRequest
from paybridge_local.simulator.errors import envelope
from paybridge_local.simulator.wire import dumps_json

__all__ = ["MAX_BODY_BYTES", "Answers", "SimServer"]

#: Largest request body accepted (chunked or not): far above any Juspay request.
MAX_BODY_BYTES = 1 << 20

log = logging.getLogger("paybridge_local.simulator")


class Answers(Protocol):
    """What the transport needs of the simulator."""

    def handle(self, request: SimRequest) -> tuple[int, Any, dict[str, str]] | None:
        """Status, body and extra headers; None drops the connection unanswered."""
        ...


class SimServer(ThreadingHTTPServer):
    """A threaded HTTP server on ``address`` whose requests ``simulator`` answers."""

    daemon_threads = True

    def __init__(self, address: tuple[str, int], simulator: Answers) -> None:
        super().__init__(address, _Handler)
        self.simulator = simulator
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


class _BadBodyError(Exception):
    """A request body that cannot be read (bad chunk framing, too large)."""


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: SimServer
    # Bounds how long an idle kept-alive connection holds a thread.
    timeout = 30
    # A kept-alive caller waits for each answer: small writes must not wait for its delayed ACK (Nagle).
    disable_nagle_algorithm = True

    def __getattr__(self, name: str) -> Any:
        # Every method, known or not (PATCH, HEAD, FOO), is served, so each gets a JSON answer, never
        # http.server's HTML 501.
        if name.startswith("do_"):
            return lambda: self._serve(name[3:])
        raise AttributeError(name)

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            return self._read_chunked()
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            raise _BadBodyError("Content-Length is not a number") from None
        if length > MAX_BODY_BYTES:
            raise _BadBodyError("body too large")
        return self.rfile.read(length) if length > 0 else b""

    def _read_chunked(self) -> bytes:
        body = bytearray()
        while True:
            size_line = self.rfile.readline(1024)
            try:
                size = int(size_line.split(b";", 1)[0].strip(), 16)
            except ValueError:
                raise _BadBodyError("bad chunk size") from None
            if size == 0:
                # Trailers (if any) end with an empty line.
                while self.rfile.readline(1024).strip():
                    pass
                return bytes(body)
            if len(body) + size > MAX_BODY_BYTES:
                raise _BadBodyError("body too large")
            body += self.rfile.read(size)
            self.rfile.readline(1024)  # the CRLF closing the chunk

    def _serve(self, method: str) -> None:
        try:
            body = self._read_body()
        except _BadBodyError as exc:
            self.close_connection = True
            self._answer(method, 400, envelope("invalid.body", f"Request body unreadable: {exc}"), {})
            return
        path, _, query = self.path.partition("?")
        request = SimRequest(
            method=method,
            path=path,
            query=dict(parse_qsl(query, keep_blank_values=True)),
            headers={k.lower(): v for k, v in self.headers.items()},
            body=body,
        )
        result = self.server.simulator.handle(request)
        if result is None:
            # A "drop" fault: close without a byte, like a connection lost mid-call.
            self.close_connection = True
            return
        status, payload, headers = result
        self._answer(method, status, payload, headers)

    def _answer(self, method: str, status: int, payload: Any, headers: dict[str, str]) -> None:
        # A fault's string body is sent as is (text), to imitate proxies that answer HTML or plain text.
        data = payload.encode("utf-8") if isinstance(payload, str) else dumps_json(payload)
        if self.request_version == "HTTP/0.9":
            # Set so for a request line too broken to name a version: answer with a status line anyway.
            self.request_version = "HTTP/1.0"
        try:
            self.send_response(status)
            self.send_header("Content-Type", "text/plain" if isinstance(payload, str) else "application/json")
            self.send_header("Content-Length", str(len(data)))
            for name, value in headers.items():
                self.send_header(name, value)
            # Status line, headers and body leave in one write (see disable_nagle_algorithm).
            self._headers_buffer.append(b"\r\n")
            if method != "HEAD":
                self._headers_buffer.append(data)
            self.flush_headers()
        except OSError:
            # The client gave up (e.g. its read timeout during a "delay_ms" fault).
            self.close_connection = True

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        # Malformed request lines and oversized headers: Juspay's JSON envelope, not http.server's HTML.
        self.close_connection = True
        self._answer(
            getattr(self, "command", "") or "", code, envelope("bad_request", message or "Bad request"), {}
        )

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s %s", self.address_string(), format % args)
