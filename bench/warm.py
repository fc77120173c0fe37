"""Warm p50/p99 of ingest, settlement and signing: the real handler modules called in-process against moto
(every resource built from template.yaml) and the Juspay simulator, each against its floor timed in the same
run on the same inputs.

* ingest (``POST /webhooks/juspay``): the split-payment sample, a new event id per call; floor: parsing that
  body and comparing the Basic credentials. Bus rules keep only their queue targets, so settlement does not
  run behind the measured calls.
* signing (``POST /sdk/initiate``, ``SdkSigner=pem``): floor: one raw RSA-2048 PKCS#1 v1.5 SHA-256 sign with
  ``cryptography``.
* settlement (the bus event of a split order's first webhook, one new order per call): floor: the remote work
  it cannot avoid, one Order Status GET to the simulator and one DynamoDB transaction of the same shape.
"""

from __future__ import annotations

import base64
import contextlib
import hmac
import importlib.util
import json
import os
import statistics
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import requests
from botocore.client import BaseClient
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from moto import mock_aws

from paybridge.observability import logger
from paybridge_local.simulator import JuspaySimulator
from paybridge_local.stack import LocalSettings, LocalStack, build_stack

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT.parent / "shared" / "juspay-samples"
SPLIT_WEBHOOK = "webhook_order_partial_charged_merchant_container_split.json"
SPLIT_ORDER = "order_status_split_partial_charged_custom_wallet.json"  # 40.00 card + 10.00 wallet
REGION = "ap-south-1"
#: target p50 ratio per case (None: reported, no target)
TARGETS: dict[str, float | None] = {"ingest": 5.0, "signing": 1.3, "settlement": None}


@dataclass(frozen=True)
class Warm:
    """One case: p50/p99 seconds of the handler, of its own work (remote calls taken out) and of its floor."""

    case: str
    calls: int
    p50: float
    p99: float
    own_p50: float
    own_p99: float
    floor_p50: float
    floor_p99: float

    @property
    def ratio(self) -> float:
        """p50 against the floor's p50 (the figure the target applies to)."""
        return self.p50 / self.floor_p50


def percentiles(samples: list[float]) -> tuple[float, float]:
    """(p50, p99) of ``samples``."""
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    return cuts[49], cuts[98]


class _RemoteClock:
    """Seconds spent in AWS calls (moto included) and Juspay HTTP calls while installed."""

    def __init__(self) -> None:
        self.seconds = 0.0

    @contextmanager
    def installed(self) -> Iterator[None]:
        originals = (getattr(BaseClient, "_make_api_call"), requests.Session.send)  # noqa: B009

        def wrap(original: Callable[..., Any]) -> Callable[..., Any]:
            def timed(*args: Any, **kwargs: Any) -> Any:
                start = time.perf_counter()
                try:
                    return original(*args, **kwargs)
                finally:
                    self.seconds += time.perf_counter() - start

            return timed

        setattr(BaseClient, "_make_api_call", wrap(originals[0]))  # noqa: B010 - private, untyped
        requests.Session.send = wrap(originals[1])  # type: ignore[method-assign]
        try:
            yield
        finally:
            setattr(BaseClient, "_make_api_call", originals[0])  # noqa: B010
            requests.Session.send = originals[1]  # type: ignore[method-assign]


def _timed(calls: list[Callable[[], object]]) -> list[float]:
    return [total for total, _ in _timed_own(calls)]


def _timed_own(calls: list[Callable[[], object]]) -> list[tuple[float, float]]:
    """(total, own) seconds per call; own is total minus the time spent in remote calls."""
    out = []
    clock = _RemoteClock()
    # The handlers print their metrics (EMF) on stdout; the bench prints figures only.
    with open(os.devnull, "w") as devnull, contextlib.redirect_stdout(devnull), clock.installed():
        for call in calls:
            remote = clock.seconds
            start = time.perf_counter()
            call()
            total = time.perf_counter() - start
            out.append((total, total - (clock.seconds - remote)))
    return out


def _warm(case: str, times: list[tuple[float, float]], floors: list[float]) -> Warm:
    return Warm(
        case,
        len(times),
        *percentiles([t for t, _ in times]),
        *percentiles([o for _, o in times]),
        *percentiles(floors),
    )


class _Context:
    function_name = "bench"
    invoked_function_arn = f"arn:aws:lambda:{REGION}:123456789012:function:bench"
    memory_limit_in_mb = 512
    function_version = "$LATEST"
    log_group_name = "/aws/lambda/bench"
    log_stream_name = "bench"

    def __init__(self) -> None:
        self.aws_request_id = str(uuid.uuid4())

    def get_remaining_time_in_millis(self) -> int:
        return 15_000


