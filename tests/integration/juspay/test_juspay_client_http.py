"""The client against the simulator over real HTTP: every call, each error class, retries, redaction."""

from __future__ import annotations

import base64
import logging
import socket
from decimal import Decimal

import pytest

from paybridge.errors import (
    JuspayAuthenticationError,
    JuspayBadRequestError,
    JuspayError,
    JuspayNotFoundError,
    JuspayRateLimitedError,
    JuspayUnavailableError,
)
from paybridge.juspay import JuspayClient
from paybridge_local.simulator import JuspaySimulator
from tests.juspay_helpers import API_KEY, MERCHANT_ID, SimControl, make_client

SPLIT = "order_status_split_partial_charged_custom_wallet.json"
NB = "order_status_charged_nb.json"
MANDATE = "order_status_mandate_register_upi.json"
MANDATE_ID, MANDATE_CUSTOMER = "3XMEcS1z2212Gq7fbfVYbzj", "cst_lz7zmpemoo5okv"
COD_GUEST = "order_status_cod_initiated.json"  # no customer_id: a guest order
SPLIT_ROUTE = {"order_id": "testing-order-147", "customer_id": "testing-customer-two"}
D = Decimal


def juspay_calls(control: SimControl, method: str, path: str) -> list[dict[str, object]]:
    return [r for r in control.requests_log() if r["method"] == method and r["path"] == path]


# --- Get Order Status ---------------------------------------------------------------------------------------
def test_get_order_status_split_order_and_headers(client: JuspayClient, control: SimControl) -> None:
    control.put_sample(SPLIT)
    order = client.get_order_status("testing-order-147", customer_id="testing-customer-two")
    assert order.status == "PARTIAL_CHARGED"
    assert order.amount == D(50)
    assert [(t.payment_method_type, t.status, t.txn_amount) for t in order.transactions()] == [
        ("CARD", "CHARGED", D(40)),
        ("MERCHANT_CONTAINER", "TO_BE_CHARGED", D(10)),
    ]
    (first,) = juspay_calls(control, "GET", "/orders/testing-order-147")
    assert first["headers"]["x-merchantid"] == MERCHANT_ID  # type: ignore[index]
    assert first["headers"]["version"] == "2023-06-30"  # type: ignore[index]
    assert first["headers"]["authorization"] == "Basic ***"  # type: ignore[index]
    assert first["headers"]["x-routing-id"] == "testing-customer-two"  # type: ignore[index]
    assert first["routing_id"] == first["expected_routing_id"] == "testing-customer-two"


def test_guest_order_is_routed_by_its_order_id(client: JuspayClient, control: SimControl) -> None:
    control.put_sample(COD_GUEST)
    assert client.get_order_status("1690960292", customer_id=None).status == "COD_INITIATED"
    (call,) = juspay_calls(control, "GET", "/orders/1690960292")
    assert call["routing_id"] == call["expected_routing_id"] == "1690960292"


def test_a_call_routed_by_another_id_is_a_routing_violation(
    client: JuspayClient, control: SimControl, sim: JuspaySimulator
) -> None:
    control.put_sample(SPLIT)
    control.put_sample(MANDATE)
    client.get_order_status("testing-order-147", customer_id=None)  # the order id, though it has a customer
    client.check_mandate_status("3XMEcS1z2212Gq7fbfVYbzj", customer_id="someone-else")
    violations = control.http.get(f"{control.url}/__sim/routing-violations").json()
    assert [(v["path"], v["routing_id"], v["expected_routing_id"]) for v in violations] == [
        ("/orders/testing-order-147", "testing-order-147", "testing-customer-two"),
        ("/mandates/3XMEcS1z2212Gq7fbfVYbzj", "someone-else", "cst_lz7zmpemoo5okv"),
    ]
    # Deliberate here: cleared, so the suite-wide check does not fail this test.
    assert control.http.delete(f"{control.url}/__sim/routing-violations").status_code == 200
    assert sim.state.routing_violation_log() == []


