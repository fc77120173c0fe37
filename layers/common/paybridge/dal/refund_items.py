"""The refunds table's items: a ``RefundRecord`` to and from its DynamoDB item, and the update that brings a
stored item to a record's new state.

An open refund with a check time also carries ``sweep_key`` (``OPEN``): with ``next_check_at`` it keys the
sparse GSI ``OpenByNextCheck`` that the refund sweep reads ("open, next check at or before now") without a
scan. A final refund has neither, so it drops out of the index.
"""

from __future__ import annotations

from typing import Any

from paybridge.models.refund import RefundRecord

REFUND_PREFIX = "REFUND#"

#: The value of ``sweep_key`` on every refund the sweep follows (one GSI partition: refunds are few).
SWEEP_OPEN = "OPEN"


def refund_sk(seq: int) -> str:
    """Sort key of refund ``seq`` (zero-padded so refunds sort in order)."""
    return f"{REFUND_PREFIX}{seq:03d}"


_OPTIONAL = (
    "txn_id",
    "customer_id",
    "requested_at",
    "juspay_status",
    "error_code",
    "error_message",
    "announced",
    "sent_uid",
)


def record_to_item(record: RefundRecord) -> dict[str, Any]:
    """A refund as the table's item (None fields left out: DynamoDB keys cannot be null)."""
    item: dict[str, Any] = {
        "order_id": record.order_id,
        "sk": refund_sk(record.seq),
        "seq": record.seq,
        "request_key": record.request_key,
        "kind": record.kind,
        "amount_minor": record.amount_minor,
        "currency": record.currency,
        "reason": record.reason,
        "source": record.source,
        "status": record.status,
        "attempt": record.attempt,
        "unique_request_id": record.unique_request_id,
        "attempt_ids": list(record.attempt_ids),
        "max_attempts": record.max_attempts,
        "created_at": record.created_at,
        "updated_at": record.updated_at,
    }
    for name in _OPTIONAL:
        value = getattr(record, name)
        if value is not None:
            item[name] = value
    if record.requested_minor is not None:
        item["requested_minor"] = record.requested_minor
    if record.next_check_at is not None:
        item.update(sweep_key=SWEEP_OPEN, next_check_at=record.next_check_at, checks=record.checks)
    return item


def record_from_item(item: dict[str, Any]) -> RefundRecord:
    """The table's item as a ``RefundRecord`` (numbers come back as ``Decimal``)."""
    return RefundRecord(
        order_id=item["order_id"],
        seq=int(item["seq"]),
        request_key=item["request_key"],
        kind=item["kind"],
        amount_minor=int(item["amount_minor"]),
        currency=item["currency"],
        reason=item["reason"],
        source=item["source"],
        status=item["status"],
        attempt=int(item["attempt"]),
        unique_request_id=item["unique_request_id"],
        max_attempts=int(item["max_attempts"]),
        created_at=item["created_at"],
        updated_at=item["updated_at"],
        attempt_ids=tuple(item.get("attempt_ids") or ()),
        checks=int(item.get("checks") or 0),
        next_check_at=int(item["next_check_at"]) if item.get("next_check_at") is not None else None,
        **{name: item.get(name) for name in _OPTIONAL},
        requested_minor=int(item["requested_minor"]) if item.get("requested_minor") is not None else None,
    )


def state_update(after: RefundRecord, *, now: str) -> tuple[str, dict[str, Any]]:
    """The ``UpdateExpression`` and its values that write ``after``'s state (status, attempt and its ids,
    Juspay's answer, the sweep's schedule) onto the stored refund; the caller adds its condition."""
    values: dict[str, Any] = {
        ":status": after.status,
        ":attempt": after.attempt,
        ":uid": after.unique_request_id,
        ":ids": list(after.attempt_ids),
        ":now": now,
    }
    sets = [
        "#status = :status",
        "attempt = :attempt",
        "unique_request_id = :uid",
        "attempt_ids = :ids",
        "updated_at = :now",
    ]
    removes = []
    for name in ("juspay_status", "error_code", "error_message"):
        value = getattr(after, name)
        if value is None:
            removes.append(name)
        else:
            values[f":{name}"] = value
            sets.append(f"{name} = :{name}")
    if after.next_check_at is None:
        # A final refund leaves the sweep's sparse index.
        removes += ["sweep_key", "next_check_at"]
    else:
        values.update({":open": SWEEP_OPEN, ":next": after.next_check_at, ":checks": after.checks})
        sets += ["sweep_key = :open", "next_check_at = :next", "checks = :checks"]
    expression = "SET " + ", ".join(sets) + (" REMOVE " + ", ".join(removes) if removes else "")
    return expression, values
