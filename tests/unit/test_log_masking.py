"""The one masking policy over every log record, correlation ids, the trace header on PutEvents."""

from __future__ import annotations

import ast
import io
import json
import logging
from pathlib import Path
from typing import Any

import pytest

from paybridge import observability
from paybridge.auth import credentials_from_secret
from paybridge.bus import EventPublisher
from paybridge.juspay import parse_api_key_secret
from paybridge.masking import REDACTED, mask_text, redact
from paybridge.observability import correlation_ids, log_correlation_ids, logger
from tests.helpers import ROOT

SAMPLES = ROOT.parent / "shared" / "juspay-samples"


@pytest.mark.parametrize(
    ("text", "sensitive"),
    [
        ("card 4111111111111111 paid", "4111111111111111"),
        ("card 4111 1111 1111 1111 paid", "4111 1111 1111 1111"),
        ("card 5105-1051-0510-5100 paid", "5105-1051-0510-5100"),
        ("mail jane.doe+shop@example.co.in here", "jane.doe+shop@example.co.in"),
        ("vpa 9876543210@ybl here", "9876543210@ybl"),
        ("vpa jane.doe@okhdfcbank here", "jane.doe@okhdfcbank"),
        ("phone 9876543210 here", "9876543210"),
        ("phone +91 98765 43210 here", "98765 43210"),
        ("phone +44 20 7946 0958 here", "7946 0958"),
        ("Authorization: Basic anVzcGF5LWxvY2FsOnNlY3JldA==", "anVzcGF5LWxvY2FsOnNlY3JldA=="),
        ("Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.e30.sig", "eyJhbGciOiJIUzI1NiJ9.e30.sig"),
        ("key -----BEGIN PRIVATE KEY-----\nMIIEvQIBADAN\n-----END PRIVATE KEY----- end", "MIIEvQIBADAN"),
    ],
)
def test_sensitive_values_are_masked_in_any_text(text: str, sensitive: str) -> None:
    masked = mask_text(text)
    assert REDACTED in masked
    assert sensitive not in masked
    assert masked.split(" ")[0] == text.split(" ")[0]  # the words around it stay


@pytest.mark.parametrize(
    "text",
    [
        "order ms-sample_ord_200-1 at 2026-11-29 20:12:29,226+0000",
        "request 8c941bd7-814c-4f2d-b5df-c2f61ccb3047",
        "arn:aws:lambda:ap-south-1:123456789012:function:paybridge-local-X",
        "epoch 1795983149 amount 150000 txn 4111111111111112",  # not Luhn: not a card
    ],
)
def test_ids_times_and_amounts_are_left_alone(text: str) -> None:
    assert mask_text(text) == text


def test_redact_masks_by_key_and_by_value_recursively() -> None:
    data = {
        "order_id": "o1",
        "customer_email": "a@b.c",
        "customerPhone": "999",
        "client_auth_token": "tkn_abc",
        "note": "call 9876543210 or mail x@y.com",
        "card": {"card_number": "4111", "card_type": "CREDIT"},
        "list": [{"mobile_number": "1"}, {"amount": 1}],
        "error": ValueError("bad 4242424242424242"),
    }
    assert redact(data) == {
        "order_id": "o1",
        "customer_email": REDACTED,
        "customerPhone": REDACTED,
        "client_auth_token": REDACTED,
        "note": f"call {REDACTED} or mail {REDACTED}",
        "card": {"card_number": REDACTED, "card_type": "CREDIT"},
        "list": [{"mobile_number": REDACTED}, {"amount": 1}],
        "error": f"bad {REDACTED}",
    }


def test_secrets_read_by_the_process_are_masked_wherever_they_appear() -> None:
    parse_api_key_secret('{"api_key": "jp_live_Zq81kd02x"}')
    credentials_from_secret({"username": "juspay-hooks", "password": "hunter2-rotated"})
    assert mask_text("key=jp_live_Zq81kd02x pw hunter2-rotated") == f"key={REDACTED} pw {REDACTED}"