@contextmanager
def bench_stack(
    *, keep_targets: bool = False, **overrides: str
) -> Iterator[tuple[LocalStack, JuspaySimulator, LocalSettings]]:
    """moto in-process with every template resource, the simulator on a free port, handlers' settings set."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    settings = LocalSettings(
        region=REGION, juspay_port=port, stack_name="bench", parameter_overrides=overrides
    )
    saved = dict(os.environ)
    os.environ.update(
        {
            "AWS_DEFAULT_REGION": REGION,
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "POWERTOOLS_TRACE_DISABLED": "true",
            "POWERTOOLS_LOG_LEVEL": "WARNING",
            "POWERTOOLS_METRICS_DISABLED": "true",
        }
    )
    logger.setLevel("CRITICAL")  # created at import, before this environment; the bench reads no logs
    sim = JuspaySimulator(port=port, api_key=settings.juspay_api_key, merchant_id=settings.juspay_merchant_id)
    sim.start()
    try:
        with mock_aws(config={"lambda": {"use_docker": False}}):
            stack = build_stack(boto3.session.Session(region_name=REGION), settings)
            for spec in stack.provisioned.functions.values():
                os.environ.update(spec.environment)
            try:
                if not keep_targets:
                    _queue_targets_only(stack)
                yield stack, sim, settings
            finally:
                stack.close()
    finally:
        sim.stop()
        os.environ.clear()
        os.environ.update(saved)


def _queue_targets_only(stack: LocalStack) -> None:
    # The measured call only: nothing the bus would start runs behind it and competes for the CPU.
    events = stack.session.client("events")
    for bus in events.list_event_buses()["EventBuses"]:
        for rule in events.list_rules(EventBusName=bus["Name"])["Rules"]:
            targets = events.list_targets_by_rule(Rule=rule["Name"], EventBusName=bus["Name"])["Targets"]
            ids = [t["Id"] for t in targets if ":sqs:" not in t["Arn"]]
            if ids:
                events.remove_targets(Rule=rule["Name"], EventBusName=bus["Name"], Ids=ids)


def _handler(package: str) -> Callable[[dict[str, Any], Any], Any]:
    # A fresh module per stack, as a new container would load it: its clients reach this stack's moto, and
    # nothing another section changed in an imported module (bench.api_route's stub) leaks in.
    path = ROOT / "functions" / package / "app.py"
    spec = importlib.util.spec_from_file_location(f"bench_fn_{package}_{uuid.uuid4().hex[:8]}", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is made
    spec.loader.exec_module(module)
    handler: Callable[[dict[str, Any], Any], Any] = module.lambda_handler
    return handler


def _api_event(path: str, body: str, headers: dict[str, str]) -> dict[str, Any]:
    return {
        "resource": path,
        "path": path,
        "httpMethod": "POST",
        "headers": {"Content-Type": "application/json", **headers},
        "multiValueHeaders": {"Content-Type": ["application/json"], **{k: [v] for k, v in headers.items()}},
        "queryStringParameters": None,
        "pathParameters": None,
        "requestContext": {"resourcePath": path, "httpMethod": "POST", "requestId": "bench"},
        "body": body,
        "isBase64Encoded": False,
    }


def ingest(calls: int) -> Warm:
    """The webhook handler against parsing the body and comparing credentials."""
    document = json.loads((SAMPLES / SPLIT_WEBHOOK).read_text())
    with bench_stack() as (_, _, settings):
        auth = (
            "Basic "
            + base64.b64encode(f"{settings.webhook_username}:{settings.webhook_password}".encode()).decode()
        )
        bodies = [json.dumps({**document, "id": f"evt_bench_{i}"}) for i in range(calls + 1)]
        handler = _handler("ingest_webhook")
        answer = handler(_api_event("/webhooks/juspay", bodies[-1], {"Authorization": auth}), _Context())
        assert answer["statusCode"] == 200, answer
        expected = base64.b64encode(f"{settings.webhook_username}:{settings.webhook_password}".encode())

        def floor(body: str) -> None:
            json.loads(body)
            hmac.compare_digest(base64.b64decode(auth.removeprefix("Basic ")), base64.b64decode(expected))

        def call(body: str) -> None:
            result = handler(_api_event("/webhooks/juspay", body, {"Authorization": auth}), _Context())
            assert result["statusCode"] == 200, result

        floors = _timed([lambda b=b: floor(b) for b in bodies[:calls]])  # type: ignore[misc]
        times = _timed_own([lambda b=b: call(b) for b in bodies[:calls]])  # type: ignore[misc]
    return _warm("ingest", times, floors)


def signing(calls: int) -> Warm:
    """``POST /sdk/initiate`` with the PEM signer against one raw RSA-2048 sign."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    with bench_stack(SdkSigner="pem") as (stack, _, _):
        stack.session.client("secretsmanager").put_secret_value(
            SecretId=stack.output("SdkSigningPemSecret"), SecretString=pem
        )
        handler = _handler("sign_sdk_payload")
        bodies = [json.dumps({"customer_id": f"cust{i}"}) for i in range(calls)]
        answer = handler(_api_event("/sdk/initiate", bodies[0], {}), _Context())
        assert answer["statusCode"] == 200, answer
        message = json.loads(answer["body"])["payload"]["signaturePayload"].encode()

        def call(body: str) -> None:
            result = handler(_api_event("/sdk/initiate", body, {}), _Context())
            assert result["statusCode"] == 200, result

        floors = _timed([lambda: key.sign(message, padding.PKCS1v15(), hashes.SHA256())] * calls)
        times = _timed_own([lambda b=b: call(b) for b in bodies])  # type: ignore[misc]
    return _warm("signing", times, floors)


