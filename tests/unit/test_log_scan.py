"""The log scanner the end-to-end suites run over every function's output finds what it must, and only
that (it shares no code with the product's masking, so a masking bug cannot hide from it)."""

from __future__ import annotations

import base64
import json

import pytest

from tests.log_scan import leaks


@pytest.mark.parametrize(
    ("line", "kind"),
    [
        ('{"message": "card 4111111111111111"}', "card"),
        ('{"message": "card 5105 1051 0510 5100"}', "card"),
        ('{"customer_email": "jane.doe@example.com"}', "address"),
        ('{"payer_vpa": "9876554321@ybl"}', "address"),
        ('{"customer_phone": "9876512345"}', "mobile"),
        ('{"customer_phone": "+91 9876512345"}', "mobile"),
    ],
)
def test_personal_data_is_found(line: str, kind: str) -> None:
    assert any(found.startswith(kind) for found in leaks(line)), leaks(line)


def test_known_secrets_are_found_also_in_basic_auth_form() -> None:
    header = "Basic " + base64.b64encode(b"juspay-local:s3cret-pass").decode()
    assert leaks(json.dumps({"authorization": header}), ["juspay-local:s3cret-pass"])
    assert leaks('{"api_key": "sim_test_api_key"}', ["sim_test_api_key"])


@pytest.mark.parametrize(
    "line",
    [
        '{"order_id": "ord1764444444444", "Timestamp": 1795987233278}',  # epoch milliseconds
        '{"message": "card 4111111111111112"}',  # not Luhn-valid
        '{"customer_phone": "***", "payer_vpa": "***", "card_number": "***"}',  # masked
        '{"function_arn": "arn:aws:lambda:ap-south-1:123456789012:function:x", "amount_minor": 150000}',
        '{"level": "INFO", "message": "juspay call", "status": 200, "elapsed_ms": 5123456789}',
    ],
)
def test_what_logs_legitimately_hold_is_not_reported(line: str) -> None:
    assert leaks(line) == []