@pytest.fixture
def captured() -> Any:
    """Every record the shared logger writes, as JSON documents."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logger.registered_formatter)
    logger.addHandler(handler)
    try:
        yield lambda: [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]
    finally:
        logger.removeHandler(handler)
        logger.remove_keys(["juspay_event_id", "order_id", "bus_event_id"])


def test_every_record_of_the_shared_logger_is_masked(captured: Any) -> None:
    logger.info("wallet credited for jane@example.com", extra={"customer_id": "9876543210@ybl"})
    try:
        raise RuntimeError("card 4111111111111111 refused")
    except RuntimeError:
        logger.exception("failed")
    text = json.dumps(captured())
    for value in ("jane@example.com", "9876543210@ybl", "4111111111111111"):
        assert value not in text
    assert text.count(REDACTED) >= 4


def test_library_records_go_through_the_same_masking_formatter() -> None:
    for name in observability.LIBRARY_LOGGERS:
        library = logging.getLogger(name)
        assert library.propagate is False
        assert observability.MaskingFormatter in [type(h.formatter) for h in library.handlers]
        assert library.level == logging.WARNING


def test_correlation_ids_from_every_input_shape() -> None:
    bus = {"id": "b1", "detail-type": "ORDER_SUCCEEDED", "detail": {"event_id": "evt_1", "order_id": "o1"}}
    assert correlation_ids(bus) == {"juspay_event_id": "evt_1", "order_id": "o1", "bus_event_id": "b1"}
    api = {"httpMethod": "GET", "pathParameters": {"order_id": "o2"}, "body": None}
    assert correlation_ids(api) == {"order_id": "o2"}
    # A webhook's body is the sender's word until authenticated: ingestion appends its ids, not the decorator.
    webhook = json.loads((ROOT / "events" / "webhook_order_succeeded.json").read_text())
    assert correlation_ids(webhook) == {}
    assert correlation_ids({"order_id": "o3", "juspay_event_id": None, "follow": 1}) == {"order_id": "o3"}
    assert correlation_ids(["not", "a", "mapping"]) == {}


def test_the_decorator_puts_the_ids_on_every_record(captured: Any) -> None:
    @log_correlation_ids
    def handler(event: dict[str, Any], context: Any) -> str:
        logger.info("inside")
        return "done"

    assert handler({"order_id": "o9", "juspay_event_id": "evt_9"}, None) == "done"
    (record,) = captured()
    assert (record["order_id"], record["juspay_event_id"]) == ("o9", "evt_9")


def _decorators(path: Path) -> list[str]:
    tree = ast.parse(path.read_text())
    handler = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "lambda_handler")
    return [ast.unparse(d) for d in handler.decorator_list]


@pytest.mark.parametrize("app", sorted((ROOT / "functions").glob("*/app.py")), ids=lambda p: p.parent.name)
def test_every_handler_logs_correlation_ids_and_never_captures_its_response(app: Path) -> None:
    decorators = _decorators(app)
    assert decorators[:3] == [
        "logger.inject_lambda_context(clear_state=True)",
        "log_correlation_ids",
        "tracer.capture_lambda_handler(capture_response=False)",
    ]
    assert "metrics.log_metrics" in decorators


def test_the_shared_logger_is_the_masking_one() -> None:
    assert isinstance(logger.registered_formatter, observability.MaskingFormatter)


class _Events:
    def __init__(self) -> None:
        self.entries: list[dict[str, Any]] = []

    def put_events(self, Entries: list[dict[str, Any]]) -> dict[str, Any]:
        self.entries.extend(Entries)
        return {"FailedEntryCount": 0, "Entries": [{"EventId": "e1"}]}


def test_put_events_passes_the_trace_header_on(monkeypatch: pytest.MonkeyPatch) -> None:
    events = _Events()
    publisher = EventPublisher(events, "bus")  # type: ignore[arg-type]
    monkeypatch.delenv("_X_AMZN_TRACE_ID", raising=False)
    publisher.publish("paybridge", "OrderSettled", {"order_id": "o1"})
    trace = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"
    monkeypatch.setenv("_X_AMZN_TRACE_ID", trace)
    publisher.publish("paybridge", "OrderSettled", {"order_id": "o1"})
    assert "TraceHeader" not in events.entries[0]
    assert events.entries[1]["TraceHeader"] == trace


def test_samples_hold_the_kinds_of_data_masked() -> None:
    # The e2e log scan uses these samples; if they stopped holding such data the scan would prove less.
    text = (SAMPLES / "order_status_charged_nb.json").read_text()
    text += (SAMPLES / "webhook_order_succeeded.json").read_text()
    assert mask_text(text) != text
