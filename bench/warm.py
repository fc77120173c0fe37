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
import hmac
import json
import uuid
from dataclasses import dataclass
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


def _warm(case: str, times: list[tuple[float, float]], floors: list[float]) -> Warm:
    return Warm(
        case,
        len(times),
        *percentiles([t for t, _ in times]),
        *percentiles([o for _, o in times]),
        *percentiles(floors),
    )


def ingest(calls: int) -> Warm:
    """The webhook handler against parsing the body and comparing credentials."""
    document = json.loads((SAMPLES / SPLIT_WEBHOOK).read_text())
    with bench_stack() as (_, _, settings):
        auth = (
            "Basic "
            + base64.b64encode(f"{settings.webhook_username}:{settings.webhook_password}".encode()).decode()
        )
        bodies = [json.dumps({**document, "id": f"evt_bench_{i}"}) for i in range(calls + 1)]
        handler = handler_module("ingest_webhook")
        answer = handler(api_event("/webhooks/juspay", bodies[-1], {"Authorization": auth}), Context())
        assert answer["statusCode"] == 200, answer
        expected = base64.b64encode(f"{settings.webhook_username}:{settings.webhook_password}".encode())

        def floor(body: str) -> None:
            json.loads(body)
            hmac.compare_digest(base64.b64decode(auth.removeprefix("Basic ")), base64.b64decode(expected))

        def call(body: str) -> None:
            result = handler(api_event("/webhooks/juspay", body, {"Authorization": auth}), Context())
            assert result["statusCode"] == 200, result

        floors = timed([lambda b=b: floor(b) for b in bodies[:calls]])  # type: ignore[misc]
        times = timed_own([lambda b=b: call(b) for b in bodies[:calls]])  # type: ignore[misc]
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
