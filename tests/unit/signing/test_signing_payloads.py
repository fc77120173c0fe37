"""Signed Initiate/Process payloads: shape vs Juspay's samples, exact signed bytes, independent checks."""

from __future__ import annotations

import base64
import json
import re
import shutil
import subprocess
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from paybridge.logic.sdk_payloads import (
    MERCHANT_CONTAINER_LIST_KEY,
    SignedOrder,
    SignedProcessPayload,
    build_initiate_payload,
    build_process_payload,
    epoch_millis,
    offer_wallet,
)
from paybridge.models.sdk import InitiateRequest, ProcessRequest, WalletOffer, parse_process_request
from paybridge.signer import PemSigner

Verify = Callable[[bytes, bytes, str], bool]
Clock = Callable[[], datetime]

SAMPLE_TIMESTAMP = "1571922200845"


class RecordingSigner:
    """Wraps a signer and keeps every message it was asked to sign (to prove what was signed)."""

    def __init__(self, inner: PemSigner) -> None:
        self.inner = inner
        self.messages: list[bytes] = []

    @property
    def key_id(self) -> str:
        return self.inner.key_id

    def sign(self, message: bytes) -> bytes:
        self.messages.append(message)
        return self.inner.sign(message)

    def public_key_pem(self) -> bytes:
        return self.inner.public_key_pem()


def sample_like_request(**changes: Any) -> ProcessRequest:
    """The order of Juspay's signed Payment Page sample, as a client would send it."""
    body: dict[str, Any] = {
        "order_id": "R1096438018",
        "amount": "1.00",
        "customer_id": "1234567890",
        "customer_email": "test@gmail.com",
        "customer_phone": "9739534710",
        "return_url": "https://sandbox.juspay.in/end",
        "language": "english",
        **changes,
    }
    return parse_process_request(body)


def build(
    request: ProcessRequest,
    signer: Any,
    clock: Clock,
    request_ids: Callable[[], str],
    wallet_offer: WalletOffer | None = None,
) -> SignedProcessPayload:
    return build_process_payload(
        request,
        signer=signer,
        merchant_id="idea_preprod",
        client_id="idea_android",
        clock=clock,
        request_id_factory=request_ids,
        wallet_offer=wallet_offer,
    )


def juspay_wallet(balance_minor: int, order_minor: int) -> WalletOffer:
    offer = offer_wallet(
        payment_method="JUSPAY_WALLET",
        display_name="Juspay Wallet",
        balance_minor=balance_minor,
        order_amount_minor=order_minor,
        icon_url="https://juspay.png",
        pre_selected=True,
    )
    assert offer is not None
    return offer


def extract_json_string_member(text: str, key: str) -> str:
    """The decoded value of ``"key": "<json string>"`` inside a sample that is not valid JSON as a whole."""
    match = re.search(rf'"{re.escape(key)}":\s*("(?:[^"\\]|\\.)*")', text)
    assert match is not None, f"{key} not found in sample"
    value: str = json.loads(match.group(1))
    return value


# --- Process payload -------------------------------------------------------------------------------------
def test_process_payload_has_the_shape_of_juspays_signed_sample(
    pem_signer: PemSigner,
    clock: Clock,
    request_ids: Callable[[], str],
    sample_process_payload: dict[str, Any],
) -> None:
    payload = build(sample_like_request(), pem_signer, clock, request_ids).payload
    assert list(payload) == list(sample_process_payload)
    assert set(payload["payload"]) == set(sample_process_payload["payload"])
    for key, sample_value in sample_process_payload["payload"].items():
        assert type(payload["payload"][key]) is type(sample_value), (
            key
        )  # amount is a string, as in the sample
    assert payload["service"] == sample_process_payload["service"] == "in.juspay.hyperpay"
    assert payload["payload"]["action"] == "paymentPage"
    assert payload["requestId"] == "req-1"

    ours = json.loads(payload["payload"]["orderDetails"])
    theirs = json.loads(sample_process_payload["payload"]["orderDetails"])
    assert set(ours) - set(theirs) == {"currency"}
    assert set(theirs) <= set(ours)
    # The sample's order, rebuilt with its own instant: every field the sample signs is reproduced, except
    # the two that differ between the sample's outer payload and its orderDetails.
    differing = {k for k in theirs if ours[k] != theirs[k]}
    assert differing == {"customer_email", "customer_phone"}
    assert ours["timestamp"] == theirs["timestamp"] == SAMPLE_TIMESTAMP


