"""The webhook envelope model: tolerant of what Juspay sends, strict about what ingestion needs."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from paybridge.errors import BadRequestError
from paybridge.models.webhook import WebhookEnvelope, canonical_sha256, parse_webhook_body
from tests.helpers import load_sample, strict_json_samples

SAMPLES = strict_json_samples("webhook_") + strict_json_samples("legacy_payv3_webhook_")


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda p: p.name)
def test_every_valid_json_webhook_sample_parses(sample: Path) -> None:
    envelope, document = parse_webhook_body(sample.read_bytes())
    raw = json.loads(sample.read_text())
    assert envelope.id == str(raw["id"])
    assert envelope.event_name == raw["event_name"]
    assert document["content"].keys() == raw["content"].keys()


@pytest.mark.parametrize(
    ("name", "order_id", "status", "transactions"),
    [
        ("webhook_order_succeeded.json", "sample_ord_200", "CHARGED", 1),
        ("webhook_order_partial_charged_merchant_container_split.json", None, "PARTIAL_CHARGED", 2),
        (
            "webhook_order_failed_authentication_failed_merchant_container_split.json",
            None,
            "AUTHENTICATION_FAILED",
            2,
        ),
        ("webhook_order_refunded.json", None, "CHARGED", 1),
    ],
)
def test_both_order_shapes_are_understood(
    name: str, order_id: str | None, status: str, transactions: int
) -> None:
    envelope, _ = parse_webhook_body(
        Path(__file__).parents[3].joinpath("shared/juspay-samples", name).read_bytes()
    )
    order = load_sample(name)["content"]["order"]
    assert envelope.order_id == (order_id or order["order_id"])
    assert envelope.status == status
    assert envelope.transaction_count == transactions
    assert envelope.customer_id == order.get("customer_id")


def test_mandate_and_txn_events_expose_their_fields() -> None:
    mandate, _ = parse_webhook_body(json.dumps(load_sample("webhook_mandate_activated.json")).encode())
    raw = load_sample("webhook_mandate_activated.json")["content"]["mandate"]
    assert mandate.status == raw.get("mandate_status", raw.get("status"))
    assert mandate.customer_id == raw.get("customer_id")
    txn, _ = parse_webhook_body(json.dumps(load_sample("webhook_txn_charged.json")).encode())
    assert txn.order_id == load_sample("webhook_txn_charged.json")["content"]["txn"]["order_id"]
    assert txn.transaction_count == 0


def test_unknown_fields_event_names_and_numeric_ids_are_kept() -> None:
    body = {
        "id": 12345,
        "event_name": "SOMETHING_NEW",
        "date_created": None,
        "extra": {"a": 1},
        "content": None,
    }
    envelope, document = parse_webhook_body(json.dumps(body).encode())
    assert envelope.id == "12345"
    assert envelope.event_name == "SOMETHING_NEW"
    assert envelope.model_extra == {"extra": {"a": 1}}
    assert envelope.content == {}
    assert (envelope.order_id, envelope.customer_id, envelope.status) == (None, None, None)
    assert document["extra"] == {"a": 1}


def test_numbers_are_decimal_never_float() -> None:
    _, document = parse_webhook_body(
        b'{"id": "e", "event_name": "X", "content": {"order": {"amount": 10.10}}}'
    )
    amount = document["content"]["order"]["amount"]
    assert isinstance(amount, Decimal)
    assert str(amount) == "10.10"


@pytest.mark.parametrize(
    "body",
    [
        b"nope",
        b"\xff",
        b"[]",
        b"null",
        b'{"id": "e"}',
        b'{"event_name": "X"}',
        b'{"id": {}, "event_name": "X"}',
    ],
)
def test_invalid_bodies_raise_bad_request(body: bytes) -> None:
    with pytest.raises(BadRequestError) as raised:
        parse_webhook_body(body)
    assert raised.value.status_code == 400


def test_overlong_id_is_a_bad_request_naming_the_field() -> None:
    with pytest.raises(BadRequestError) as raised:
        parse_webhook_body(json.dumps({"id": "e" * 300, "event_name": "X"}).encode())
    assert "id" in json.dumps(raised.value.to_body())


def test_canonical_hash_ignores_key_order_and_whitespace_but_not_values() -> None:
    a = {"id": "e", "content": {"b": 1, "a": Decimal("2.50")}}
    b = json.loads('{"content": {"a": 2.50, "b": 1},   "id": "e"}', parse_float=Decimal)
    c = {"id": "e", "content": {"b": 1, "a": Decimal("2.5")}}
    assert canonical_sha256(a) == canonical_sha256(b)
    assert canonical_sha256(a) != canonical_sha256(c)


def test_model_can_be_built_directly() -> None:
    envelope = WebhookEnvelope(id="evt", event_name="ORDER_SUCCEEDED", content={"order": {"txn_list": []}})
    assert envelope.transaction_count == 0
    assert envelope.order == {"txn_list": []}


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda p: p.name)
def test_canonical_body_is_the_canonical_hash_and_the_contents_exact_json(sample: Path) -> None:
    from paybridge import jsonutil
    from paybridge.models.webhook import canonical_body

    _, document = parse_webhook_body(sample.read_bytes())
    sha256, content_json = canonical_body(document)

    assert sha256 == canonical_sha256(document)
    assert content_json == jsonutil.dumps(document.get("content") or {}, sort_keys=True)
    assert jsonutil.loads(content_json) == (document.get("content") or {})


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda p: p.name)
def test_exact_json_is_byte_for_byte_the_exact_writer(sample: Path) -> None:
    from paybridge import jsonutil
    from paybridge.models.webhook import exact_json

    _, document = parse_webhook_body(sample.read_bytes())
    for sort_keys in (False, True):
        assert exact_json(document, sort_keys=sort_keys) == jsonutil.dumps(document, sort_keys=sort_keys)


@pytest.mark.parametrize(
    "text",
    [
        '{"a": 1.50, "b": "\\u00001.5", "c": [0.0000001, -2.10]}',  # a string that looks like a mark
        '{"a": "\\"\\u0000", "b": 3.25}',  # a quote, then NUL, inside a string
        '{"\\u00007": 1.5}',  # a key that looks like a mark
        '{"a": "\\u00e9\\u2028", "b": [1, 2.0, {"c": null, "d": true}]}',
    ],
)
def test_exact_json_keeps_strings_that_look_like_marks_and_exact_digits(text: str) -> None:
    from paybridge import jsonutil
    from paybridge.models.webhook import exact_json

    document = jsonutil.loads_request(text)
    for sort_keys in (False, True):
        written = exact_json(document, sort_keys=sort_keys)
        assert written == jsonutil.dumps(document, sort_keys=sort_keys)
        assert jsonutil.loads(written) == document
