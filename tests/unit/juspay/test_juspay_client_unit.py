"""Client pieces that need no HTTP: amount formatting, secret parsing, retry policies, argument checks."""

from __future__ import annotations

import inspect
from decimal import Decimal
from typing import Any

import pytest
import requests
from pydantic import SecretStr

from paybridge.config import JuspayConfig
from paybridge.juspay import JuspayClient, build_session, format_amount, parse_api_key_secret, shared_session
from paybridge.juspay.transport import (
    JuspayBasicAuth,
    PerCallRetryAdapter,
    idempotent_retry,
    retry_policy,
    single_shot_retry,
)
from paybridge.juspay.wire import order_routing_id

KEY = "unit_KEY_7f3a_never_in_repr"


def make(**config: Any) -> JuspayClient:
    settings: dict[str, Any] = {"base_url": "http://127.0.0.1:9", "merchant_id": "m1"}
    settings.update(config)
    return JuspayClient(JuspayConfig(**settings), SecretStr(KEY), session=build_session())


@pytest.mark.parametrize(
    ("amount", "wire"),
    [
        (Decimal("90"), "90.00"),
        (Decimal("100.5"), "100.50"),
        (Decimal("0.01"), "0.01"),
        (Decimal("1.230"), "1.23"),
    ],
)
def test_format_amount_two_decimals(amount: Decimal, wire: str) -> None:
    assert format_amount(amount) == wire


@pytest.mark.parametrize(
    "amount", [Decimal("10.005"), Decimal(0), Decimal("-1"), Decimal("NaN"), Decimal("Infinity")]
)
def test_format_amount_refuses_bad_values(amount: Decimal) -> None:
    with pytest.raises(ValueError, match="amount"):
        format_amount(amount)


@pytest.mark.parametrize("amount", [10.5, 10, "10.00"])
def test_format_amount_refuses_non_decimals(amount: Any) -> None:
    with pytest.raises(TypeError):
        format_amount(amount)


def test_parse_api_key_secret_accepts_plain_and_json() -> None:
    assert parse_api_key_secret(f" {KEY}\n").get_secret_value() == KEY
    assert parse_api_key_secret(f'{{"api_key": "{KEY}"}}').get_secret_value() == KEY


@pytest.mark.parametrize(
    "raw", ["", "   ", '{"other": "x"}', '{"api_key": 5}', "{not json", '{"api_key": ""}']
)
def test_parse_api_key_secret_refuses_without_echoing(raw: str) -> None:
    with pytest.raises(ValueError, match="api_key") as info:
        parse_api_key_secret(raw)
    assert "other" not in str(info.value)
    assert "not json" not in str(info.value)


def test_client_needs_key_and_merchant() -> None:
    with pytest.raises(ValueError, match="API key"):
        JuspayClient(JuspayConfig(merchant_id="m"), SecretStr(""))
    with pytest.raises(ValueError, match="merchant"):
        JuspayClient(JuspayConfig(merchant_id=""), SecretStr(KEY))


def test_reprs_never_show_the_key() -> None:
    client = make()
    auth = JuspayBasicAuth(SecretStr(KEY))
    assert KEY not in repr(client)
    assert "m1" in repr(client)
    assert KEY not in repr(auth)
    assert "**********" in repr(auth)
    assert KEY not in repr(vars(client))


def test_basic_auth_header_is_key_with_empty_password() -> None:
    prepared = requests.Request("GET", "http://127.0.0.1/x").prepare()
    JuspayBasicAuth(SecretStr("abc"))(prepared)
    assert prepared.headers["Authorization"] == "Basic YWJjOg=="  # base64("abc:")


