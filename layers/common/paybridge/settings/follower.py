"""The settings models of the pending-order follower's tasks: one per function,
composed of the groups it uses."""

from __future__ import annotations

from paybridge.settings.groups import (
    Bus,
    FollowSchedule,
    FollowStart,
    Juspay,
    Orders,
    PendingOrders,
)


class StartPendingOrderSettings(FollowStart):
    """start_pending_order: starts the follower's execution."""


class AwaitOrderWebhookSettings(PendingOrders):
    """await_order_webhook: stores the wait's task token."""


class CheckPendingOrderSettings(Bus, Orders, PendingOrders, FollowSchedule, Juspay):
    """check_pending_order: polls Order Status and resolves, waits or marks STALE."""


class RecordPendingOrderFailureSettings(Bus, PendingOrders):
    """record_pending_order_failure: a follow that failed, recorded and announced."""