def test_process_payload_values(pem_signer: PemSigner, clock: Clock, request_ids: Callable[[], str]) -> None:
    request = sample_like_request(
        amount="1500.5",
        description='Mangoes ₹ "Alphonso"',
        first_name="Zoë",
        last_name="Rao",
        udf1="one",
        udf3="three",
        metadata={"webhook_url": "https://example.com/hook", "channel": "ios"},
    )
    result = build(request, pem_signer, clock, request_ids)
    inner = result.payload["payload"]
    assert inner["amount"] == "1500.50"
    assert inner["orderId"] == "R1096438018"
    assert inner["customerId"] == "1234567890"
    assert inner["customerEmail"] == "test@gmail.com"
    assert inner["customerMobile"] == "9739534710"
    assert inner["merchantId"] == "idea_preprod"
    assert inner["clientId"] == "idea_android"
    assert inner["merchantKeyId"] == "2980"
    assert inner["language"] == "english"
    assert result.order_details == (
        '{"order_id":"R1096438018","merchant_id":"idea_preprod","amount":"1500.50","timestamp":"1571922200845",'
        '"customer_id":"1234567890","currency":"INR","customer_email":"test@gmail.com",'
        '"customer_phone":"9739534710","first_name":"Zoë","last_name":"Rao",'
        '"return_url":"https://sandbox.juspay.in/end","description":"Mangoes ₹ \\"Alphonso\\"",'
        '"udf1":"one","udf3":"three","metadata.webhook_url":"https://example.com/hook","metadata.channel":"ios"}'
    )


def test_minimal_process_payload_omits_unset_contact_fields(
    pem_signer: PemSigner, clock: Clock, request_ids: Callable[[], str]
) -> None:
    request = parse_process_request(
        {"order_id": "o1", "amount": "10", "customer_id": "c1", "currency": "JPY"}
    )
    result = build(request, pem_signer, clock, request_ids)
    assert set(result.payload["payload"]) == {
        "action", "merchantId", "clientId", "orderId", "amount", "customerId", "orderDetails", "signature",
        "merchantKeyId",
    }  # fmt: skip
    assert json.loads(result.order_details) == {
        "order_id": "o1",
        "merchant_id": "idea_preprod",
        "amount": "10",
        "timestamp": SAMPLE_TIMESTAMP,
        "customer_id": "c1",
        "currency": "JPY",
    }
    assert result.order.amount_minor == 10


def test_signed_bytes_are_exactly_the_order_details_sent(
    pem_signer: PemSigner, public_pem: bytes, clock: Clock, request_ids: Callable[[], str], verify: Verify
) -> None:
    recorder = RecordingSigner(pem_signer)
    request = sample_like_request(description="naïve café ₹ 𝄞", metadata={"note": "ü"})
    result = build(request, recorder, clock, request_ids, juspay_wallet(50000, request.amount_minor))
    sent = result.payload["payload"]["orderDetails"]
    assert sent is result.order_details
    assert recorder.messages == [sent.encode("utf-8")]
    assert "₹ 𝄞" in sent  # sent as UTF-8, not \u-escaped
    assert verify(public_pem, sent.encode("utf-8"), result.payload["payload"]["signature"])
    # Tampering with one byte (or re-serialising differently) breaks the signature.
    assert not verify(
        public_pem, sent.replace("1.00", "2.00").encode(), result.payload["payload"]["signature"]
    )
    reserialised = json.dumps(json.loads(sent)).encode()
    assert not verify(public_pem, reserialised, result.payload["payload"]["signature"])


@pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl binary not installed")
def test_signature_verifies_with_openssl(
    pem_signer: PemSigner, clock: Clock, request_ids: Callable[[], str], tmp_path: Path
) -> None:
    request = sample_like_request(description="₹ café")
    result = build(request, pem_signer, clock, request_ids, juspay_wallet(99, request.amount_minor))
    inner = result.payload["payload"]
    (tmp_path / "pub.pem").write_bytes(pem_signer.public_key_pem())
    (tmp_path / "sig.bin").write_bytes(base64.b64decode(inner["signature"]))

    def openssl_verify(message: bytes) -> subprocess.CompletedProcess[str]:
        (tmp_path / "msg.bin").write_bytes(message)
        return subprocess.run(
            ["openssl", "dgst", "-sha256", "-verify", "pub.pem", "-signature", "sig.bin", "msg.bin"],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            check=False,
            timeout=10,
        )

    good = openssl_verify(inner["orderDetails"].encode("utf-8"))
    assert good.returncode == 0, good.stderr
    assert good.stdout.strip() == "Verified OK"
    bad = openssl_verify(inner["orderDetails"].encode("utf-8") + b" ")
    assert bad.returncode == 1
    assert "Verification failure" in bad.stdout


def test_signed_order_record(pem_signer: PemSigner, clock: Clock, request_ids: Callable[[], str]) -> None:
    request = sample_like_request(amount="250.00")
    result = build(request, pem_signer, clock, request_ids, juspay_wallet(10000, request.amount_minor))
    assert result.order == SignedOrder(
        order_id="R1096438018",
        customer_id="1234567890",
        amount_minor=25000,
        currency="INR",
        wallet_offered_minor=10000,
        wallet_payment_method="JUSPAY_WALLET",
        merchant_key_id="2980",
        signed_at=datetime(2019, 10, 24, 13, 3, 20, 845000, tzinfo=UTC),
    )
    assert result.order.to_record() == {
        "order_id": "R1096438018",
        "customer_id": "1234567890",
        "amount_minor": 25000,
        "currency": "INR",
        "wallet_offered_minor": 10000,
        "wallet_payment_method": "JUSPAY_WALLET",
        "merchant_key_id": "2980",
        "signed_at": "2019-10-24T13:03:20.845000+00:00",
        "expires_at": None,
    }
    no_wallet = build(request, pem_signer, clock, request_ids).order
    assert (no_wallet.wallet_offered_minor, no_wallet.wallet_payment_method) == (0, None)


def test_the_order_expiry_counts_from_the_signing_time(
    pem_signer: PemSigner, clock: Clock, request_ids: Callable[[], str]
) -> None:
    request = sample_like_request(amount="250.00")
    signed = build_process_payload(
        request,
        signer=pem_signer,
        merchant_id="idea_preprod",
        client_id="idea_android",
        clock=clock,
        request_id_factory=request_ids,
        wallet_offer=None,
        expires_after=timedelta(minutes=15),
    )
    assert signed.order.expires_at == datetime(2019, 10, 24, 13, 18, 20, 845000, tzinfo=UTC)
    assert signed.order.to_record()["expires_at"] == "2019-10-24T13:18:20.845000+00:00"
    assert "expiry" not in signed.order_details  # this system's view of the order, not signed for Juspay


# --- Wallet offer ----------------------------------------------------------------------------------------
def test_wallet_offer_in_order_details_matches_juspays_merchant_container_sample(
    pem_signer: PemSigner, clock: Clock, request_ids: Callable[[], str], samples_dir: Path
) -> None:
    request = sample_like_request(amount="2000")
    result = build(request, pem_signer, clock, request_ids, juspay_wallet(300000, request.amount_minor))
    details = json.loads(result.order_details)
    assert list(details)[-1] == MERCHANT_CONTAINER_LIST_KEY
    assert isinstance(details[MERCHANT_CONTAINER_LIST_KEY], str)  # a JSON string inside the JSON string
    ours = json.loads(details[MERCHANT_CONTAINER_LIST_KEY])

    fragment = (samples_dir / "sdk_process_payload_signed_merchant_container_fragment.txt").read_text()
    # The published orderDetails ends in a stray "}" (the sample is malformed): read the object before it.
    sample_details, end = json.JSONDecoder().raw_decode(extract_json_string_member(fragment, "orderDetails"))
    assert extract_json_string_member(fragment, "orderDetails")[end:] == "}"
    theirs = json.loads(sample_details[MERCHANT_CONTAINER_LIST_KEY])
    assert [list(entry) for entry in ours] == [list(entry) for entry in theirs]
    assert {k: type(v) for k, v in ours[0].items()} == {k: type(v) for k, v in theirs[0].items()}
    assert ours == [
        {
            "payment_method": "JUSPAY_WALLET",
            "payment_method_type": "MERCHANT_CONTAINER",
            "display_name": "Juspay Wallet",
            "balance_amount": 3000,
            "eligible_amount": 2000,
            "walletIconURL": "https://juspay.png",
            "isPreSelected": True,
        }
    ]
    # The other orderDetails keys of the sample are all present too.
    assert set(sample_details) <= set(details)

    structure = (samples_dir / "merchant_container_list_structure.txt").read_text()
    allowed = set(re.findall(r"(\w+)\s*::", structure))
    assert {"payment_method", "eligible_amount", "walletIconURL", "isPreSelected"} <= allowed
    assert set(ours[0]) <= allowed


