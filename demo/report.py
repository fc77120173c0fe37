"""The demo's report: one block per scenario a person can read, and a summary line."""

from __future__ import annotations

import textwrap

from demo.result import OrderFacts, ScenarioResult

__all__ = ["render", "render_summary"]

_WIDTH = 110


def _counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{name} x{count}" for name, count in counts.items()) or "none"


def _order(facts: OrderFacts) -> list[str]:
    wallet = f"{facts.wallet_before or '-'} → {facts.wallet_after or '-'}"
    lines = [
        f"  order {facts.order_id} (customer {facts.customer_id})",
        f"    webhooks   {', '.join(facts.webhooks) or 'none'}",
        f"    status     Juspay {facts.juspay_status or '-'}; here {facts.settlement_status or '-'}",
        f"    wallet     {wallet}" + (f"   ledger: {'; '.join(facts.ledger)}" if facts.ledger else ""),
        f"    refunds    {'; '.join(facts.refunds) or 'none'}",
    ]
    if facts.follower:
        lines += [f"    follower   {line}" for line in facts.follower]
    else:
        lines.append("    follower   no execution")
    lines.append(f"    bus        {_counts(facts.bus)}")
    return lines


def render(number: int, result: ScenarioResult) -> str:
    """One scenario's block: what it shows, each order's facts, the remote calls, the checks."""
    held = sum(c.ok for c in result.checks)
    verdict = "ok" if result.ok else "FAILED"
    lines = [f"== {number}. {result.title}: {verdict} ({result.seconds:.1f} s)"]
    if result.summary:
        lines += textwrap.wrap(result.summary, _WIDTH, initial_indent="  ", subsequent_indent="  ")
    for facts in result.orders:
        lines += _order(facts)
    lines.append(f"  Juspay calls  {_counts(result.juspay_calls)}")
    aws = ", ".join(f"{name} {count}" for name, count in result.aws_calls.items())
    lines.append(f"  AWS           {aws or '-'}")
    lines += [f"  note          {note}" for note in result.notes]
    lines.append(f"  checks        {held}/{len(result.checks)} held")
    lines += [f"    FAILED: {failure}" for failure in result.failures()]
    return "\n".join(lines)


def render_summary(results: list[ScenarioResult], seconds: float, problems: list[str]) -> str:
    """The last lines: how many scenarios passed, and anything that failed the run as a whole."""
    passed = sum(r.ok for r in results)
    lines = [f"demo: {passed}/{len(results)} scenarios passed in {seconds:.0f} s"]
    lines += [f"  FAILED: {r.title}" for r in results if not r.ok]
    lines += [f"  FAILED: {problem}" for problem in problems]
    return "\n".join(lines)
