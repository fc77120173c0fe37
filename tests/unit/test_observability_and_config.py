"""Redaction of anything logged (configuration from the environment: test_settings.py)."""

from __future__ import annotations

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