def settlement(calls: int) -> Warm:
    """Settlement of a split order's first webhook (a new order each call) against its unavoidable remote
    work: one Order Status GET and one DynamoDB transaction."""
    text = (SAMPLES / SPLIT_ORDER).read_text()
    sample = json.loads(text)
    with bench_stack() as (stack, _, settings):
        base = f"http://127.0.0.1:{settings.juspay_port}"
        session = requests.Session()
        customer = sample["customer_id"]
        orders = []
        for i in range(calls):
            order = json.loads(text.replace(sample["order_id"], f"bench-{i}"))
            session.put(f"{base}/__sim/orders/{order['order_id']}", json=order).raise_for_status()
            orders.append(order)
        credit(customer, sum(_wallet_share(o) for o in orders))
        handler = _handler("settle_order")
        ddb = stack.session.client("dynamodb")
        table = stack.output("OrdersTable")
        [key] = [k["AttributeName"] for k in ddb.describe_table(TableName=table)["Table"]["KeySchema"]]
        auth = (settings.juspay_api_key, "")

        def floor(order_id: str) -> None:
            session.get(f"{base}/orders/{order_id}", auth=auth).raise_for_status()
            ddb.transact_write_items(
                TransactItems=[
                    {"Put": {"TableName": table, "Item": {key: {"S": f"floor-a-{order_id}"}}}},
                    {
                        "Update": {
                            "TableName": table,
                            "Key": {key: {"S": f"floor-b-{order_id}"}},
                            "UpdateExpression": "SET n = :n",
                            "ExpressionAttributeValues": {":n": {"N": "1"}},
                        }
                    },
                ]
            )

        def call(order: dict[str, Any]) -> None:
            handler(_order_event(order), _Context())

        floors = _timed([lambda o=o: floor(o["order_id"]) for o in orders])  # type: ignore[misc]
        times = _timed_own([lambda o=o: call(o) for o in orders])  # type: ignore[misc]
        record = ddb.get_item(TableName=table, Key={key: {"S": orders[-1]["order_id"]}})["Item"]
        assert record["status"]["S"] == "SETTLED", record
    return _warm("settlement", times, floors)


def _wallet_share(order: dict[str, Any]) -> int:
    from decimal import Decimal

    shares = [t for t in order["txn_list"] if t.get("payment_method_type") == "MERCHANT_CONTAINER"]
    return sum(int(Decimal(str(t["effective_amount"])) * 100) for t in shares)


def credit(customer: str, minor: int) -> None:
    """Credits ``minor`` units to the customer's wallet through the credit handler."""
    handler = _handler("credit_wallet")
    path = f"/wallets/{customer}/credits"
    body = json.dumps(
        {"amount": f"{minor // 100}.{minor % 100:02d}", "currency": "INR", "idempotency_key": "b"}
    )
    event = {**_api_event(path, body, {}), "resource": "/wallets/{customer_id}/credits"}
    event["pathParameters"] = {"customer_id": customer}
    event["requestContext"]["resourcePath"] = "/wallets/{customer_id}/credits"
    answer = handler(event, _Context())
    assert answer["statusCode"] in (200, 201), answer


def _order_event(order: dict[str, Any]) -> dict[str, Any]:
    """The bus event ingestion publishes for the order's webhook (routing fields in the detail)."""
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "source": "juspay",
        "detail-type": "ORDER_PARTIAL_CHARGED",
        "detail": {
            "event_id": f"evt_{order['order_id']}",
            "event_name": "ORDER_PARTIAL_CHARGED",
            "order_id": order["order_id"],
            "customer_id": order["customer_id"],
            "status": order["status"],
        },
        "time": "2026-11-29T00:00:00Z",
        "region": REGION,
        "resources": [],
        "account": "123456789012",
    }


def report(results: list[Warm]) -> bool:
    """One line per case; True when every case with a target holds it."""
    print("milliseconds; own = the call minus its AWS (moto) and Juspay calls; x = p50 / floor p50")
    print(
        f"{'case':11} {'calls':>6} {'p50':>8} {'p99':>8} {'own p50':>8} {'own p99':>8} "
        f"{'floor p50':>9} {'floor p99':>9} {'x':>7} {'own x':>6}"
    )
    ok = True
    for r in results:
        target = TARGETS[r.case]
        held = target is None or r.ratio <= target
        ok &= held
        verdict = "no target" if target is None else (f"<= {target}x ok" if held else f"<= {target}x FAIL")
        print(
            f"{r.case:11} {r.calls:6} {r.p50 * 1e3:8.3f} {r.p99 * 1e3:8.3f} {r.own_p50 * 1e3:8.3f} "
            f"{r.own_p99 * 1e3:8.3f} {r.floor_p50 * 1e3:9.3f} {r.floor_p99 * 1e3:9.3f} {r.ratio:7.1f} "
            f"{r.own_p50 / r.floor_p50:6.1f}  {verdict}"
        )
    return ok
