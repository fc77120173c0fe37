"""Kept-alive connections are answered at once: status line, headers and body leave in one write, on a
socket with TCP_NODELAY, so no answer waits for the caller's delayed ACK (Nagle's algorithm met two
unbuffered writes per answer: ~44 ms per call on a kept-alive connection). Checked by structure, not by a
clock: the number of writes per answer and the socket option."""

from __future__ import annotations

import socket
from typing import Any

import pytest
import requests

from paybridge_local.simulator import transport
from tests.juspay_helpers import start_simulator


class _CountingWriter:
    """Stands in for the handler's socket writer and counts the writes of each answer."""

    def __init__(self, inner: Any, writes: list[int]) -> None:
        self._inner = inner
        self._writes = writes

    def write(self, data: bytes) -> int:
        self._writes.append(len(data))
        return int(self._inner.write(data))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


def test_each_answer_is_one_write_on_a_no_delay_socket(monkeypatch: pytest.MonkeyPatch) -> None:
    writes: list[int] = []
    options: list[int] = []
    setup = transport._Handler.setup

    def counting_setup(self: Any) -> None:
        setup(self)
        options.append(self.connection.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
        self.wfile = _CountingWriter(self.wfile, writes)

    monkeypatch.setattr(transport._Handler, "setup", counting_setup)
    sim = start_simulator()
    try:
        with requests.Session() as session:  # one kept-alive connection for every call
            for _ in range(3):
                response = session.get(f"{sim.url}/__sim/health", timeout=5)
                assert response.status_code == 200
                assert response.content
    finally:
        sim.stop()
    assert options == [1], "one connection, kept alive, with TCP_NODELAY"
    assert len(writes) == 3, f"one write per answer, got sizes {writes}"
    assert all(size > len(b"HTTP/1.1 200 OK\r\n\r\n") for size in writes)