def test_wallet_amounts_are_exact_when_fractional(
    pem_signer: PemSigner, clock: Clock, request_ids: Callable[[], str]
) -> None:
    request = sample_like_request(amount="1000.10")
    result = build(request, pem_signer, clock, request_ids, juspay_wallet(123456, request.amount_minor))
    inner = json.loads(result.order_details)[MERCHANT_CONTAINER_LIST_KEY]
    assert '"balance_amount":1234.56,"eligible_amount":1000.1' in inner
    entry = json.loads(inner, parse_float=Decimal)[0]
    assert (entry["balance_amount"], entry["eligible_amount"]) == (Decimal("1234.56"), Decimal("1000.1"))
    assert result.order.wallet_offered_minor == 100010


@pytest.mark.parametrize(
    ("balance", "order", "eligible"),
    [(300000, 200000, 200000), (5000, 200000, 5000), (200000, 200000, 200000), (1, 1, 1)],
)
def test_offer_wallet_eligible_is_min_of_balance_and_order(balance: int, order: int, eligible: int) -> None:
    offer = juspay_wallet(balance, order)
    assert (offer.balance_minor, offer.eligible_minor) == (balance, eligible)


@pytest.mark.parametrize(("balance", "order"), [(0, 1000), (-500, 1000), (1000, 0)])
def test_no_offer_without_balance(balance: int, order: int) -> None:
    assert (
        offer_wallet(payment_method="W", display_name="W", balance_minor=balance, order_amount_minor=order)
        is None
    )


def test_offer_for_another_order_is_refused(
    pem_signer: PemSigner, clock: Clock, request_ids: Callable[[], str]
) -> None:
    request = sample_like_request(amount="10.00")
    too_big = juspay_wallet(5000, 2000)
    with pytest.raises(ValueError, match="exceeds the order amount"):
        build(request, pem_signer, clock, request_ids, too_big)
    other_currency = WalletOffer(
        payment_method="W", display_name="W", balance_minor=5, eligible_minor=5, currency="USD"
    )
    with pytest.raises(ValueError, match="currency differs"):
        build(request, pem_signer, clock, request_ids, other_currency)


# --- Clock and configuration -----------------------------------------------------------------------------
def test_timestamp_is_epoch_millis_of_the_clock_whatever_its_zone(
    pem_signer: PemSigner, request_ids: Callable[[], str]
) -> None:
    ist = timezone(timedelta(hours=5, minutes=30))
    moment = datetime(2019, 10, 24, 18, 33, 20, 845999, tzinfo=ist)  # microseconds truncate to ms
    result = build(sample_like_request(), pem_signer, lambda: moment, request_ids)
    assert json.loads(result.order_details)["timestamp"] == SAMPLE_TIMESTAMP
    assert result.order.signed_at.tzinfo is UTC
    assert epoch_millis(datetime(1970, 1, 1, tzinfo=UTC)) == 0
    assert epoch_millis(datetime(1969, 12, 31, 23, 59, 59, 999000, tzinfo=UTC)) == -1


def test_naive_clock_is_refused_before_signing(pem_signer: PemSigner, request_ids: Callable[[], str]) -> None:
    recorder = RecordingSigner(pem_signer)
    naive = datetime(2024, 1, 1, 12, 0)  # noqa: DTZ001 - the point of the test
    with pytest.raises(ValueError, match="timezone-aware"):
        build(sample_like_request(), recorder, lambda: naive, request_ids)
    with pytest.raises(ValueError, match="timezone-aware"):
        build_initiate_payload(
            InitiateRequest(customer_id="c"),
            signer=recorder,
            merchant_id="m",
            client_id="c",
            environment="sandbox",
            clock=lambda: naive,
            request_id_factory=request_ids,
        )
    assert recorder.messages == []


