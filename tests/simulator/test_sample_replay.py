"""Every official ``*.curl.txt`` request replayed against the simulator (host and credentials changed only),
each answer compared with the matching official response sample (INDEX.md): field names and JSON types,
recursively. A difference is either fixed or listed in ``EXCEPTIONS`` with its reason (docs/simulator.md
shows the same table; a test keeps them in step)."""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

import pytest
import requests

from paybridge_local.simulator import JuspaySimulator
from tests.helpers import ROOT, SAMPLES
from tests.juspay_helpers import API_KEY, MERCHANT_ID, SimControl, load_sample, strict_json_samples
from tests.simulator.samples_replay import CurlRequest, parse_curl, shape_differences

_PLACEHOLDER_JWE = (
    "the sample's JWE is a placeholder, not a JWE (the simulator answers 400 invalid_request);"
    " the encrypted API is replayed with real keys in test_jwe_endpoints.py"
)
#: Samples not replayed, or replayed with differences, and why. Keys: a request, or "request → response".
EXCEPTIONS: dict[str, str] = {
    "jwe_order_status_request_split_format.curl.txt": _PLACEHOLDER_JWE,
    "jwe_refund_request_split_format.curl.txt": _PLACEHOLDER_JWE,
    "order_status_v4_jwt_request.curl.txt": _PLACEHOLDER_JWE,
    "mandate_execution_request.curl.txt": (
        "it names pre-debit notification 2QNPw8KSbpHL122bNP926, and the simulator numbers the notifications"
        " it sends; executions are replayed after a real notification in test_mandate_debits_sim.py"
    ),
    "webhook_delivery_request_shape.curl.txt": (
        "not a call to Juspay: Juspay's webhook POST to the merchant, body `<Payload>`;"
        " the webhook shapes are checked per family in test_webhook_families.py"
    ),
    "mandate_pre_debit_notify_request.curl.txt → mandate_pre_debit_notify_response.json": (
        "the answer echoes the request's source_info, and the request sample sends no"
        " mandate.display_invoice_number in it"
    ),
}
#: The differences an exception allows, exactly (a difference fixed must leave this table too).
ALLOWED = {
    "mandate_pre_debit_notify_request.curl.txt → mandate_pre_debit_notify_response.json": [
        "missing $.source_info.mandate.display_invoice_number"
    ]
}
#: A request whose URL is a placeholder: the API it documents (INDEX.md: "Order creation with metadata").
PATH_OVERRIDES = {"webhook_dynamic_url_metadata.curl.txt": "/orders"}

Seed = Callable[[SimControl], None]


def _order(name: str, order_id: str, **changes: Any) -> Seed:
    def seed(control: SimControl) -> None:
        order = copy.deepcopy(load_sample(name))
        order.update(order_id=order_id, **changes)
        response = control.http.put(
            f"{control.url}/__sim/orders/{quote(order_id, safe='')}", json=_plain(order)
        )
        assert response.status_code == 200, response.text

    return seed


def _mandates(customer_id: str | None, *mandates: dict[str, Any]) -> Seed:
    def seed(control: SimControl) -> None:
        for mandate in mandates:
            body = {k: v for k, v in mandate.items() if k not in ("response_message", "mandate_status")}
            body["status"] = mandate.get("status") or mandate.get("mandate_status")
            if customer_id is not None:
                body["customer_id"] = customer_id
            response = control.http.put(
                f"{control.url}/__sim/mandates/{mandate['mandate_id']}", json=_plain(body)
            )
            assert response.status_code == 200, response.text

    return seed


def _execution(control: SimControl) -> None:
    # A pending debit of the mandate: the sample's order before it was stopped.
    _mandates("cst_2h0dwktdpsefeyk6", {"mandate_id": "vcPEf8ZJ3Tf7i8qFhCPEDs", "status": "ACTIVE"})(control)
    order = copy.deepcopy(load_sample("order_status_after_cancel_recurring_txn.json"))
    order.update(_CANCELLABLE)
    order["txn_detail"].update(status="PENDING_VBV", source_object_id="vcPEf8ZJ3Tf7i8qFhCPEDs")
    response = control.http.put(f"{control.url}/__sim/orders/{order['order_id']}", json=_plain(order))
    assert response.status_code == 200, response.text


def _plain(value: Any) -> Any:
    # Decimal → str keeps the sample's digits through requests' JSON encoder (the simulator reads numbers).
    return requests.models.complexjson.loads(
        requests.models.complexjson.dumps(value, default=lambda d: float(d) if "." in str(d) else int(d))
    )


def _sample(name: str, **changes: Any) -> dict[str, Any]:
    found = copy.deepcopy(load_sample(name))
    found.update(changes)
    return found


_CHARGED_100 = {"status": "CHARGED", "refunds": [], "amount": 100, "amount_refunded": 0, "refunded": False}
_PAUSE = _sample("mandate_pause_response.json", mandate_status="ACTIVE")
_RESUME = _sample("mandate_resume_response.json", mandate_status="PAUSED")
for _gone in ("pause_start_date", "pause_end_date"):
    _PAUSE.pop(_gone)

_CANCELLABLE = {"status": "PENDING_VBV", "status_id": 23}

