"""docs/openapi.json is the contract: schemathesis generates requests for every operation (the webhook route
included) from the committed document and sends them to the running local stack over HTTP, SigV4-signed or
with Juspay's Basic credentials as the document says, and checks every answer: no 5xx, a documented status,
the documented content type and the documented schema. Fixed seed (derandomized), bounded examples."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import pytest
import requests
import schemathesis
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from paybridge_local.openapi import OPENAPI_PATH, template_routes

pytestmark = pytest.mark.e2e

#: Requests per operation: 11+ operations x 190 > 2,000 requests in all (budget: about 2 minutes).
EXAMPLES_PER_OPERATION = 190
MIN_REQUESTS = 2000
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]

SCHEMA = schemathesis.openapi.from_dict(json.loads(OPENAPI_PATH.read_text(encoding="utf-8")))


class _SigV4(requests.auth.AuthBase):
    """SigV4 (service execute-api) with the local stack's credentials, signed by botocore as the AWS SDKs
    sign: over the request exactly as it is sent."""

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        body = request.body or b""
        aws = AWSRequest(method=request.method, url=request.url, data=body)
        SigV4Auth(Credentials("testing", "testing"), "execute-api", "ap-south-1").add_auth(aws)
        request.headers.update({k: v for k, v in aws.headers.items() if k.lower() != "content-length"})
        return request


SIGV4 = _SigV4()
WEBHOOK_AUTH = ("juspay-local", "local-webhook-password")


def _fuzz(operation: Any, *, api: str, session: requests.Session, sent: Counter[str]) -> None:
    auth: Any = WEBHOOK_AUTH if operation.path == "/webhooks/juspay" else SIGV4

    @given(case=operation.as_strategy())
    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def check(case: schemathesis.Case) -> None:
        sent[operation.label] += 1
        case.call_and_validate(base_url=api, session=session, auth=auth, checks=CHECKS, timeout=30)

    check()


def test_every_answer_follows_the_document(local: dict[str, Any]) -> None:
    # One test item runs every operation in turn, so the request count below is this process's own (the
    # suite runs on several xdist workers).
    api = local["outputs"]["urls"]["api"].rstrip("/")
    session = requests.Session()
    sent: Counter[str] = Counter()
    for result in SCHEMA.get_all_operations():
        _fuzz(result.ok(), api=api, session=session, sent=sent)
    assert len(sent) == len(template_routes())
    assert sum(sent.values()) >= MIN_REQUESTS, sent
