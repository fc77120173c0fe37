"""Wallet movements against a growing ledger in moto: the cost of one ``TransactWriteItems`` (a balance update
plus a new ledger entry, as settlement writes it) and the Python heap, early in the run against late, with
``paybridge_local.moto_transactions`` (the local stack's) and with moto's own method (whole-table copies).
Heap: Python memory still held after the run (``tracemalloc``, after a collection) per movement.

Flat means the last block of movements costs about what the first did, and the heap grows by the ledger's
items only. Each movement is paired with the same transaction on a one-item reference table, timed right
after it, so a busy machine slows both alike: a block's figure is the median of movement / reference.
Target: with the patch, the last block's figure within 1.5x of the first block's.
"""

from __future__ import annotations

import gc
import statistics
import time
import tracemalloc
from dataclasses import dataclass
from typing import Any

import boto3
from moto import mock_aws

from paybridge_local import moto_transactions

TARGET = 1.5
BLOCK = 100


@dataclass(frozen=True)
class LedgerRun:
    """One run: movements made, median ms of the first and last block, heap growth per movement (bytes)."""

    label: str
    movements: int
    first_ms: float
    last_ms: float
    heap_per_movement: float
    #: last block against the first, each movement relative to its reference transaction
    ratio: float


def run(movements: int, *, patched: bool) -> LedgerRun:
    """``movements`` wallet movements of one customer into a fresh moto ledger table."""
    with mock_aws():
        ddb = boto3.client("dynamodb", region_name="ap-south-1")
        ddb.create_table(
            TableName="ledger",
            KeySchema=[
                {"AttributeName": "pk", "KeyType": "HASH"},
                {"AttributeName": "sk", "KeyType": "RANGE"},
            ],
            AttributeDefinitions=[
                {"AttributeName": "pk", "AttributeType": "S"},
                {"AttributeName": "sk", "AttributeType": "S"},
            ],
            BillingMode="PAY_PER_REQUEST",
        )
        ddb.create_table(
            TableName="reference",
            KeySchema=[
                {"AttributeName": "pk", "KeyType": "HASH"},
                {"AttributeName": "sk", "KeyType": "RANGE"},
            ],
            AttributeDefinitions=[
                {"AttributeName": "pk", "AttributeType": "S"},
                {"AttributeName": "sk", "AttributeType": "S"},
            ],
            BillingMode="PAY_PER_REQUEST",
        )
        for table in ("ledger", "reference"):
            balance = {"pk": {"S": "W#c1"}, "sk": {"S": "BALANCE"}, "bal": {"N": "0"}}
            ddb.put_item(TableName=table, Item=balance)
        if patched:
            moto_transactions.install()
        tracemalloc.start()
        try:
            start_heap = tracemalloc.get_traced_memory()[0]
            times, references = [], []
            for i in range(movements):
                items: list[Any] = [
                    {
                        "Update": {
                            "TableName": "ledger",
                            "Key": {"pk": {"S": "W#c1"}, "sk": {"S": "BALANCE"}},
                            "UpdateExpression": "SET bal = bal + :a",
                            "ExpressionAttributeValues": {":a": {"N": "100"}},
                        }
                    },
                    {
                        "Put": {
                            "TableName": "ledger",
                            "Item": {"pk": {"S": "W#c1"}, "sk": {"S": f"E#{i:08d}"}, "amt": {"N": "100"}},
                            "ConditionExpression": "attribute_not_exists(sk)",
                        }
                    },
                ]
                began = time.perf_counter()
                ddb.transact_write_items(TransactItems=items)
                times.append(time.perf_counter() - began)
                for item in items:
                    op = next(iter(item.values()))
                    op["TableName"] = "reference"
                    op.pop("ConditionExpression", None)  # the reference keeps one entry, overwritten
                    if "Item" in op:
                        op["Item"]["sk"] = {"S": "E#0"}
                began = time.perf_counter()
                ddb.transact_write_items(TransactItems=items)
                references.append(time.perf_counter() - began)
            gc.collect()  # what is still held, not garbage awaiting collection
            heap = tracemalloc.get_traced_memory()[0] - start_heap
        finally:
            tracemalloc.stop()
            moto_transactions.uninstall()
    block = min(BLOCK, max(1, movements // 4))
    relative = [t / r for t, r in zip(times, references, strict=True)]
    return LedgerRun(
        "item undo log (local stack)" if patched else "moto's own (table copies)",
        movements,
        statistics.median(times[:block]) * 1e3,
        statistics.median(times[-block:]) * 1e3,
        heap / movements,
        statistics.median(relative[-block:]) / statistics.median(relative[:block]),
    )


def report(runs: list[LedgerRun]) -> bool:
    """One line per run; True when the patched run is flat (within the target)."""
    print(f"{'transactions':28} {'moves':>6} {'first ms':>9} {'last ms':>8} {'last/first':>17} {'B/move':>8}")
    ok = True
    for r in runs:
        verdict = ""
        if r.label.startswith("item"):
            held = r.ratio <= TARGET
            ok &= held
            verdict = f"  target <= {TARGET}x {'ok' if held else 'FAIL'}"
        print(
            f"{r.label:28} {r.movements:6} {r.first_ms:9.2f} {r.last_ms:8.2f} {r.ratio:16.2f}x "
            f"{r.heap_per_movement:8.0f}{verdict}"
        )
    return ok
