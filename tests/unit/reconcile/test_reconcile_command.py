"""`python -m paybridge_ops reconcile`: arguments, the request it sends, the report, the local target."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from paybridge_ops.reconcile import parse_args, render, request_of, target


def test_the_window_arguments_become_the_functions_request() -> None:
    args = parse_args(["reconcile", "--since", "2026-11-29T10:00Z", "--until", "2026-11-29T13:00+05:30"])
    assert request_of(args) == {"since": "2026-11-29T10:00:00+00:00", "until": "2026-11-29T13:00:00+05:30"}
    assert request_of(parse_args(["reconcile", "--hours", "6"])) == {"hours": 6}
    assert request_of(parse_args(["reconcile"])) == {}


@pytest.mark.parametrize(
    "argv",
    [
        ["reconcile", "--since", "2026-11-29T10:00"],  # no UTC offset
        ["reconcile", "--hours", "2", "--since", "2026-11-29T10:00Z"],
        ["reconcile", "--stack", "a", "--function-name", "b"],
    ],
)
def test_bad_arguments_exit_2(argv: list[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        parse_args(argv)
    assert exited.value.code == 2


def test_the_report_puts_orders_needing_attention_first() -> None:
    def order(order_id: str, result: str, done: list[str]) -> dict[str, Any]:
        return {
            "order_id": order_id,
            "record_status": "SETTLED",
            "juspay_status": "CHARGED",
            "result": result,
            "found": [f"found {order_id}"],
            "done": done,
        }

    report = {
        "since": "S",
        "until": "U",
        "complete": False,
        "stopped": "out of time",
        "counts": {
            "checked": 3,
            "repaired": 1,
            "mismatch": 1,
            "in_agreement": 0,
            "error": 1,
            "not_reached": 4,
        },
        "orders": [
            order("a", "repaired", ["settlement: debited"]),
            order("b", "error", []),
            order("c", "mismatch", []),
        ],
    }
    text = render(report)
    assert text.splitlines()[:2] == [
        "Reconciliation of orders touched S .. U (STOPPED, out of time: 4 orders not reached)",
        "checked 3: 1 repaired, 1 mismatch(es) reported, 0 in agreement, 1 error(s)",
    ]
    assert text.index("  b  ") < text.index("  c  ") < text.index("  a  ")
    assert "      done:  settlement: debited" in text


def test_the_local_target_is_read_from_the_outputs_file(tmp_path: Path) -> None:
    outputs = tmp_path / "outputs.json"
    outputs.write_text(
        json.dumps(
            {
                "region": "ap-south-1",
                "urls": {"aws": "http://127.0.0.1:1"},
                "functions": {"ReconcileOrdersFunction": {"name": "paybridge-local-ReconcileOrdersFunction"}},
            }
        )
    )
    client, name = target(parse_args(["reconcile", "--outputs", str(outputs)]))
    assert name == "paybridge-local-ReconcileOrdersFunction"
    assert client.meta.endpoint_url == "http://127.0.0.1:1"
    with pytest.raises(SystemExit, match="make local"):
        target(parse_args(["reconcile", "--outputs", str(tmp_path / "missing.json")]))