#: (request, response sample, what the simulator must hold first)
CASES: list[tuple[str, str, Seed]] = [
    *[
        ("order_status_request.curl.txt", name, _order(name, "JP1636474794"))
        for name in strict_json_samples("order_status_")
        if not name.startswith("order_status_v4")  # the encrypted API's answer (jwe work)
    ],
    (
        "update_order_request.curl.txt",
        "update_order_response.json",
        _order("update_order_response.json", "JPAYNEW035"),
    ),
    (
        "refund_order_request.curl.txt",
        "refund_order_response_pending.json",
        _order("refund_order_response_pending.json", "1418394476", **_CHARGED_100),
    ),
    (
        "refund_txn_id_request.curl.txt",
        "refund_txn_id_response_pending.json",
        _order(
            "refund_order_response_pending.json",
            "JP1636706983",
            txn_id="merchant_success-JP1636706983-2",
            **_CHARGED_100,
        ),
    ),
    (
        "order_fulfillment_request.curl.txt",
        "order_fulfillment_response_200.json",
        _order("order_status_charged_nb.json", "{order_id}"),
    ),
    (
        "order_fulfillment_request.curl.txt",
        "order_fulfillment_response_400.json",
        _order("update_order_response.json", "{order_id}"),
    ),
    ("webhook_dynamic_url_metadata.curl.txt", "create_order_response.json", lambda control: None),
    (
        "session_request_merchant_container.curl.txt",
        "session_response_merchant_container.json",
        lambda c: None,
    ),
    *[
        (
            "mandate_status_check_request.curl.txt",
            name,
            _mandates(None, _sample(name, mandate_id="hyhTD5Ga4jJ2KXZwwnyh4A")),
        )
        for name in strict_json_samples("mandate_status_check_response_")
    ],
    *[
        (
            "mandate_revoke_request.curl.txt",
            name,
            _mandates(
                None,
                _sample("mandate_status_check_response_active.json", mandate_id="7SucJZ2PCyoGY5vvW8Xa26"),
            ),
        )
        for name in strict_json_samples("mandate_revoke_response_")
    ],
    ("mandate_pause_request.curl.txt", "mandate_pause_response.json", _mandates(None, _PAUSE)),
    (
        "mandate_resume_request.curl.txt",
        "mandate_resume_response.json",
        _mandates(None, {**_RESUME, "mandate_id": "7KKT3yu3LcQjskY5F4moS5M"}),
    ),
    (
        "mandate_pre_debit_notify_request.curl.txt",
        "mandate_pre_debit_notify_response.json",
        _mandates("cst_1", {"mandate_id": "b70vxxxxxjGyUhVrV8", "status": "ACTIVE", "max_amount": 100}),
    ),
    (
        "mandate_cancel_recurring_txn_request.curl.txt",
        "mandate_cancel_recurring_txn_response.json",
        _execution,
    ),
    *[
        ("mandate_list_request.curl.txt", name, _mandates("cst_lz7zmpemoo5okgav", *load_sample(name)["list"]))
        for name in strict_json_samples("mandate_list_response_")
    ],
]
_PAUSE["mandate_id"] = "7KKTSsVLcQjskY5F4moS5M"


def _send(sim: JuspaySimulator, name: str) -> requests.Response:
    request: CurlRequest = parse_curl(SAMPLES / name).with_credentials(API_KEY, MERCHANT_ID)
    path = PATH_OVERRIDES.get(name, request.path)
    return requests.request(
        request.method, sim.url + path, headers=request.headers, data=request.body or None, timeout=10
    )


@pytest.mark.parametrize(
    ("request_name", "response_name", "seed"), CASES, ids=[f"{c[0]}→{c[1]}" for c in CASES]
)
def test_replayed_sample_answers_like_the_official_response(
    sim: JuspaySimulator, control: SimControl, request_name: str, response_name: str, seed: Seed
) -> None:
    seed(control)
    response = _send(sim, request_name)
    expected = load_sample(response_name)
    ok_status = 400 if response_name.endswith("_400.json") else 200
    assert response.status_code == ok_status, response.text
    differences = shape_differences(expected, response.json())
    assert differences == ALLOWED.get(f"{request_name} → {response_name}", [])


def test_every_allowed_difference_has_its_reason() -> None:
    assert set(ALLOWED) <= set(EXCEPTIONS)


def test_every_curl_sample_is_replayed_or_an_exception() -> None:
    replayed = {c[0] for c in CASES}
    for path in sorted(SAMPLES.glob("*.curl.txt")):
        assert (path.name in replayed) != (path.name in EXCEPTIONS), path.name


@pytest.mark.parametrize(
    ("name", "status"),
    [
        ("jwe_order_status_request_split_format.curl.txt", 400),
        ("jwe_refund_request_split_format.curl.txt", 400),
        ("order_status_v4_jwt_request.curl.txt", 400),
        ("mandate_execution_request.curl.txt", 404),
    ],
)
def test_requests_not_replayed_are_still_answered_in_the_envelope(
    sim: JuspaySimulator, name: str, status: int
) -> None:
    response = _send(sim, name)
    assert response.status_code == status
    assert response.json()["status"] == "ERROR"


def test_docs_list_the_same_exceptions() -> None:
    text = (ROOT / "docs" / "simulator.md").read_text(encoding="utf-8")
    documented = dict(re.findall(r"^\| `([^`]+)` \| (.+?) \|$", text, flags=re.MULTILINE))
    assert documented == EXCEPTIONS
