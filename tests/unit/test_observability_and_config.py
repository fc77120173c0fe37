"""Redaction of anything logged, and configuration from the environment."""

from __future__ import annotations

import pytest

from paybridge.config import Settings
from paybridge.errors import ConfigurationError
from paybridge.observability import REDACTED, redact


def test_redact_masks_secrets_cards_and_contact_data_recursively() -> None:
    data = {
        "order_id": "o1",
        "customer_email": "a@b.c",
        "customerPhone": "999",
        "Authorization": "Basic x",
        "card": {"card_number": "4111", "name_on_card": "A", "card_type": "CREDIT"},
        "list": [{"mobile_number": "1"}, {"amount": 1}],
        "payer_vpa": "x@upi",
        "api_key": "k",
    }
    assert redact(data) == {
        "order_id": "o1",
        "customer_email": REDACTED,
        "customerPhone": REDACTED,
        "Authorization": REDACTED,
        "card": {"card_number": REDACTED, "name_on_card": REDACTED, "card_type": "CREDIT"},
        "list": [{"mobile_number": REDACTED}, {"amount": 1}],
        "payer_vpa": REDACTED,
        "api_key": REDACTED,
    }
    assert redact("plain") == "plain"


def test_settings_from_env() -> None:
    settings = Settings.from_env(
        {
            "EVENT_BUS_NAME": "bus",
            "WEBHOOK_EVENTS_TABLE": "t",
            "WEBHOOK_SECRET_NAME": "s",
            "WEBHOOK_RETENTION_DAYS": "30",
            "WEBHOOK_DEDUP_SECONDS": "",
            "JUSPAY_BASE_URL": "http://127.0.0.1:4010",
            "JUSPAY_MERCHANT_ID": "m",
            "JUSPAY_API_KEY_SECRET_NAME": "k",
        }
    )
    assert settings.event_bus_name == "bus"
    assert settings.webhook_retention_days == 30
    assert settings.webhook_dedup_seconds == 7 * 24 * 3600
    assert settings.juspay.base_url == "http://127.0.0.1:4010"
    assert settings.juspay.api_version == "2023-06-30"
    assert Settings.from_env({}).juspay.base_url == "https://sandbox.juspay.in"


def test_a_declared_resource_missing_from_the_environment_is_named_not_defaulted() -> None:
    declared = {"ORDERS_TABLE", "LEDGER_TABLE", "JUSPAY_BASE_URL"}

    with pytest.raises(ConfigurationError) as missing:
        Settings.from_env({"ORDERS_TABLE": "orders", "LEDGER_TABLE": " "}, variables=declared)

    assert missing.value.details == {"missing": ["LEDGER_TABLE"]}
    # An optional setting keeps its documented default; an undeclared resource is not asked for.
    settings = Settings.from_env({"ORDERS_TABLE": "o", "LEDGER_TABLE": "l"}, variables=declared)
    assert (settings.orders_table, settings.juspay.base_url) == ("o", "https://sandbox.juspay.in")
