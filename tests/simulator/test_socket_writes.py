"""Kept-alive connections are answered at once: status line, headers and body leave in one write with
TCP_NODELAY, so no answer waits for the caller's delayed ACK (Nagle's algorithm; ~40 ms on Linux)."""

from __future__ import annotations

import statistics
import time

import requests

from paybridge_local.simulator import JuspaySimulator
from tests.juspay_helpers import start_simulator


def test_kept_alive_answers_do_not_wait_for_a_delayed_ack() -> None:
    sim: JuspaySimulator = start_simulator()
    try:
        with requests.Session() as session:
            session.get(f"{sim.url}/__sim/health", timeout=5).raise_for_status()  # opens the connection
            elapsed = []
            for _ in range(15):
                started = time.perf_counter()
                response = session.get(f"{sim.url}/__sim/health", timeout=5)
                elapsed.append(time.perf_counter() - started)
                assert response.status_code == 200
    finally:
        sim.stop()
    # Two writes per answer made every call on a kept-alive connection take ~44 ms (delayed ACK); one write
    # takes well under a millisecond here. The bound leaves room for a loaded machine.
    assert statistics.median(elapsed) < 0.02, f"median {statistics.median(elapsed) * 1000:.1f} ms"
