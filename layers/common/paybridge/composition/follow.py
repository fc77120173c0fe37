"""The pending-order follower: its table, its schedule, and starting a follow (start_pending_order, and the
functions that start one for the orders they create: signing, sessions, mandate debits, reconciliation)."""

from __future__ import annotations

from paybridge.composition.aws import Clients, now
from paybridge.dal.pending_orders import PendingOrdersRepository
from paybridge.logic.pending_order_schedule import FollowSchedule
from paybridge.logic.start_pending_order import StartDependencies
from paybridge.settings import groups
from paybridge.settings.follower import StartPendingOrderSettings


def pending_orders(settings: groups.PendingOrders, clients: Clients) -> PendingOrdersRepository:
    """The pending orders table."""
    return PendingOrdersRepository(clients.dynamodb, settings.pending_orders_table)


def follow_schedule(settings: groups.FollowSchedule) -> FollowSchedule:
    """The follower's schedule the settings describe (template parameters and ``TIME_SCALE``)."""
    return FollowSchedule(
        first_wait_s=settings.pending_order_first_wait_s,
        max_wait_s=settings.pending_order_max_wait_s,
        deadline_s=settings.pending_order_deadline_s,
        time_scale=settings.time_scale,
    )


def follow_starter(settings: groups.FollowStart, clients: Clients) -> StartDependencies:
    """What starting a pending-order follow needs (``logic.start_pending_order``)."""
    return StartDependencies(
        sfn_client=clients.stepfunctions,
        state_machine_arn=settings.pending_order_state_machine_arn,
        clock=now,
        repository=pending_orders(settings, clients),
        schedule=follow_schedule(settings),
    )


def for_start_pending_order(settings: StartPendingOrderSettings) -> StartDependencies:
    """start_pending_order's dependencies."""
    return follow_starter(settings, Clients())