def test_order_moves_through_its_life(client: JuspayClient, control: SimControl) -> None:
    control.put_sample(NB, status="PENDING_VBV")
    assert client.get_order_status("JPAYNEW032", customer_id="cst_wiqou3224").status == "PENDING_VBV"
    control.put_sample(NB)
    assert client.get_order_status("JPAYNEW032", customer_id="cst_wiqou3224").status == "CHARGED"


def test_unknown_order_is_not_found(client: JuspayClient) -> None:
    with pytest.raises(JuspayNotFoundError) as info:
        client.get_order_status("nope", customer_id=None)
    assert info.value.details["http_status"] == 404


def test_wrong_key_is_authentication_error(sim: JuspaySimulator, control: SimControl) -> None:
    control.put_sample(NB)
    with pytest.raises(JuspayAuthenticationError) as info:
        make_client(sim.url, api_key="wrong").get_order_status("JPAYNEW032", customer_id="cst_wiqou3224")
    assert info.value.retryable is False
    assert len(juspay_calls(control, "GET", "/orders/JPAYNEW032")) == 1, "401 is never retried"


def test_wrong_merchant_is_authentication_error(sim: JuspaySimulator, control: SimControl) -> None:
    control.put_sample(NB)
    with pytest.raises(JuspayAuthenticationError):
        make_client(sim.url, merchant_id="someone_else").get_order_status(
            "JPAYNEW032", customer_id="cst_wiqou3224"
        )


def test_403_is_authentication_error(client: JuspayClient, control: SimControl) -> None:
    control.fault(path="/orders/*", status=403)
    with pytest.raises(JuspayAuthenticationError):
        client.get_order_status("x", customer_id=None)


# --- Retries -----------------------------------------------------------------------------------------------
def test_get_is_retried_on_503_then_succeeds(client: JuspayClient, control: SimControl) -> None:
    control.put_sample(NB)
    control.fault(method="GET", path="/orders/JPAYNEW032", status=503, times=2)
    assert client.get_order_status("JPAYNEW032", customer_id="cst_wiqou3224").status == "CHARGED"
    assert len(juspay_calls(control, "GET", "/orders/JPAYNEW032")) == 3


def test_get_gives_up_after_max_retries_with_unavailable(client: JuspayClient, control: SimControl) -> None:
    control.fault(path="/orders/*", status=500, times=10)
    with pytest.raises(JuspayUnavailableError) as info:
        client.get_order_status("JPAYNEW032", customer_id="cst_wiqou3224")
    assert info.value.retryable
    assert info.value.details["http_status"] == 500
    assert len(juspay_calls(control, "GET", "/orders/JPAYNEW032")) == 3  # 1 + max_retries(2)


def test_get_is_retried_after_read_timeout(client: JuspayClient, control: SimControl) -> None:
    control.put_sample(NB)
    control.fault(path="/orders/JPAYNEW032", delay_ms=800, times=1)
    assert client.get_order_status("JPAYNEW032", customer_id="cst_wiqou3224").order_id == "JPAYNEW032"
    assert len(juspay_calls(control, "GET", "/orders/JPAYNEW032")) == 2


def test_get_times_out_every_time_is_unavailable(client: JuspayClient, control: SimControl) -> None:
    control.fault(path="/orders/JPAYNEW032", delay_ms=700, times=3)
    with pytest.raises(JuspayUnavailableError):
        client.get_order_status("JPAYNEW032", customer_id="cst_wiqou3224")
    assert len(juspay_calls(control, "GET", "/orders/JPAYNEW032")) == 3


def test_dropped_connection_on_get_is_retried(client: JuspayClient, control: SimControl) -> None:
    control.put_sample(NB)
    control.fault(path="/orders/JPAYNEW032", drop=True, times=1)
    assert client.get_order_status("JPAYNEW032", customer_id="cst_wiqou3224").status == "CHARGED"
    assert len(juspay_calls(control, "GET", "/orders/JPAYNEW032")) == 2


def test_429_retried_then_rate_limited(client: JuspayClient, control: SimControl) -> None:
    control.fault(path="/customers/c1/mandates", status=429, times=1)
    assert client.list_mandates("c1").mandates == []
    control.fault(path="/customers/c1/mandates", status=429, times=5)
    with pytest.raises(JuspayRateLimitedError) as info:
        client.list_mandates("c1")
    assert info.value.retryable


