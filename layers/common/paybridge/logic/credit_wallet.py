"""POST /wallets/{customer_id}/credits: top a wallet up (operators, tests), idempotent on the caller's key."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from paybridge.dal.wallets import CreditStatus, WalletRepository
from paybridge.models.money import format_major
from paybridge.models.wallet import CreditRequest, check_customer_id
from paybridge.observability import MetricUnit, logger, metrics


def credit_wallet(
    customer_id: str, request: CreditRequest, wallets: WalletRepository, *, now: datetime
) -> tuple[int, dict[str, Any]]:
    """Applies a validated credit. Returns (HTTP status, body): 201 for a new credit, 200 for a replay of
    the same idempotency key with the same amount. Raises 409/422 ``PaybridgeError`` otherwise."""
    customer_id = check_customer_id(customer_id)
    result = wallets.credit(
        customer_id=customer_id,
        amount_minor=request.amount_minor,
        currency=request.currency,
        idempotency_key=request.idempotency_key,
        now=now,
    )
    replayed = result.status is CreditStatus.ALREADY_DONE
    metrics.add_metric(
        name="WalletCreditReplayed" if replayed else "WalletCredited", unit=MetricUnit.Count, value=1
    )
    logger.info(
        "wallet credit", extra={"customer_id": customer_id, "replayed": replayed, "seq": result.entry.seq}
    )
    balance = result.wallet.balance_minor if result.wallet is not None else result.entry.balance_after_minor
    return (200 if replayed else 201), {
        "customer_id": customer_id,
        "currency": request.currency,
        "status": result.status.value,
        "balance": format_major(balance, request.currency),
        "entry": result.entry.to_api(),
    }
