"""The warm cost of a validated API route against the same route's raw handler work.

Both resolve the same API Gateway event for ``POST /wallets/{customer_id}/credits`` in-process, with the
wallet repository replaced by an in-memory stub (no AWS): the validated route is the real handler module's
resolver (Powertools validation, typed body, answer model); the raw one parses the JSON by hand, builds the
request without validating it, calls the same logic and writes the same JSON.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, cast

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response

from paybridge import jsonutil
from paybridge.api import json_response
from paybridge.dal.wallets import CreditResult, CreditStatus, WalletRepository
from paybridge.logic.credit_wallet import credit_wallet
from paybridge.models.wallet import CreditRequest, EntryType, LedgerEntry
from paybridge.observability import metrics

NOW = datetime(2026, 11, 29, tzinfo=UTC)
BODY = json.dumps({"amount": "150.50", "currency": "INR", "idempotency_key": "bench-1"})


class _StubWallets:
    def credit(self, **_: Any) -> CreditResult:
        entry = LedgerEntry(
            "cust1", 1, EntryType.CREDIT, 15050, 15050, "INR", "bench-1", None, NOW.isoformat()
        )
        return CreditResult(CreditStatus.CREDITED, entry)


WALLETS = cast(WalletRepository, _StubWallets())


def event() -> dict[str, Any]:
    """The proxy event both resolvers take."""
    return {
        "resource": "/wallets/{customer_id}/credits",
        "path": "/wallets/cust1/credits",
        "httpMethod": "POST",
        "headers": {"Content-Type": "application/json"},
        "multiValueHeaders": {"Content-Type": ["application/json"]},
        "queryStringParameters": None,
        "pathParameters": {"customer_id": "cust1"},
        "requestContext": {"resourcePath": "/wallets/{customer_id}/credits", "httpMethod": "POST"},
        "body": BODY,
        "isBase64Encoded": False,
    }


def validated_resolver() -> APIGatewayRestResolver:
    """The real handler module's resolver, its repository swapped for the stub."""
    from functions.credit_wallet import app as module

    module.__dict__["_wallets"] = lambda: WALLETS
    return module.app


def raw_resolver() -> APIGatewayRestResolver:
    """The same route without validation: hand parsing, no answer model."""
    app = APIGatewayRestResolver()

    @app.post("/wallets/<customer_id>/credits")
    def add_credit(customer_id: str) -> Response[Any]:
        document = jsonutil.loads(app.current_event.body or "")
        request = CreditRequest.model_construct(
            currency=document["currency"],
            amount=Decimal(document["amount"]),
            idempotency_key=document["idempotency_key"],
        )
        status, body = credit_wallet(customer_id, request, WALLETS, now=NOW)
        return json_response(status, body)

    return app


def resolve(app: APIGatewayRestResolver) -> None:
    """One warm request through ``app`` (metrics dropped, as a handler's flush would)."""
    app.resolve(event(), None)  # type: ignore[arg-type]
    metrics.clear_metrics()