def test_connection_refused_is_unavailable() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(JuspayUnavailableError):
        make_client(f"http://127.0.0.1:{port}", max_retries=1).get_order_status("o1", customer_id=None)


def test_unsendable_request_is_base_error() -> None:
    with pytest.raises(JuspayError) as info:
        make_client("ftp://127.0.0.1:1").get_order_status("o1", customer_id=None)
    assert type(info.value) is JuspayError


# --- Error bodies ------------------------------------------------------------------------------------------
def test_400_maps_juspay_error_code_and_message(client: JuspayClient, control: SimControl) -> None:
    body = {"status": "ERROR", "error_code": "invalid.order_id", "error_message": "Bad order id"}
    control.fault(path="/orders/*", status=400, body=body)
    with pytest.raises(JuspayBadRequestError) as info:
        client.get_order_status("x", customer_id=None)
    assert (info.value.error_code, info.value.error_message) == ("invalid.order_id", "Bad order id")
    assert info.value.details["juspay_error_code"] == "invalid.order_id"


def test_422_without_json_body_is_bad_request(client: JuspayClient, control: SimControl) -> None:
    control.fault(path="/orders/*", status=422, body="<html>nope</html>")
    with pytest.raises(JuspayBadRequestError) as info:
        client.get_order_status("x", customer_id=None)
    assert info.value.error_code is None


def test_unexpected_status_is_base_error(client: JuspayClient, control: SimControl) -> None:
    control.fault(path="/orders/*", status=418)
    with pytest.raises(JuspayError) as info:
        client.get_order_status("x", customer_id=None)
    assert type(info.value) is JuspayError
    assert info.value.details["http_status"] == 418


def test_success_with_non_json_or_wrong_shape_is_base_error(
    client: JuspayClient, control: SimControl
) -> None:
    control.fault(path="/orders/a", status=200, body="not json")
    with pytest.raises(JuspayError, match="not JSON"):
        client.get_order_status("a", customer_id=None)
    control.fault(path="/orders/b", status=200, body={"order_id": "b", "customer_email": "x@y.z"})
    with pytest.raises(JuspayError, match="unexpected shape") as info:
        client.get_order_status("b", customer_id=None)
    assert info.value.details["invalid_fields"] == ["status"]
    assert "x@y.z" not in str(info.value)


# --- Update Order ------------------------------------------------------------------------------------------
def test_update_order_sends_form_and_returns_order(client: JuspayClient, control: SimControl) -> None:
    control.put_sample("update_order_response.json", amount=100)
    order = client.update_order(
        "JPAYNEW035",
        amount=D("90"),
        udfs={"udf1": "cart-7"},
        address={"billing_address_city": "Pune"},
        customer_id="cst_wiqou3224",
    )
    assert order.amount == D(90)
    assert order.udf1 == "cart-7"
    (call,) = juspay_calls(control, "POST", "/orders/JPAYNEW035")
    assert call["form"] == {"amount": "90.00", "udf1": "cart-7", "billing_address_city": "Pune"}
    assert call["headers"]["x-routing-id"] == "cst_wiqou3224"  # type: ignore[index]


@pytest.mark.parametrize("fault", [{"status": 503}, {"delay_ms": 800}, {"drop": True}])
def test_update_order_is_not_retried_once_sent(
    client: JuspayClient, control: SimControl, fault: dict[str, object]
) -> None:
    control.put_sample("update_order_response.json")
    control.fault(method="POST", path="/orders/JPAYNEW035", **fault)
    with pytest.raises(JuspayUnavailableError):
        client.update_order("JPAYNEW035", amount=D("90"), customer_id="cst_wiqou3224")
    assert len(juspay_calls(control, "POST", "/orders/JPAYNEW035")) == 1


def test_update_unknown_order_is_not_found(client: JuspayClient) -> None:
    with pytest.raises(JuspayNotFoundError):
        client.update_order("missing", udfs={"udf2": "x"}, customer_id=None)


