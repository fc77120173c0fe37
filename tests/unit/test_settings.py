"""Each function's settings model: read from its own environment variables only, a missing resource or a
malformed value named in a ConfigurationError (500 ``configuration_error``), documented defaults otherwise."""

from __future__ import annotations

import importlib.util
import json
import sys
import uuid
from typing import Any

import pytest

from paybridge.errors import ConfigurationError
from paybridge.settings.follower import CheckPendingOrderSettings, StartPendingOrderSettings
from paybridge.settings.orders import SignSdkPayloadSettings
from paybridge.settings.refunds import SweepRefundsSettings
from paybridge.settings.settlement import GetWalletSettings, IngestWebhookSettings
from paybridge_local.lambdas import LambdaContext
from tests.helpers import ROOT

INGEST = {
    "EVENT_BUS_NAME": "bus",
    "WEBHOOK_EVENTS_TABLE": "t",
    "WEBHOOK_SECRET_NAME": "s",
    "WEBHOOK_RETENTION_DAYS": "30",
    "WEBHOOK_DEDUP_SECONDS": "",
}
SWEEP = {
    "EVENT_BUS_NAME": "bus",
    "LEDGER_TABLE": "ledger",
    "ORDERS_TABLE": "orders",
    "REFUNDS_TABLE": "refunds",
    "JUSPAY_API_KEY_SECRET_NAME": "juspay-api-key",
}
SIGN = {
    "LEDGER_TABLE": "ledger",
    "ORDERS_TABLE": "orders",
    "PENDING_ORDERS_TABLE": "pending",
    "PENDING_ORDER_STATE_MACHINE_ARN": "arn:sfn",
}


def test_a_function_reads_its_variables_with_the_documented_defaults() -> None:
    settings = IngestWebhookSettings.from_env(INGEST)

    assert (settings.event_bus_name, settings.webhook_events_table, settings.webhook_secret_name) == (
        "bus",
        "t",
        "s",
    )
    assert settings.webhook_retention_days == 30
    assert settings.webhook_dedup_seconds == 7 * 24 * 3600  # empty counts as unset
    assert settings.secret_max_age_s == 300
    sweep = SweepRefundsSettings.from_env(SWEEP)
    assert (sweep.refund_max_attempts, sweep.refund_sweep_limit, sweep.time_scale) == (3, 100, 1)
    assert (sweep.juspay_base_url, sweep.juspay_api_version) == ("https://sandbox.juspay.in", "2023-06-30")
    config = sweep.juspay_config(max_retries=1)
    assert (config.max_retries, config.api_key_secret_name, config.api_mode) == (1, "juspay-api-key", "plain")


def test_a_function_reads_nothing_beyond_its_own_variables() -> None:
    env = {"LEDGER_TABLE": "ledger", "ORDERS_TABLE": "orders", "TIME_SCALE": "not-a-number"}

    settings = GetWalletSettings.from_env(env)

    assert GetWalletSettings.variables() == {"LEDGER_TABLE"}
    assert settings.model_dump() == {"ledger_table": "ledger"}


@pytest.mark.parametrize("blank", [None, "", "  "])
def test_a_missing_or_empty_resource_is_named_not_defaulted(blank: str | None) -> None:
    env = {**SWEEP, "TIME_SCALE": "2"}
    if blank is None:
        del env["LEDGER_TABLE"]
    else:
        env["LEDGER_TABLE"] = blank
    del env["JUSPAY_API_KEY_SECRET_NAME"]

    with pytest.raises(ConfigurationError) as missing:
        SweepRefundsSettings.from_env(env)

    assert missing.value.status_code == 500
    assert missing.value.code == "configuration_error"
    assert missing.value.details == {"missing": ["JUSPAY_API_KEY_SECRET_NAME", "LEDGER_TABLE"]}


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("TIME_SCALE", "fast"),
        ("TIME_SCALE", "0"),
        ("REFUND_SWEEP_LIMIT", "1001"),
        ("REFUND_MAX_ATTEMPTS", "2.5"),
        ("JUSPAY_READ_TIMEOUT_SECONDS", "-1"),
        ("JUSPAY_API_MODE", "jwe"),
    ],
)
def test_a_malformed_tunable_is_a_configuration_error_naming_it(variable: str, value: str) -> None:
    with pytest.raises(ConfigurationError) as malformed:
        SweepRefundsSettings.from_env({**SWEEP, variable: value})

    assert malformed.value.details == {"invalid": [variable]}
    assert value not in str(malformed.value)  # names only: a value never reaches the answer or a log


