"""The local stack as a process (``python -m paybridge_local``): accepted webhooks per second at concurrency
1, 8 and 32, and its resident memory as webhooks and wallet movements pile up.

Throughput: distinct valid webhooks (Juspay's ``webhook_order_succeeded.json`` sample, a new event and order
id each) POSTed with the stack's Basic credentials from N threads, a fixed count per concurrency; the figure
is answers 200 per second of wall time, and the ratios of 8 and 32 threads to 1 compare within the run. The
settlement and whatever else the bus starts run behind each webhook, as they would. Each webhook's order is
Juspay's first (the sample's order, put at the simulator through ``PUT /__sim/orders/{id}`` before its
batch, untimed), so its settlement gets it from Order Status and records it once (it has no wallet part):
nothing fails, nothing is retried, nothing lands in the dead-letter queue.

Memory: resident set (``VmRSS``) of the stack process and all its descendants (the function workers) after a
first batch (the warm-up, the throughput runs and a tenth of the wallet credits) and after the full batch
(``--webhooks`` webhooks and ``--credits`` SigV4-signed ``POST /wallets/{id}/credits`` in all). Figure: the
growth per 1,000 requests between the two points. Target: flat, i.e. the RSS after the full batch at most
:data:`FLAT` times the RSS after the first batch.
"""

from __future__ import annotations

import copy
import json
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from paybridge_local import process
from paybridge_local.stack import LocalSettings

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT.parent / "shared" / "juspay-samples" / "webhook_order_succeeded.json"
REGION = "ap-south-1"
#: The stack's documented AWS credentials (README, "The local stack").
LOCAL_KEY = "testing"
CONCURRENCIES = (1, 8, 32)
#: Flat: RSS after the full batch at most this many times the RSS after the first batch.
FLAT = 1.25
#: Webhooks at concurrency 32 before anything is timed, so every ingest worker is started (a cold start each).
WARMUP = 32
#: Credit threads: one wallet each, so no credit waits on another's transaction on the same balance.
CREDIT_THREADS = 8


@dataclass(frozen=True)
class Rate:
    """Webhooks sent from ``concurrency`` threads: how many were accepted (200) and in how many seconds."""

    concurrency: int
    sent: int
    accepted: int
    seconds: float

    @property
    def per_second(self) -> float:
        """Accepted webhooks per second of wall time."""
        return self.accepted / self.seconds


@dataclass(frozen=True)
class Memory:
    """RSS of the stack's process tree after the first batch and after the full one."""

    first_requests: int
    first_rss: int
    total_requests: int
    total_rss: int
    processes: int
    #: answers that were not 200/201 over the whole run (a webhook, credit or order put that failed)
    failures: int
    #: RSS of the stack process alone (moto, API, simulator, bus) at the two points; the rest is workers
    first_stack_rss: int = 0
    total_stack_rss: int = 0
    #: the failed answers by HTTP status
    failed_statuses: tuple[tuple[int, int], ...] = ()
    #: processes of the tree after the first batch (workers start on demand, up to 4 per function)
    first_processes: int = 0

    @property
    def growth_per_1000(self) -> float:
        """Bytes of RSS added per 1,000 requests between the two points."""
        return (self.total_rss - self.first_rss) / (self.total_requests - self.first_requests) * 1000

    @property
    def flat(self) -> bool:
        """The full batch's RSS within :data:`FLAT` times the first batch's."""
        return self.total_rss <= FLAT * self.first_rss


@dataclass(frozen=True)
class StackRun:
    """Everything one run of the local stack measured."""

    rates: list[Rate]
    memory: Memory


def own_rss(pid: int) -> int:
    """Bytes of ``VmRSS`` of ``pid`` alone (0 if it is gone)."""
    try:
        status = (Path("/proc") / str(pid) / "status").read_text()
    except OSError:
        return 0
    return next((int(line.split()[1]) * 1024 for line in status.splitlines() if line.startswith("VmRSS:")), 0)