# --- Refunds -----------------------------------------------------------------------------------------------
def test_refund_order_pending_then_same_request_same_refund(
    client: JuspayClient, control: SimControl
) -> None:
    control.put_sample(NB)
    order = client.refund_order(
        "JPAYNEW032", unique_request_id="rf_1", amount=D("100.5"), customer_id="cst_wiqou3224"
    )
    refund = order.find_refund("rf_1")
    assert refund is not None
    assert (refund.status, refund.amount) == ("PENDING", D("100.50"))
    again = client.refund_order(
        "JPAYNEW032", unique_request_id="rf_1", amount=D("100.50"), customer_id="cst_wiqou3224"
    )
    assert [r.unique_request_id for r in again.refunds] == ["rf_1"]
    calls = juspay_calls(control, "POST", "/orders/JPAYNEW032/refunds")
    assert [c["form"] for c in calls] == [{"unique_request_id": "rf_1", "amount": "100.50"}] * 2


def test_refund_id_reused_for_other_amount_is_refused(client: JuspayClient, control: SimControl) -> None:
    control.put_sample(NB)
    client.refund_order("JPAYNEW032", unique_request_id="rf_1", amount=D(10), customer_id="cst_wiqou3224")
    with pytest.raises(JuspayBadRequestError) as info:
        client.refund_order("JPAYNEW032", unique_request_id="rf_1", amount=D(11), customer_id="cst_wiqou3224")
    assert info.value.error_code == "duplicate.call"
    assert info.value.error_message is not None
    assert "unique_request_id" in info.value.error_message


def test_refund_rules(client: JuspayClient, control: SimControl) -> None:
    control.put_sample(NB)
    with pytest.raises(JuspayBadRequestError) as info:
        client.refund_order(
            "JPAYNEW032", unique_request_id="rf_big", amount=D("9000.01"), customer_id="cst_wiqou3224"
        )
    assert info.value.error_code == "invalid.amount.exceeded"
    control.put_sample(NB, status="PENDING_VBV", order_id="pending-1")
    with pytest.raises(JuspayBadRequestError) as info:
        client.refund_order("pending-1", unique_request_id="rf_p", amount=D(1), customer_id="cst_wiqou3224")
    assert info.value.error_code == "invalid.order.not_successful"
    with pytest.raises(JuspayNotFoundError):
        client.refund_order("unknown-order", unique_request_id="rf_u", amount=D(1), customer_id=None)


def test_refund_retried_on_503_with_same_id_creates_one_refund(
    client: JuspayClient, control: SimControl
) -> None:
    control.put_sample(NB)
    control.fault(method="POST", path="/orders/JPAYNEW032/refunds", status=503, times=2)
    order = client.refund_order(
        "JPAYNEW032", unique_request_id="rf_503", amount=D(5), customer_id="cst_wiqou3224"
    )
    assert [r.unique_request_id for r in order.refunds] == ["rf_503"]
    calls = juspay_calls(control, "POST", "/orders/JPAYNEW032/refunds")
    assert len(calls) == 3
    assert {c["form"]["unique_request_id"] for c in calls} == {"rf_503"}


def test_refund_retried_after_timeout_answers_the_refund_already_made(
    client: JuspayClient, control: SimControl
) -> None:
    control.put_sample(NB)
    # The first attempt is processed by "Juspay" but answered too late: the retry must not refund twice.
    control.fault(method="POST", path="/orders/JPAYNEW032/refunds", delay_ms=800, times=1)
    order = client.refund_order(
        "JPAYNEW032", unique_request_id="rf_slow", amount=D(5), customer_id="cst_wiqou3224"
    )
    assert [(r.unique_request_id, r.amount) for r in order.refunds] == [("rf_slow", D(5))]
    assert len(juspay_calls(control, "POST", "/orders/JPAYNEW032/refunds")) == 2