def test_a_first_wait_longer_than_the_longest_wait_names_both() -> None:
    env = {"PENDING_ORDER_FIRST_WAIT_SECONDS": "600", "PENDING_ORDER_MAX_WAIT_SECONDS": "60"}

    with pytest.raises(ConfigurationError) as wrong:
        StartPendingOrderSettings.from_env({**SIGN, **env})

    assert wrong.value.details == {
        "invalid": ["PENDING_ORDER_FIRST_WAIT_SECONDS", "PENDING_ORDER_MAX_WAIT_SECONDS"]
    }


def test_the_signer_in_use_needs_its_key_and_the_other_one_is_optional() -> None:
    with pytest.raises(ConfigurationError) as kms:
        SignSdkPayloadSettings.from_env(SIGN)
    with pytest.raises(ConfigurationError) as pem:
        SignSdkPayloadSettings.from_env({**SIGN, "SDK_SIGNER": "pem", "SDK_SIGNING_KEY_ID": "unused"})

    assert kms.value.details == {"missing": ["SDK_SIGNING_KEY_ID"]}
    assert pem.value.details == {"missing": ["SDK_SIGNING_SECRET_NAME"]}
    settings = SignSdkPayloadSettings.from_env(
        {**SIGN, "SDK_SIGNER": "pem", "SDK_SIGNING_SECRET_NAME": "pem"}
    )
    assert (settings.sdk_signer, settings.sdk_environment, settings.order_expiry_minutes) == (
        "pem",
        "sandbox",
        15,
    )


def test_groups_a_function_shares_are_read_the_same_way() -> None:
    env = {
        "EVENT_BUS_NAME": "bus",
        "ORDERS_TABLE": "orders",
        "PENDING_ORDERS_TABLE": "pending",
        "JUSPAY_API_KEY_SECRET_NAME": "key",
        "TIME_SCALE": "720",
        "PENDING_ORDER_FIRST_WAIT_SECONDS": "10",
    }

    check = CheckPendingOrderSettings.from_env(env)
    start = StartPendingOrderSettings.from_env({**SIGN, **env})

    assert (check.time_scale, check.pending_order_first_wait_s) == (
        start.time_scale,
        start.pending_order_first_wait_s,
    )
    assert (check.pending_order_max_wait_s, check.pending_order_deadline_s) == (4 * 3600, 24 * 3600)


def _fresh_handler(function: str) -> Any:
    path = ROOT / "functions" / function / "app.py"
    spec = importlib.util.spec_from_file_location(f"settings_test_{function}_{uuid.uuid4().hex[:8]}", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module.lambda_handler


def test_a_misdeployed_function_answers_500_configuration_error_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("LEDGER_TABLE", raising=False)
    handler = _fresh_handler("get_wallet")
    event = {
        "resource": "/wallets/{customer_id}",
        "path": "/wallets/cust_1",
        "httpMethod": "GET",
        "headers": {},
        "multiValueHeaders": {},
        "queryStringParameters": None,
        "pathParameters": {"customer_id": "cust_1"},
        "requestContext": {"resourcePath": "/wallets/{customer_id}", "httpMethod": "GET", "requestId": "r"},
        "body": None,
        "isBase64Encoded": False,
    }

    answer = handler(event, LambdaContext("get-wallet", "arn:get-wallet", 128, "req", timeout_s=3))

    assert answer["statusCode"] == 500
    body = json.loads(answer["body"])
    assert (body["error"], body["details"]) == ("configuration_error", {"missing": ["LEDGER_TABLE"]})
