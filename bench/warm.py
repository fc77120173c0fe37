"""Warm p50/p99 of ingest, settlement and signing: the real handler modules called in-process against moto
(every resource built from template.yaml) and the Juspay simulator, each against its floor timed in the same
run on the same inputs.

* ingest (``POST /webhooks/juspay``): the split-payment sample, a new event id per call; floor: parsing that
  body and comparing the Basic credentials. Measured twice: the handler with in-memory DynamoDB and
  EventBridge clients (the target's figure: the code's own work), and against moto (for information). Bus
  rules keep only their queue targets, so settlement does not run behind the measured calls.
* signing (``POST /sdk/initiate``, ``SdkSigner=pem``): floor: one raw RSA-2048 PKCS#1 v1.5 SHA-256 sign with
  ``cryptography``.
* settlement (the bus event of a split order's first webhook, one new order per call): floor: the remote work
  it cannot avoid, one Order Status GET to the simulator and one DynamoDB transaction of the same shape.
"""

from __future__ import annotations

import base64
import dataclasses
import hmac
import json
import sys
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import requests
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from bench.harness import (
    REGION,
    SAMPLES,
    SPLIT_ORDER,
    SPLIT_WEBHOOK,
    Context,
    api_event,
    bench_stack,
    credit,
    handler_module,
    percentiles,
    timed,
    timed_own,
)

#: target p50 ratio per case (None: reported, no target)
TARGETS: dict[str, float | None] = {"ingest": 5.0, "ingest-moto": None, "signing": 1.3, "settlement": None}


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


def _warm(case: str, times: list[tuple[float, float]], floors: list[float]) -> Warm:
    return Warm(
        case,
        len(times),
        *percentiles([t for t, _ in times]),
        *percentiles([o for _, o in times]),
        *percentiles(floors),
    )


def ingest(calls: int, moto_calls: int) -> list[Warm]:
    """The webhook handler against parsing the body and comparing credentials, twice: with its table and bus
    clients replaced by in-memory fakes (``ingest``, the figure the target applies to: every line of the
    handler's own work runs, the repository's and publisher's request building included; only the two
    network calls answer from memory), and against moto in-process (``ingest-moto``, for information)."""
    document = json.loads((SAMPLES / SPLIT_WEBHOOK).read_text())
    with bench_stack() as (_, _, settings):
        auth = (
            "Basic "
            + base64.b64encode(f"{settings.webhook_username}:{settings.webhook_password}".encode()).decode()
        )
        expected = base64.b64encode(f"{settings.webhook_username}:{settings.webhook_password}".encode())

        def floor(body: str) -> None:
            json.loads(body)
            hmac.compare_digest(base64.b64decode(auth.removeprefix("Basic ")), base64.b64decode(expected))

        results = []
        for case, count, fakes in (("ingest", calls, True), ("ingest-moto", moto_calls, False)):
            bodies = [json.dumps({**document, "id": f"evt_{case}_{i}"}) for i in range(count + 1)]
            handler = handler_module("ingest_webhook")
            if fakes:
                _fake_remote_clients(handler)
            answer = handler(api_event("/webhooks/juspay", bodies[-1], {"Authorization": auth}), Context())
            assert answer["statusCode"] == 200, answer

            def call(body: str, handler: Any = handler) -> None:
                result = handler(api_event("/webhooks/juspay", body, {"Authorization": auth}), Context())
                assert result["statusCode"] == 200, result
                assert '"published"' in result["body"], result

            floors = timed([lambda b=b: floor(b) for b in bodies[:count]])  # type: ignore[misc]
            times = timed_own([lambda b=b: call(b) for b in bodies[:count]])  # type: ignore[misc]
            results.append(_warm(case, times, floors))
    return results


class FakeDynamoDB:
    """The webhook events table's two happy-path writes, in memory: the conditional PutItem of a new event
    id succeeds (the bench sends a new id each call) and the published mark updates that item."""

    def __init__(self) -> None:
        self.items: dict[str, dict[str, Any]] = {}

    def put_item(self, **request: Any) -> dict[str, Any]:
        key = request["Item"]["event_id"]["S"]
        assert key not in self.items, "the bench sends a new event id each call"
        self.items[key] = request["Item"]
        return {}

    def update_item(self, **request: Any) -> dict[str, Any]:
        assert request["Key"]["event_id"]["S"] in self.items
        return {}