def test_refund_txn_on_split_order(client: JuspayClient, control: SimControl) -> None:
    control.put_sample(SPLIT)
    refund = client.refund_txn(
        "neeraj_juspay_prod-testing-order-147-3-1",
        unique_request_id="rf_txn_1",
        amount=D(40),
        refund_type="INSTANT",
        order_id="testing-order-147",
        customer_id="testing-customer-two",
    )
    assert (refund.status, refund.amount, refund.refund_type) == ("PENDING", D(40), "INSTANT")
    assert refund.order_id == "testing-order-147"
    (call,) = juspay_calls(control, "POST", "/refunds")
    assert call["form"] == {
        "txn_id": "neeraj_juspay_prod-testing-order-147-3-1",
        "unique_request_id": "rf_txn_1",
        "amount": "40.00",
        "refund_type": "INSTANT",
    }
    assert call["headers"]["x-routing-id"] == "testing-customer-two"  # type: ignore[index]
    order = client.get_order_status("testing-order-147", customer_id="testing-customer-two")
    assert [(r.unique_request_id, r.status) for r in order.refunds] == [("rf_txn_1", "PENDING")]
    assert order.transactions()[0].amount_refunded == D(40)
    again = client.refund_txn(
        "neeraj_juspay_prod-testing-order-147-3-1",
        unique_request_id="rf_txn_1",
        amount=D(40),
        order_id="testing-order-147",
        customer_id="testing-customer-two",
    )
    assert again.unique_request_id == "rf_txn_1"
    assert len(client.get_order_status("testing-order-147", customer_id="testing-customer-two").refunds) == 1


def test_refund_txn_refusals(client: JuspayClient, control: SimControl) -> None:
    control.put_sample(SPLIT)
    with pytest.raises(JuspayBadRequestError):  # the wallet share is TO_BE_CHARGED: nothing to refund
        client.refund_txn(
            "neeraj_juspay_prod-testing-order-147-3-2", unique_request_id="rf_w", amount=D(1), **SPLIT_ROUTE
        )
    with pytest.raises(JuspayBadRequestError) as info:
        client.refund_txn(
            "neeraj_juspay_prod-testing-order-147-3-1", unique_request_id="rf_x", amount=D(41), **SPLIT_ROUTE
        )
    assert info.value.error_code == "invalid.amount.exceeded"
    with pytest.raises(JuspayNotFoundError):
        client.refund_txn("no-such-txn", unique_request_id="rf_n", amount=D(1), **SPLIT_ROUTE)


def test_refund_settlement_is_visible_to_the_client(client: JuspayClient, control: SimControl) -> None:
    control.put_sample(NB)
    client.refund_order("JPAYNEW032", unique_request_id="rf_s", amount=D(1), customer_id="cst_wiqou3224")
    assert control.settle("rf_s", "SUCCESS").status_code == 200
    refund = client.get_order_status("JPAYNEW032", customer_id="cst_wiqou3224").find_refund("rf_s")
    assert refund is not None
    assert refund.status == "SUCCESS"


# --- Mandates ----------------------------------------------------------------------------------------------
def test_mandate_lifecycle(client: JuspayClient, control: SimControl) -> None:
    control.put_sample(MANDATE)
    mandate_id, customer = "3XMEcS1z2212Gq7fbfVYbzj", "cst_lz7zmpemoo5okv"
    assert client.check_mandate_status(mandate_id, customer_id=customer).status == "ACTIVE"
    paused = client.pause_mandate(
        mandate_id, pause_start_date="1664200815", pause_end_date="1664546405", customer_id=customer
    )
    # Juspay takes epoch seconds and answers ISO timestamps (mandate_pause_response.json).
    assert (paused.status, paused.pause_end_date) == ("PAUSED", "2022-09-30T14:00:05Z")
    assert (
        client.resume_mandate(mandate_id, resume_date="1696032000", customer_id=customer).status == "ACTIVE"
    )
    revoked = client.revoke_mandate(mandate_id, customer_id=customer)
    assert (revoked.mandate_id, revoked.status) == (mandate_id, "REVOKED")
    with pytest.raises(JuspayBadRequestError):
        client.revoke_mandate(mandate_id, customer_id=customer)
    listing = client.list_mandates(customer)
    assert [(m.mandate_id, m.status) for m in listing.mandates] == [(mandate_id, "REVOKED")]
    order = client.get_order_status("234823498237423894273498", customer_id="cst_lz7zmpemoo5okv")
    assert order.mandate is not None
    assert order.mandate.status == "REVOKED"
    forms = [c["form"] for c in control.requests_log() if c["path"] == f"/mandates/{mandate_id}"]
    assert forms[:3] == [
        {"command": "check_status"},
        {"command": "pause", "pause_start_date": "1664200815", "pause_end_date": "1664546405"},
        {"command": "resume", "resume_date": "1696032000"},
    ]


