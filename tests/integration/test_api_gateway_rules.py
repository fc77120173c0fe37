"""The local API Gateway over real HTTP, as a merchant's client reaches it: SigV4 made by an independent
client (requests-aws4auth) on the wire, temporary credentials from the local STS, and API Gateway's 29 s
integration limit. The function behind the routes is a recording stand-in: the gateway is what is judged.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
import requests
from moto import mock_aws
from requests_aws4auth import AWS4Auth
from werkzeug.serving import make_server

from paybridge_local.api_gateway import LocalApiGateway
from paybridge_local.lambdas import FunctionError
from paybridge_local.openapi import template_routes

REGION = "ap-south-1"


class RecordingFunctions:
    """Answers every route with the event's path and query parameters; sleeps when told to."""

    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []
        self.delay_s = 0.0
        self.fail = False

    def invoke(self, name_or_arn: str, event: Any) -> Any:
        self.events.append(event)
        time.sleep(self.delay_s)
        if self.fail:
            raise FunctionError({"errorType": "Boom", "errorMessage": "boom"})
        body = {"path": event["pathParameters"], "query": event["queryStringParameters"]}
        return {"statusCode": 200, "headers": {"Content-Type": "application/json"}, "body": json.dumps(body)}


@pytest.fixture
def functions() -> RecordingFunctions:
    return RecordingFunctions()


@pytest.fixture
def api(functions: RecordingFunctions) -> Iterator[tuple[str, LocalApiGateway]]:
    with mock_aws():
        gateway = LocalApiGateway(
            template_routes(),
            functions,
            region=REGION,
            access_key="testing",
            secret_key="testing",
            integration_timeout_s=1.0,
        )
        server = make_server("127.0.0.1", 0, gateway, threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield f"http://127.0.0.1:{server.server_port}", gateway
        finally:
            server.shutdown()
            thread.join(timeout=5)


def auth(access: str = "testing", secret: str = "testing", token: str | None = None) -> AWS4Auth:
    return AWS4Auth(access, secret, REGION, "execute-api", session_token=token)


@pytest.mark.parametrize(
    ("path", "customer_id", "query"),
    [
        ("/wallets/a%40b", "a@b", None),
        ("/wallets/caf%C3%A9", "café", None),
        ("/wallets/c1?q=a+b", "c1", {"q": "a b"}),
        ("/wallets/c1?q=%C3%A9", "c1", {"q": "é"}),
    ],
)
def test_requests_api_gateway_accepts_reach_the_function(
    api: tuple[str, LocalApiGateway], path: str, customer_id: str, query: dict[str, str] | None
) -> None:
    url, _ = api
    response = requests.get(url + path, auth=auth(), headers={"User-Agent": "merchant-app/1.0"}, timeout=10)
    assert response.status_code == 200, response.text
    assert response.json() == {"path": {"customer_id": customer_id}, "query": query}


def test_a_body_changed_after_signing_is_refused(
    api: tuple[str, LocalApiGateway], functions: RecordingFunctions
) -> None:
    url, _ = api
    signed = requests.Request(
        "POST",
        url + "/wallets/c1/credits",
        data=b'{"amount": "5.00"}',
        headers={"Content-Type": "application/json"},
    ).prepare()
    auth()(signed)
    replayed = requests.Request("POST", url + "/wallets/c1/credits", data=b'{"amount": "500.00"}').prepare()
    replayed.headers.update({k: v for k, v in signed.headers.items() if k.lower() != "content-length"})
    replayed.headers["Content-Length"] = str(len(replayed.body or b""))
    with requests.Session() as session:
        response = session.send(replayed, timeout=10)
    assert response.status_code == 403
    assert "does not match" in response.json()["message"]
    assert functions.events == []


def test_temporary_credentials_from_the_local_sts_are_accepted_with_their_token_only(
    api: tuple[str, LocalApiGateway],
) -> None:
    url, _ = api
    issued = boto3.client("sts", region_name=REGION).assume_role(
        RoleArn="arn:aws:iam::123456789012:role/merchant-ops", RoleSessionName="ops"
    )["Credentials"]
    key, secret, token = issued["AccessKeyId"], issued["SecretAccessKey"], issued["SessionToken"]
    good = requests.get(url + "/wallets/c1", auth=auth(key, secret, token), timeout=10)
    assert good.status_code == 200, good.text
    for bad in (auth(key, secret, "invented"), auth(key, secret), auth("testing", "testing", token)):
        refused = requests.get(url + "/wallets/c1", auth=bad, timeout=10)
        assert refused.status_code == 403
        assert refused.json() == {"message": "The security token included in the request is invalid."}


def test_an_integration_slower_than_the_gateway_limit_answers_504(
    api: tuple[str, LocalApiGateway], functions: RecordingFunctions
) -> None:
    url, _ = api
    functions.delay_s = 2.0  # the fixture's gateway gives up after 1 s (29 s on AWS and by default)
    response = requests.get(url + "/wallets/c1", auth=auth(), timeout=10)
    assert response.status_code == 504
    assert response.json() == {"message": "Endpoint request timed out"}
    assert len(functions.events) == 1  # the function was invoked; it simply did not answer in time


def test_a_failed_function_answers_502(
    api: tuple[str, LocalApiGateway], functions: RecordingFunctions
) -> None:
    url, _ = api
    functions.fail = True
    response = requests.get(url + "/wallets/c1", auth=auth(), timeout=10)
    assert response.status_code == 502
    assert response.json() == {"message": "Internal server error"}
