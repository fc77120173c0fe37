"""The settings models of issuing, listing and following refunds: one per function,
composed of the groups it uses."""

from __future__ import annotations

from paybridge.settings.groups import Orders, RefundIssuing, RefundsTable, RefundSweep, RefundTracking


class IssueRefundSettings(RefundIssuing):
    """issue_refund: refunds requested on the bus."""


class RefundOrderSettings(RefundIssuing, Orders):
    """refund_order: refunds requested over the merchant API."""


class ListRefundsSettings(RefundsTable):
    """list_refunds: an order's refunds as recorded."""


class TrackRefundSettings(RefundTracking):
    """track_refund: Juspay's refund events; wallet shares credited back."""


class SweepRefundsSettings(RefundTracking, RefundSweep):
    """sweep_refunds: open refunds checked on a growing schedule."""