def test_argument_checks_fail_before_any_call() -> None:
    client = make()
    with pytest.raises(ValueError, match="unique_request_id"):
        client.refund_order("o1", unique_request_id="has space", amount=Decimal(1), customer_id="c1")
    with pytest.raises(ValueError, match="unique_request_id"):
        client.refund_txn("t1", unique_request_id="", amount=Decimal(1), order_id="o1", customer_id="c1")
    with pytest.raises(ValueError, match="udf"):
        client.update_order("o1", udfs={"udf11": "x"}, customer_id="c1")
    with pytest.raises(ValueError, match="address"):
        client.update_order("o1", address={"city": "x"}, customer_id="c1")
    with pytest.raises(ValueError, match="at least one"):
        client.update_order("o1", customer_id="c1")
    with pytest.raises(ValueError, match="customer id"):
        client.revoke_mandate("m1", customer_id=" ")
    with pytest.raises(ValueError, match="customer_id or order_id"):
        client.create_session({"amount": "1.00"})
    with pytest.raises(TypeError, match="set"):
        client.create_session({"order_id": "o1", "x": {1}})


def test_routing_id_is_the_customer_else_a_guest_orders_id() -> None:
    assert order_routing_id("o1", "cust-1") == "cust-1"
    assert order_routing_id("o1", None) == "o1"
    assert order_routing_id("o1", "  ") == "o1"
    with pytest.raises(ValueError, match="guest"):
        order_routing_id("", None)


def test_every_call_makes_its_caller_name_the_customer() -> None:
    # No silent default: customer_id is a required keyword on every order, refund and mandate call.
    for name in ("get_order_status", "update_order", "refund_order", "refund_txn", "check_mandate_status"):
        parameter = inspect.signature(getattr(JuspayClient, name)).parameters["customer_id"]
        assert parameter.default is inspect.Parameter.empty, name
    assert (
        inspect.signature(JuspayClient.refund_txn).parameters["order_id"].default is inspect.Parameter.empty
    )


def test_idempotent_policy_retries_gets_and_refund_posts_on_5xx_and_429() -> None:
    retry = idempotent_retry(3, backoff_factor=0.5, backoff_jitter=0.25, backoff_max=4)
    assert retry.total == 3
    assert retry.backoff_jitter == 0.25
    assert retry.backoff_max == 4
    for status in (429, 500, 502, 503, 504):
        assert retry.is_retry("GET", status)
        assert retry.is_retry("POST", status)
    assert not retry.is_retry("GET", 400)
    assert retry.raise_on_status is False


def test_single_shot_policy_never_repeats_a_sent_post() -> None:
    retry = single_shot_retry(3, backoff_factor=0.5, backoff_jitter=0.25)
    assert retry.connect == 3
    assert retry.read is False
    assert retry.status == 0
    assert not retry.is_retry("POST", 503, has_retry_after=True)
    assert not retry.is_retry("POST", 429)


def test_shared_session_is_one_per_container_with_per_call_adapter() -> None:
    assert shared_session() is shared_session()
    adapter = shared_session().get_adapter("https://sandbox.juspay.in/orders/x")
    assert isinstance(adapter, PerCallRetryAdapter)
    assert adapter.max_retries.total == 0, "outside a call the adapter does not retry"
    policy = idempotent_retry(2, backoff_factor=0, backoff_jitter=0, backoff_max=0)
    with retry_policy(policy):
        assert adapter.max_retries is policy
    assert adapter.max_retries is not policy
    assert JuspayClient(JuspayConfig(merchant_id="m"), SecretStr(KEY)).caller._session is shared_session()


def test_shared_session_patches_requests_for_xray_when_first_built(monkeypatch: pytest.MonkeyPatch) -> None:
    from paybridge.juspay import transport

    patched: list[list[str]] = []
    monkeypatch.setattr(transport.tracer, "patch", patched.append)
    monkeypatch.setattr(transport, "_shared", None)
    first = transport.shared_session()
    assert transport.shared_session() is first
    assert patched == [["requests"]], "requests is patched once, when the Juspay session is built"


def test_tracer_patches_only_botocore_at_import() -> None:
    from paybridge.observability import tracer

    # Tracer keeps its configuration class-wide; patch_all would import requests into every function.
    assert tracer._config["patch_modules"] == ("botocore",)


def test_plain_mode_functions_do_not_import_joserfc() -> None:
    import subprocess
    import sys

    # joserfc costs more to import than boto3; only encrypted mode (and its first call) loads it.
    code = "import sys, paybridge.juspay.factory, paybridge.juspay.client; print('joserfc' in sys.modules)"
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert run.stdout.strip() == "False"
