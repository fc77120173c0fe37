"""A scenario's checked result: its checks, and what it observed per order (the report's facts)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["Check", "OrderFacts", "ScenarioResult"]


@dataclass(frozen=True)
class Check:
    """One expected outcome and whether it held."""

    what: str
    ok: bool
    detail: str = ""


@dataclass
class OrderFacts:
    """What a user can see of one order after the scenario: Juspay, the system, the wallet, the follower."""

    order_id: str
    customer_id: str
    juspay_status: str | None = None
    settlement_status: str | None = None
    wallet_before: str | None = None
    wallet_after: str | None = None
    ledger: list[str] = field(default_factory=list)
    webhooks: list[str] = field(default_factory=list)
    refunds: list[str] = field(default_factory=list)
    follower: list[str] = field(default_factory=list)
    executions: int = 0
    transitions: int = 0
    bus: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return dict(self.__dict__)


@dataclass
class ScenarioResult:
    """The outcome of one scenario: ``ok`` only when every check held and nothing failed on the way."""

    key: str
    title: str
    seconds: float
    checks: list[Check]
    orders: list[OrderFacts]
    notes: list[str]
    juspay_calls: dict[str, int]
    aws_calls: dict[str, int]
    error: str | None = None
    summary: str = ""

    @property
    def ok(self) -> bool:
        """True when every check held and the scenario ran to its end."""
        return self.error is None and bool(self.checks) and all(c.ok for c in self.checks)

    def failures(self) -> list[str]:
        """What went wrong, one line each (empty when ``ok``)."""
        lines = [f"{c.what}: {c.detail}" if c.detail else c.what for c in self.checks if not c.ok]
        if self.error:
            lines.append(f"stopped: {self.error}")
        if not self.checks and not self.error:
            lines.append("the scenario checked nothing")
        return lines

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready (``--json``)."""
        return {
            "key": self.key,
            "title": self.title,
            "summary": self.summary,
            "ok": self.ok,
            "seconds": round(self.seconds, 2),
            "checks": [c.__dict__ for c in self.checks],
            "orders": [o.as_dict() for o in self.orders],
            "notes": self.notes,
            "juspay_calls": self.juspay_calls,
            "aws_calls": self.aws_calls,
            "error": self.error,
        }