def tree_rss(pid: int) -> tuple[int, int]:
    """(bytes of ``VmRSS`` summed over ``pid`` and its descendants, number of processes) from ``/proc``."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                # ppid is the 2nd field after "(comm)"; comm may hold spaces or parentheses
                stat = (entry / "stat").read_text()
            except OSError:
                continue  # gone meanwhile
            children.setdefault(int(stat.rsplit(")", 1)[1].split()[1]), []).append(int(entry.name))
    total, count, todo = 0, 0, [pid]
    while todo:
        current = todo.pop()
        todo.extend(children.get(current, []))
        try:
            status = (Path("/proc") / str(current) / "status").read_text()
        except OSError:
            continue
        for line in status.splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1]) * 1024
                count += 1
    return total, count


@cache
def _sample() -> dict[str, Any]:
    sample: dict[str, Any] = json.loads(SAMPLE.read_text())
    return sample


def bench_orders(prefix: str, count: int) -> list[dict[str, Any]]:
    """``count`` distinct orders: the sample webhook's order (Juspay's, in Order Status shape, CHARGED, no
    wallet part) with order id ``<prefix>_<n>``, its customer one of the credit wallets."""
    sample = _sample()["content"]["order"]
    orders = []
    for n in range(count):
        order = copy.deepcopy(sample)
        order["order_id"] = order["txn_detail"]["order_id"] = f"{prefix}_{n}"
        order["customer_id"] = f"bench-{n % CREDIT_THREADS}"
        orders.append(order)
    return orders


def webhook_body(order: dict[str, Any]) -> bytes:
    """The sample ``ORDER_SUCCEEDED`` webhook about ``order``, with an event id of its own."""
    document = {**_sample(), "id": f"evt_{order['order_id']}", "content": {"order": order}}
    return json.dumps(document).encode()


def signed_headers(url: str, body: bytes) -> dict[str, str]:
    """Headers of ``POST url`` signed with the stack's credentials (SigV4, ``execute-api``)."""
    request = AWSRequest(method="POST", url=url, data=body, headers={"Content-Type": "application/json"})
    SigV4Auth(Credentials(LOCAL_KEY, LOCAL_KEY), "execute-api", REGION).add_auth(request)
    headers = dict(request.headers.items())
    headers["Host"] = urlsplit(url).netloc
    return headers


#: Status of every answer that was not 200/201, over the whole run (the bench runs one stack at a time).
FAILED: Counter[int] = Counter()


def send_all(calls: list[Callable[[requests.Session], int]], concurrency: int) -> tuple[int, int, float]:
    """Runs ``calls`` (each given its thread's kept-alive session) from ``concurrency`` threads.

    Returns (answers 200/201, other answers, seconds of wall time); other answers' statuses go to
    :data:`FAILED`.
    """
    local = threading.local()

    def run(call: Callable[[requests.Session], int]) -> int:
        if not hasattr(local, "session"):
            local.session = requests.Session()
        return call(local.session)

    start = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        statuses = list(pool.map(run, calls))
    seconds = time.perf_counter() - start
    ok = sum(1 for s in statuses if s in (200, 201))
    FAILED.update(s for s in statuses if s not in (200, 201))
    return ok, len(statuses) - ok, seconds