def test_mandate_check_status_is_retried_but_revoke_is_not(client: JuspayClient, control: SimControl) -> None:
    control.put_sample(MANDATE)
    path = "/mandates/3XMEcS1z2212Gq7fbfVYbzj"
    control.fault(method="POST", path=path, status=503, times=1)
    assert client.check_mandate_status(MANDATE_ID, customer_id=MANDATE_CUSTOMER).status == "ACTIVE"
    control.fault(method="POST", path=path, status=503, times=1)
    with pytest.raises(JuspayUnavailableError):
        client.revoke_mandate(MANDATE_ID, customer_id=MANDATE_CUSTOMER)
    assert len(juspay_calls(control, "POST", path)) == 3  # 2 for check_status, 1 for revoke
    assert client.check_mandate_status(MANDATE_ID, customer_id=MANDATE_CUSTOMER).status == "ACTIVE"


def test_unknown_mandate_is_not_found(client: JuspayClient) -> None:
    with pytest.raises(JuspayNotFoundError):
        client.check_mandate_status("nope", customer_id="cust-nope")


# --- Session -----------------------------------------------------------------------------------------------
def test_create_session(client: JuspayClient, control: SimControl) -> None:
    session = client.create_session(
        {
            "order_id": "sess-1",
            "amount": D("10.00"),
            "customer_id": "cust-1",
            "payment_page_client_id": "shop",
        }
    )
    assert (session.status, session.order_id) == ("NEW", "sess-1")
    assert session.sdk_payload is not None
    assert session.sdk_payload["payload"]["orderId"] == "sess-1"
    assert session.sdk_payload["payload"]["clientId"] == "shop"
    (call,) = juspay_calls(control, "POST", "/session")
    assert call["json"] == {
        "order_id": "sess-1",
        "amount": "10.00",
        "customer_id": "cust-1",
        "payment_page_client_id": "shop",
    }
    assert call["headers"]["x-routing-id"] == "cust-1"  # type: ignore[index]
    assert client.get_order_status("sess-1", customer_id="cust-1").status == "NEW"


def test_create_session_is_not_retried(client: JuspayClient, control: SimControl) -> None:
    control.fault(path="/session", status=502)
    with pytest.raises(JuspayUnavailableError):
        client.create_session({"order_id": "sess-2", "amount": D(1)})
    assert len(juspay_calls(control, "POST", "/session")) == 1


# --- Redaction ---------------------------------------------------------------------------------------------
def test_api_key_never_in_logs_errors_or_reprs(
    sim: JuspaySimulator,
    control: SimControl,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    encoded = base64.b64encode(f"{API_KEY}:".encode()).decode()
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="urllib3")  # restored after the test (observability sets WARNING)
    client = make_client(sim.url)
    control.put_sample(NB)
    texts: list[str] = [repr(client), str(client.__dict__)]
    texts.append(repr(client.get_order_status("JPAYNEW032", customer_id="cst_wiqou3224")))
    control.fault(path="/orders/*", status=503, times=5)
    control.fault(path="/refunds", delay_ms=700, times=5)
    failures: list[BaseException] = []
    for call in (
        lambda: client.get_order_status("JPAYNEW032", customer_id="cst_wiqou3224"),
        lambda: client.refund_txn("t", unique_request_id="r", amount=D(1), order_id="o-t", customer_id=None),
        lambda: make_client(sim.url, api_key=API_KEY + "x").list_mandates("c"),
    ):
        with pytest.raises(JuspayError) as info:
            call()
        failures.append(info.value)
    for exc in failures:
        chain: BaseException | None = exc
        while chain is not None:
            texts += [str(chain), repr(chain), str(getattr(chain, "details", ""))]
            chain = chain.__cause__ or chain.__context__
    out = capsys.readouterr()
    texts += [caplog.text, out.out, out.err]
    assert "juspay call" in out.out + caplog.text, "the client does log its calls"
    for text in texts:
        assert API_KEY not in text
        assert encoded not in text
