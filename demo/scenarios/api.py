"""The merchant API's other faces: a signed SDK payload checked with the public key, the Session API,
and a mandate's life (list, pause, resume, revoke)."""

from __future__ import annotations

import base64
import json

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from demo.orders import split_card
from demo.run import Run, scenario


def _verifies(public_key: rsa.RSAPublicKey, signature: bytes, signed: bytes) -> bool:
    try:
        public_key.verify(signature, signed, padding.PKCS1v15(), hashes.SHA256())
    except InvalidSignature:
        return False
    return True


@scenario("signing", "A signed process payload verified with the public key")
def signed_process_payload(run: Run) -> None:
    """`POST /sdk/process` signs `orderDetails` in KMS; the merchant fetches the public key (KMS
    GetPublicKey, as it would to register it with Juspay) and verifies the exact bytes."""
    client = run.client
    order_id, customer = run.ids("signing")
    run.follow(order_id, customer, wallet_before=run.fund(customer, "30.00"))
    body = {"order_id": order_id, "amount": "50.00", "currency": "INR", "customer_id": customer}
    payload = client.api_json("POST", "/sdk/process", body)["payload"]
    key = client.aws("kms").get_public_key(KeyId=client.resource("SdkSigningKeyAlias"))
    run.check(
        "RSASSA_PKCS1_V1_5_SHA_256" in key["SigningAlgorithms"], "the key signs RSASSA-PKCS1-v1_5 SHA-256"
    )
    public_key = serialization.load_der_public_key(key["PublicKey"])
    assert isinstance(public_key, rsa.RSAPublicKey)
    run.equal(public_key.key_size, 2048, "a 2048-bit RSA key")
    signature = base64.b64decode(payload["signature"])
    signed = payload["orderDetails"].encode("utf-8")
    run.check(_verifies(public_key, signature, signed), "the signature verifies over orderDetails")
    tampered = signed.replace(b'"50.00"', b'"5.00"')
    run.check(
        tampered != signed and not _verifies(public_key, signature, tampered), "a changed amount does not"
    )
    details = json.loads(payload["orderDetails"])
    run.equal((details["order_id"], details["amount"]), (order_id, "50.00"), "orderDetails names the order")
    offer = json.loads(details["metadata.merchant_container_list"])
    run.equal(offer[0]["eligible_amount"], 30, "the wallet is offered up to its balance")
    run.note(f"merchantKeyId {payload['merchantKeyId']}, signature {payload['signature'][:24]}...")

    initiate = client.api_json("POST", "/sdk/initiate", {"customer_id": customer})["payload"]
    run.check(
        _verifies(public_key, base64.b64decode(initiate["signature"]), initiate["signaturePayload"].encode()),
        "the Initiate payload's signature verifies too",
    )


@scenario("session", "The Session API")
def session_api(run: Run) -> None:
    """`POST /sessions`: Juspay creates the order and answers the SDK payload; the terms are recorded here,
    so the paid order (40.00 card + 10.00 wallet) is checked against them and settled."""
    client = run.client
    order_id, customer = run.ids("session")
    run.follow(order_id, customer, wallet_before=run.fund(customer, "100.00"))
    body = {"order_id": order_id, "amount": "50.00", "currency": "INR", "customer_id": customer}
    session = client.api_json("POST", "/sessions", body)
    sdk = session["sdk_payload"]["payload"]
    run.equal(sdk["orderId"], order_id, "Juspay's sdk_payload names the order")
    run.check(bool(sdk.get("clientAuthToken")), "the SDK payload carries Juspay's client auth token")
    offer = json.loads(sdk["metadata.merchantContainerList"])
    run.equal(offer[0]["eligible_amount"], 50, "the wallet offer went to Juspay")
    run.equal(client.sim("GET", f"/__sim/orders/{order_id}")["status"], "NEW", "Juspay holds the order")
    client.put_order(split_card(order_id, customer, attempt=1))  # the customer pays on the payment page
    client.deliver(order_id, "ORDER_PARTIAL_CHARGED")
    settled = client.event(order_id, "OrderSettled")["detail"]
    run.equal(settled["wallet_amount"], "10.00", "settled against the session's terms")
    run.equal(client.balance(customer), "90.00", "the wallet share debited")
    sessions = [r for r in client.juspay_requests() if r["path"] == "/session" and order_id in json.dumps(r)]
    run.equal(len(sessions), 1, "one Session API call")


@scenario("mandate", "A mandate listed, paused, resumed and revoked")
def mandate_life(run: Run) -> None:
    """A customer's mandate at Juspay, managed through the merchant API: every command goes to Juspay,
    routed by the customer, and the answer is Juspay's new status."""
    client = run.client
    _, customer = run.ids("mandate")
    mandate_id = f"mnd{customer[5:]}"
    run.watch(mandate_id, "{mandate_id}")
    run.watch(customer, "{customer_id}")
    client.sim(
        "PUT",
        f"/__sim/mandates/{mandate_id}",
        {"status": "ACTIVE", "customer_id": customer, "max_amount": 1000},
    )
    listed = client.api_json("GET", f"/customers/{customer}/mandates")["mandates"]
    run.equal([(m["mandate_id"], m["status"]) for m in listed], [(mandate_id, "ACTIVE")], "listed, ACTIVE")
    steps: list[tuple[str, dict[str, str] | None, str]] = [
        ("pause", {}, "PAUSED"),
        ("resume", {}, "ACTIVE"),
        ("revoke", None, "REVOKED"),
    ]
    for command, body, status in steps:
        answer = client.api_json("POST", f"/mandates/{mandate_id}/{command}", body)
        run.equal(answer["status"], status, f"{command} → {status}")
        run.equal(
            client.api_json("GET", f"/mandates/{mandate_id}")["status"], status, f"Juspay says {status}"
        )
    again = client.api("POST", f"/mandates/{mandate_id}/revoke")
    run.equal(again.status_code, 400, "revoking a revoked mandate is Juspay's 400, passed on")
    run.note(f"mandate {mandate_id} of {customer}: ACTIVE → PAUSED → ACTIVE → REVOKED")
