"""`make bench`: how much the hot paths cost relative to a plain baseline measured in the same run.

Absolute times depend on the machine; the ratios are what to compare between changes. Sections: hot paths
(in-process, no AWS), cold start per function (``bench.cold_start``), warm p50/p99 of ingest, signing and
settlement (``bench.warm``), remote calls of a split order settled by its first webhook
(``bench.remote_calls``), wallet movements against a growing ledger (``bench.ledger``), the local stack as a
process: accepted webhooks per second and resident memory (``bench.local_stack``). Exits 1 when a figure
misses its target (each section prints which).
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable
from pathlib import Path

from bench.api_route import event, raw_resolver, resolve, validated_resolver
from paybridge import jsonutil
from paybridge.auth import BasicCredential, is_authorized
from paybridge.models.webhook import canonical_sha256, parse_webhook_body
from paybridge.observability import logger

SAMPLES = Path(__file__).resolve().parents[2] / "shared" / "juspay-samples"


def timed(fn: Callable[[], object], repeat: int = 7, number: int = 2000) -> float:
    """Median seconds per call over ``repeat`` rounds of ``number`` calls."""
    rounds = []
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(number):
            fn()
        rounds.append((time.perf_counter() - start) / number)
    return statistics.median(rounds)


def hot_paths() -> None:
    """Prints one line per case: case, baseline, microseconds of each, ratio."""
    body = (SAMPLES / "webhook_order_partial_charged_merchant_container_split.json").read_bytes()
    document = json.loads(body)
    _, decimal_document = parse_webhook_body(body)
    header = "Basic " + __import__("base64").b64encode(b"juspay:pw").decode()
    creds = (BasicCredential("juspay", "pw"), BasicCredential("juspay", "pw2"))
    cases = [
        (
            "parse webhook (model + Decimal)",
            "json.loads",
            lambda: parse_webhook_body(body),
            lambda: json.loads(body),
        ),
        (
            "jsonutil.dumps (exact Decimal)",
            "json.dumps",
            lambda: jsonutil.dumps(decimal_document),
            lambda: json.dumps(document),
        ),
        (
            "canonical body hash",
            "json.dumps(sort_keys)",
            lambda: canonical_sha256(decimal_document),
            lambda: json.dumps(document, sort_keys=True),
        ),
        (
            "basic auth, 2 credentials",
            "str ==",
            lambda: is_authorized(header, creds),
            lambda: header == header,
        ),
    ]
    logger.setLevel("WARNING")  # the routes log each call; the bench measures, it does not read them
    validated, raw = validated_resolver(), raw_resolver()
    assert validated.resolve(event(), None)["body"] == raw.resolve(event(), None)["body"]  # type: ignore[arg-type]
    cases.append(
        (
            "validated route (credits)",
            "raw handler work",
            lambda: resolve(validated),
            lambda: resolve(raw),
        )
    )
    print(f"{'case':34} {'baseline':24} {'us':>8} {'base us':>8} {'ratio':>7}")
    for name, baseline_name, case, baseline in cases:
        base = timed(baseline)
        cost = timed(case)
        print(f"{name:34} {baseline_name:24} {cost * 1e6:8.2f} {base * 1e6:8.2f} {cost / base:7.1f}x")


def main(argv: list[str] | None = None) -> int:
    """Every section in turn; 0 when every target holds (or ``--no-targets``), else 1."""
    from bench import cold_start, ledger, local_stack, remote_calls, warm

    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--pairs", type=int, default=3, help="cold start: (floor, function) pairs each")
    parser.add_argument("--ingest-calls", type=int, default=10_000, help="ingest, in-memory clients")
    parser.add_argument("--ingest-moto-calls", type=int, default=500, help="ingest against moto")
    parser.add_argument("--signing-calls", type=int, default=10_000)
    parser.add_argument("--settlement-calls", type=int, default=200)
    parser.add_argument("--movements", type=int, default=1000, help="ledger: wallet movements (patched)")
    parser.add_argument(
        "--rate-webhooks", type=int, default=100, help="local stack: webhooks timed at each concurrency"
    )
    parser.add_argument(
        "--webhooks", type=int, default=2000, help="local stack: webhooks in all (rates included)"
    )
    parser.add_argument("--credits", type=int, default=400, help="local stack: wallet credits in all")
    parser.add_argument("--functions", help="cold start: comma-separated logical ids (default: all)")
    parser.add_argument(
        "--small",
        action="store_true",
        help="a quick run (make test): 1 function, 1 pair, 30 calls, 80 webhooks, 10 credits",
    )
    parser.add_argument("--no-targets", action="store_true", help="exit 0 whatever the figures")
    args = parser.parse_args(argv)
    only = set(args.functions.split(",")) if args.functions else None
    if args.small:
        args.pairs, args.ingest_calls, args.signing_calls, args.settlement_calls = 1, 30, 30, 30
        args.ingest_moto_calls = 30
        args.movements = 40
        args.rate_webhooks, args.webhooks, args.credits = 8, 80, 10
        only = {"IngestWebhookFunction"}
    held = []
    print("== hot paths (in-process, no AWS)")
    hot_paths()
    print(
        f"\n== cold start: import handler + one boto3 client vs import boto3 + one client, {args.pairs} pairs"
    )
    held.append(cold_start.report(cold_start.measure(args.pairs, only)))
    layer = cold_start.layer_size()
    print("layer:", f"{layer[0]} {layer[1] / 1e6:.1f} MB" if layer else "not built (make build)")
    print("\n== warm p50/p99, in-process handlers against moto and the simulator")
    held.append(
        warm.report(
            [
                *warm.ingest(args.ingest_calls, args.ingest_moto_calls),
                warm.signing(args.signing_calls),
                warm.settlement(args.settlement_calls),
            ]
        )
    )
    print("\n== remote calls: a split order settled by its first webhook")
    held.append(remote_calls.report(remote_calls.measure()))
    print("\n== wallet movements against a growing ledger (moto in-process)")
    held.append(
        ledger.report(
            [ledger.run(args.movements, patched=True), ledger.run(max(1, args.movements // 4), patched=False)]
        )
    )
    print(
        f"\n== local stack (python -m paybridge_local): accepted webhooks per second and resident memory, "
        f"{args.webhooks} webhooks and {args.credits} wallet credits"
    )
    held.append(local_stack.report(local_stack.measure(args.rate_webhooks, args.webhooks, args.credits)))
    ok = all(held)
    print("\nall targets hold" if ok else "\nsome targets do not hold (FAIL above)")
    return 0 if ok or args.no_targets else 1


if __name__ == "__main__":
    raise SystemExit(main())
