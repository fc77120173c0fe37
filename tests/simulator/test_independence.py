"""The simulator is an independent oracle: it imports nothing from the product, and it refuses what the
product would accept when the product's model drifts from Juspay's shapes."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from typing import Any

import requests
from pydantic import ConfigDict, Field

from paybridge.models.juspay import Order
from tests.helpers import ROOT
from tests.juspay_helpers import SimControl, load_sample

SIMULATOR = ROOT / "paybridge_local" / "simulator"


def _imports(source: str) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


def test_no_simulator_module_imports_the_product() -> None:
    modules = sorted(SIMULATOR.glob("*.py"))
    assert len(modules) > 5
    for path in modules:
        product = {m for m in _imports(path.read_text()) if m == "paybridge" or m.startswith("paybridge.")}
        assert product == set(), f"{path.name} imports {product}"


def test_importing_and_running_the_simulator_loads_no_product_module() -> None:
    script = (
        "import sys, requests\n"
        "from paybridge_local.simulator import JuspaySimulator\n"
        "sim = JuspaySimulator().start()\n"
        "order = {'order_id': 'o1', 'status': 'CHARGED', 'amount': 5, 'txn_id': 't1'}\n"
        "requests.put(sim.url + '/__sim/orders/o1', json=order, timeout=5).raise_for_status()\n"
        "sim.stop()\n"
        "print([m for m in sys.modules if m == 'paybridge' or m.startswith('paybridge.')])\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout.strip() == "[]"


class _RenamedStatusOrder(Order):
    """A product change that drifts from Juspay: the order's status serialised as ``order_status``."""

    model_config = ConfigDict(extra="allow", populate_by_name=True, serialize_by_alias=True)
    status: str = Field(alias="order_status")


def _wire(order: Order) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(order.model_dump_json(by_alias=True, exclude_none=True))
    return loaded


def test_a_product_model_drift_is_refused_by_the_simulator(control: SimControl) -> None:
    sample = load_sample("order_status_charged_nb.json")
    current = _wire(Order.model_validate(sample))
    renamed = {**{k: v for k, v in sample.items() if k != "status"}, "order_status": sample["status"]}
    drifted = _wire(_RenamedStatusOrder.model_validate(renamed))
    # The product agrees with itself: its drifted model reads back what it wrote.
    assert _RenamedStatusOrder.model_validate(drifted).status == "CHARGED"
    assert "status" not in drifted

    accepted = control.put_order(current, order_id=sample["order_id"])
    refused = control.put_order(drifted, order_id=sample["order_id"])

    assert accepted.status_code == 200, accepted.text
    assert refused.status_code == 400
    assert "invalid fields: ['status']" in refused.json()["error"]


def test_the_simulator_refuses_product_types_juspay_never_sends(sim: Any) -> None:
    # A float amount or a numeric status would pass a lenient model; Juspay sends neither.
    for order in ({"order_id": "o2", "status": "CHARGED", "amount": True}, {"order_id": "o2", "status": 21}):
        response = requests.put(f"{sim.url}/__sim/orders/o2", json=order, timeout=5)
        assert response.status_code == 400, order