@pytest.mark.parametrize(
    ("merchant_id", "client_id", "name"), [("", "c", "merchant_id"), ("m", "", "client_id")]
)
def test_missing_configuration_is_refused(
    pem_signer: PemSigner,
    clock: Clock,
    request_ids: Callable[[], str],
    merchant_id: str,
    client_id: str,
    name: str,
) -> None:
    with pytest.raises(ValueError, match=name):
        build_process_payload(
            sample_like_request(),
            signer=pem_signer,
            merchant_id=merchant_id,
            client_id=client_id,
            clock=clock,
            request_id_factory=request_ids,
            wallet_offer=None,
        )
    with pytest.raises(ValueError, match=name):
        build_initiate_payload(
            InitiateRequest(customer_id="c"),
            signer=pem_signer,
            merchant_id=merchant_id,
            client_id=client_id,
            environment="production",
            clock=clock,
            request_id_factory=request_ids,
        )


# --- Initiate payload ------------------------------------------------------------------------------------
def initiate(
    signer: Any, clock: Clock, request_ids: Callable[[], str], request: InitiateRequest
) -> dict[str, Any]:
    return build_initiate_payload(
        request,
        signer=signer,
        merchant_id="idea_preprod",
        client_id="idea_android",
        environment="sandbox",
        clock=clock,
        request_id_factory=request_ids,
    )


def test_initiate_payload_shape_and_signature(
    pem_signer: PemSigner, public_pem: bytes, clock: Clock, request_ids: Callable[[], str], verify: Verify,
    samples_dir: Path,
) -> None:  # fmt: skip
    recorder = RecordingSigner(pem_signer)
    request = InitiateRequest(
        customer_id="cust_1",
        mobile_number="9876543210",
        email_address="a@b.co",
        first_name="Zoë",
        last_name="R",
    )
    payload = initiate(recorder, clock, request_ids, request)
    inner = payload["payload"]
    assert payload["requestId"] == "req-1"
    assert payload["service"] == "in.juspay.hyperpay"
    assert inner == {
        "action": "initiate",
        "merchantId": "idea_preprod",
        "clientId": "idea_android",
        "customerId": "cust_1",
        "environment": "sandbox",
        "signaturePayload": inner["signaturePayload"],
        "signature": inner["signature"],
        "merchantKeyId": "2980",
    }
    assert inner["signaturePayload"] == (
        '{"merchant_id":"idea_preprod","customer_id":"cust_1","mobile_number":"9876543210",'
        '"email_address":"a@b.co","first_name":"Zoë","last_name":"R","timestamp":"1571922200845"}'
    )
    assert recorder.messages == [inner["signaturePayload"].encode("utf-8")]
    assert verify(public_pem, inner["signaturePayload"].encode("utf-8"), inner["signature"])

    # Every key of Juspay's (non-strict JSON) initiate sample is present.
    sample = (samples_dir / "sdk_initiate_payload_ec_headless.txt").read_text()
    sample_keys = set(re.findall(r'"(\w+)"\s*:', sample))
    assert sample_keys == {
        "requestId", "service", "payload", "action", "merchantId", "clientId", "customerId", "environment",
    }  # fmt: skip
    assert sample_keys <= set(payload) | set(inner)


def test_initiate_signature_payload_without_contact_fields(
    pem_signer: PemSigner, clock: Clock, request_ids: Callable[[], str]
) -> None:
    payload = initiate(pem_signer, clock, request_ids, InitiateRequest(customer_id="c1"))
    assert json.loads(payload["payload"]["signaturePayload"]) == {
        "merchant_id": "idea_preprod",
        "customer_id": "c1",
        "timestamp": SAMPLE_TIMESTAMP,
    }


def test_initiate_refuses_unknown_environment(
    pem_signer: PemSigner, clock: Clock, request_ids: Callable[[], str]
) -> None:
    with pytest.raises(ValueError, match="environment"):
        build_initiate_payload(
            InitiateRequest(customer_id="c1"),
            signer=pem_signer,
            merchant_id="m",
            client_id="c",
            environment="prod",  # type: ignore[arg-type]
            clock=clock,
            request_id_factory=request_ids,
        )
