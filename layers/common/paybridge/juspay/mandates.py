"""Juspay's mandate state calls: ``POST /mandates/{id}`` with ``command`` check_status, revoke, pause or
resume, and ``GET /customers/{id}/mandates``. ``JuspayClient`` inherits them from ``MandateCalls``, so callers
still call ``client.revoke_mandate(...)``; they go through the client's caller and retry policies.

Routing: every call carries the mandate's customer id in ``x-routing-id`` (required; never the mandate id).
Only reads are retried after the request was sent: revoke, pause and resume change state, and a repeat after
an unknown outcome may fail ("already revoked") and hide the success.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal, Protocol
from urllib.parse import quote

from urllib3.util.retry import Retry

from paybridge.juspay.calls import JuspayCaller, parse_answer
from paybridge.juspay.wire import require_customer
from paybridge.models.juspay import Mandate, MandateList

__all__ = ["MandateCalls", "MandateCommand"]

MandateCommand = Literal["check_status", "revoke", "pause", "resume"]


class _Channel(Protocol):
    """What the mandate calls need of the client they are mixed into."""

    @property
    def caller(self) -> JuspayCaller: ...

    @property
    def idempotent(self) -> Retry: ...

    @property
    def single_shot(self) -> Retry: ...


class MandateCalls:
    """The mandate state calls of ``JuspayClient``."""

    def mandate_command(
        self: _Channel,
        mandate_id: str,
        command: MandateCommand,
        *,
        customer_id: str,
        params: Mapping[str, str] | None = None,
    ) -> Mandate:
        """``POST /mandates/{mandate_id}`` with ``command`` and its extra form ``params``; only
        ``check_status`` is retried after the request was sent (it reads)."""
        return _command(self, mandate_id, command, customer_id, params or {})

    def check_mandate_status(self: _Channel, mandate_id: str, *, customer_id: str) -> Mandate:
        """``command=check_status``: the mandate's current state."""
        return _command(self, mandate_id, "check_status", customer_id, {})

    def revoke_mandate(self: _Channel, mandate_id: str, *, customer_id: str) -> Mandate:
        """``command=revoke``: cancels the mandate for good (status REVOKED)."""
        return _command(self, mandate_id, "revoke", customer_id, {})

    def pause_mandate(
        self: _Channel,
        mandate_id: str,
        *,
        pause_start_date: str | None = None,
        pause_end_date: str | None = None,
        customer_id: str,
    ) -> Mandate:
        """``command=pause`` (dates as Juspay takes them: epoch seconds as strings)."""
        params = {
            key: value
            for key, value in (("pause_start_date", pause_start_date), ("pause_end_date", pause_end_date))
            if value is not None
        }
        return _command(self, mandate_id, "pause", customer_id, params)

    def resume_mandate(
        self: _Channel, mandate_id: str, *, customer_id: str, resume_date: str | None = None
    ) -> Mandate:
        """``command=resume`` (``resume_date`` in epoch seconds, optional)."""
        params = {"resume_date": resume_date} if resume_date is not None else {}
        return _command(self, mandate_id, "resume", customer_id, params)

    def list_mandates(self: _Channel, customer_id: str) -> MandateList:
        """``GET /customers/{customer_id}/mandates``."""
        data = self.caller.call(
            "list_mandates",
            "GET",
            f"/customers/{quote(customer_id, safe='')}/mandates",
            routing_id=require_customer(customer_id),
            retry=self.idempotent,
        )
        return parse_answer("list_mandates", MandateList, data)


def _command(
    channel: _Channel, mandate_id: str, command: MandateCommand, customer_id: str, params: Mapping[str, str]
) -> Mandate:
    retry = channel.idempotent if command == "check_status" else channel.single_shot
    data = channel.caller.call(
        f"mandate_{command}",
        "POST",
        f"/mandates/{quote(mandate_id, safe='')}",
        routing_id=require_customer(customer_id),
        retry=retry,
        form={"command": command, **params},
    )
    return parse_answer(f"mandate_{command}", Mandate, data)