class FakeEvents:
    """PutEvents in memory: every entry accepted, with a new event id."""

    def __init__(self) -> None:
        self.entries: list[dict[str, Any]] = []

    def put_events(self, **request: Any) -> dict[str, Any]:
        self.entries.extend(request["Entries"])
        return {"FailedEntryCount": 0, "Entries": [{"EventId": f"bus-{len(self.entries)}"}]}


def _fake_remote_clients(handler: Any) -> None:
    """Gives the handler module's runtime (its repository and publisher, built as in Lambda) fake clients."""
    from paybridge.bus import EventPublisher
    from paybridge.dal.webhook_events import WebhookEventsRepository

    module: Any = sys.modules[handler.__module__]
    real = module._runtime()
    runtime = dataclasses.replace(
        real,
        repository=WebhookEventsRepository(
            FakeDynamoDB(),  # type: ignore[arg-type]
            real.repository.table_name,
            retention=timedelta(days=real.settings.webhook_retention_days),
            dedup=timedelta(seconds=real.settings.webhook_dedup_seconds),
        ),
        publisher=EventPublisher(FakeEvents(), real.publisher.bus_name),  # type: ignore[arg-type]
    )
    module._runtime = lambda: runtime


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
        handler = handler_module("sign_sdk_payload")
        bodies = [json.dumps({"customer_id": f"cust{i}"}) for i in range(calls)]
        answer = handler(api_event("/sdk/initiate", bodies[0], {}), Context())
        assert answer["statusCode"] == 200, answer
        message = json.loads(answer["body"])["payload"]["signaturePayload"].encode()

        def call(body: str) -> None:
            result = handler(api_event("/sdk/initiate", body, {}), Context())
            assert result["statusCode"] == 200, result

        floors = timed([lambda: key.sign(message, padding.PKCS1v15(), hashes.SHA256())] * calls)
        times = timed_own([lambda b=b: call(b) for b in bodies])  # type: ignore[misc]
    return _warm("signing", times, floors)


def signing_frame(calls: int) -> tuple[float, float]:
    """p50/p99 seconds of what a signing call pays around its own work: the handler's four decorators (the
    ones every function has) and the same resolver, validation on, answering an empty route with no body."""
    from aws_lambda_powertools.utilities.typing import LambdaContext

    from paybridge.api import new_resolver
    from paybridge.observability import log_correlation_ids, logger, metrics, tracer

    app = new_resolver()

    @app.post("/sdk/initiate")
    def empty() -> dict[str, Any]:
        return {}

    @logger.inject_lambda_context(clear_state=True)
    @log_correlation_ids
    @tracer.capture_lambda_handler(capture_response=False)
    @metrics.log_metrics
    def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
        return app.resolve(event, context)

    with bench_stack(SdkSigner="pem"):
        answer = handler(api_event("/sdk/initiate", "", {}), Context())
        assert answer["statusCode"] == 200, answer
        times = timed([lambda: handler(api_event("/sdk/initiate", "", {}), Context())] * calls)
    return percentiles(times)


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
        handler = handler_module("settle_order")
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
            handler(_order_event(order), Context())

        floors = timed([lambda o=o: floor(o["order_id"]) for o in orders])  # type: ignore[misc]
        times = timed_own([lambda o=o: call(o) for o in orders])  # type: ignore[misc]
        record = ddb.get_item(TableName=table, Key={key: {"S": orders[-1]["order_id"]}})["Item"]
        assert record["status"]["S"] == "SETTLED", record
    return _warm("settlement", times, floors)


def _wallet_share(order: dict[str, Any]) -> int:
    from decimal import Decimal

    shares = [t for t in order["txn_list"] if t.get("payment_method_type") == "MERCHANT_CONTAINER"]
    return sum(int(Decimal(str(t["effective_amount"])) * 100) for t in shares)


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
