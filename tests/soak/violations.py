"""What the soak's checker reports: the invariants' names, one violation, and a run's report."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

INVARIANTS = (
    "double_debit",
    "debit_not_confirmed",
    "debit_after_refund",
    "cancelled_not_refunded",
    "credit_back_exceeds",
    "not_final_or_followed",
    "lost",
    "duplicate_event",
    "ledger_inconsistent",
    "run_incomplete",
)


@dataclass(frozen=True)
class Violation:
    """One broken invariant."""

    invariant: str
    subject: str  # an order id or a customer id
    detail: str

    def __str__(self) -> str:
        return f"{self.invariant:24} {self.subject:28} {self.detail}"


@dataclass
class Report:
    """Violations and the counts printed after a run."""

    violations: list[Violation] = field(default_factory=list)
    counts: dict[str, Any] = field(default_factory=dict)

    def by_invariant(self) -> dict[str, int]:
        """How many violations of each invariant (every invariant listed, zeros included)."""
        found = Counter(v.invariant for v in self.violations)
        return {name: found.get(name, 0) for name in INVARIANTS}