def measure(rate_webhooks: int, webhooks: int, credits: int) -> StackRun:
    """Starts the stack, measures the rates (``rate_webhooks`` per concurrency), then the memory."""
    settings = LocalSettings()
    auth = (settings.webhook_username, settings.webhook_password)
    first_webhooks = WARMUP + rate_webhooks * len(CONCURRENCIES)
    first_credits = credits // 10
    if webhooks <= first_webhooks:
        raise ValueError(f"--webhooks must exceed the first batch's {first_webhooks} (warm-up and rate runs)")
    orders = bench_orders(f"bench{int(time.time())}", webhooks)
    FAILED.clear()
    with (
        tempfile.TemporaryDirectory() as tmp,
        # the stack's own defaults (credentials, time scale 1), whatever the caller's shell sets
        process.running(Path(tmp), process.isolated_environment(REGION)) as running,
    ):
        outputs, stack = running.outputs, running.process
        webhook_url = outputs["urls"]["webhook"]
        api = outputs["urls"]["api"].rstrip("/")
        sim = outputs["urls"]["juspay"].rstrip("/")

        def put_order(order: dict[str, Any]) -> Callable[[requests.Session], int]:
            url = f"{sim}/__sim/orders/{order['order_id']}"

            def put(session: requests.Session) -> int:
                return session.put(url, json=order, timeout=120).status_code

            return put

        def webhook(body: bytes) -> Callable[[requests.Session], int]:
            def post(session: requests.Session) -> int:
                headers = {"Content-Type": "application/json"}
                answer = session.post(webhook_url, data=body, auth=auth, headers=headers, timeout=120)
                return answer.status_code

            return post

        def credit(n: int) -> Callable[[requests.Session], int]:
            url = f"{api}/wallets/bench-{n % CREDIT_THREADS}/credits"
            body = json.dumps({"amount": "1.00", "currency": "INR", "idempotency_key": f"bench-{n}"}).encode()

            def post(session: requests.Session) -> int:
                answer = session.post(url, data=body, headers=signed_headers(url, body), timeout=120)
                return answer.status_code

            return post

        calls = [webhook(webhook_body(order)) for order in orders]
        # Each order is Juspay's before its webhook, so its settlement finds it and settles once. Put batch
        # by batch: the simulator's orders (in the stack process) grow with the count, as the load does.
        puts = [put_order(order) for order in orders]
        _, failures, _ = send_all(puts[:first_webhooks], CREDIT_THREADS)
        failures += send_all(calls[:WARMUP], max(CONCURRENCIES))[1]
        rates, sent = [], WARMUP
        for concurrency in CONCURRENCIES:
            accepted, failed, seconds = send_all(calls[sent : sent + rate_webhooks], concurrency)
            rates.append(Rate(concurrency, rate_webhooks, accepted, seconds))
            failures += failed
            sent += rate_webhooks
        failures += send_all([credit(n) for n in range(first_credits)], CREDIT_THREADS)[1]
        first_rss, first_processes = tree_rss(stack.pid)
        first_stack_rss = own_rss(stack.pid)
        failures += send_all(puts[sent:], CREDIT_THREADS)[1]
        failures += send_all(calls[sent:], max(CONCURRENCIES))[1]
        failures += send_all([credit(n) for n in range(first_credits, credits)], CREDIT_THREADS)[1]
        total_rss, processes = tree_rss(stack.pid)
        total_stack_rss = own_rss(stack.pid)
    memory = Memory(
        first_webhooks + first_credits,
        first_rss,
        webhooks + credits,
        total_rss,
        processes,
        failures,
        first_stack_rss,
        total_stack_rss,
        tuple(sorted(FAILED.items())),
        first_processes,
    )
    return StackRun(rates, memory)


def report(run: StackRun) -> bool:
    """Prints the rates, their ratios to concurrency 1 and the memory; True when the RSS is flat."""
    base = run.rates[0].per_second
    print(f"{'concurrency':>11} {'sent':>6} {'accepted':>8} {'seconds':>8} {'per s':>8} {'vs 1':>6}")
    for r in run.rates:
        ratio = r.per_second / base
        print(
            f"{r.concurrency:11} {r.sent:6} {r.accepted:8} {r.seconds:8.2f} {r.per_second:8.1f} {ratio:5.2f}x"
        )
    m = run.memory
    print(
        f"rss after {m.first_requests} requests: {m.first_rss / 2**20:.0f} MiB; after {m.total_requests}: "
        f"{m.total_rss / 2**20:.0f} MiB ({m.first_processes} then {m.processes} processes); "
        f"growth per 1000 requests: {m.growth_per_1000 / 2**20:.1f} MiB"
    )
    print(
        f"stack process alone: {m.first_stack_rss / 2**20:.0f} MiB, then {m.total_stack_rss / 2**20:.0f} MiB "
        f"(the rest: {m.processes - 1} function workers)"
    )
    statuses = ", ".join(f"{status}: {count}" for status, count in m.failed_statuses)
    print(f"failed answers: {m.failures}" + (f" ({statuses})" if statuses else ""))
    verdict = "flat" if m.flat else "growing"
    ratio = m.total_rss / m.first_rss
    print(f"rss full/first: {ratio:.2f}x {verdict} (flat: <= {FLAT}x)  {'ok' if m.flat else 'FAIL'}")
    return m.flat
