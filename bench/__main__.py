"""`make bench`: how much the hot paths cost relative to a plain baseline measured in the same run.

Absolute times depend on the machine; the ratios are what to compare between changes.
"""

from __future__ import annotations

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


def main() -> int:
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
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
