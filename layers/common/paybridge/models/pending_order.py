"""A followed pending order's states (the pending orders table's ``status``) and what resolved it.

WAITING → RESOLVED (by a poll or a webhook) | STALE (deadline passed, still pending) | FAILED (following it
failed) | ABANDONED (no payment attempt before the order expired).
"""

from __future__ import annotations

__all__ = [
    "RESOLVED_BY_POLL",
    "RESOLVED_BY_WEBHOOK",
    "STATUS_ABANDONED",
    "STATUS_FAILED",
    "STATUS_RESOLVED",
    "STATUS_STALE",
    "STATUS_WAITING",
]

STATUS_WAITING = "WAITING"
STATUS_RESOLVED = "RESOLVED"
STATUS_STALE = "STALE"
STATUS_FAILED = "FAILED"
STATUS_ABANDONED = "ABANDONED"

RESOLVED_BY_POLL = "poll"
RESOLVED_BY_WEBHOOK = "webhook"
