"""Functions that issue and follow refunds (issue_refund, refund_order, track_refund, sweep_refunds): the
repositories and publisher once per container, the refund dependencies per invocation (the Juspay client is
fetched per call: its key may rotate)."""

from __future__ import annotations

from collections.abc import Callable

from paybridge.composition.aws import Clients, now, publisher
from paybridge.dal.orders import OrdersRepository
from paybridge.dal.refunds import RefundsRepository
from paybridge.dal.wallets import WalletRepository
from paybridge.juspay.factory import juspay_client
from paybridge.logic.refund_engine import RefundDependencies
from paybridge.logic.sweep_refunds import SweepDependencies
from paybridge.logic.track_refund import TrackDependencies
from paybridge.models.refund_schedule import RefundCheckSchedule
from paybridge.settings import groups
from paybridge.settings.refunds import (
    IssueRefundSettings,
    RefundOrderSettings,
    SweepRefundsSettings,
    TrackRefundSettings,
)


class RefundRuntime:
    """Issuing refunds: the refunds table, the bus and Juspay."""

    def __init__(self, settings: groups.RefundIssuing, clients: Clients | None = None) -> None:
        self.settings = settings
        self.clients = clients or Clients()
        self.refunds = RefundsRepository(self.clients.dynamodb, settings.refunds_table)
        self.publisher = publisher(settings, self.clients)

    def refund_dependencies(self) -> RefundDependencies:
        """What the refund logic needs for one invocation."""
        return RefundDependencies(
            repository=self.refunds,
            juspay=juspay_client(self.settings),
            publisher=self.publisher,
            clock=now,
            max_attempts=self.settings.refund_max_attempts,
        )


class RefundOrderRuntime(RefundRuntime):
    """refund_order: issuing, plus the orders table the request is checked against."""

    def __init__(self, settings: RefundOrderSettings) -> None:
        super().__init__(settings)
        self.orders = OrdersRepository(self.clients.dynamodb, settings.orders_table)


class TrackRuntime(RefundRuntime):
    """Following refunds: issuing, plus the orders and the ledger (wallet shares credited back)."""

    def __init__(self, settings: groups.RefundTracking) -> None:
        super().__init__(settings)
        self.orders = OrdersRepository(self.clients.dynamodb, settings.orders_table)
        self.wallets = WalletRepository(self.clients.dynamodb, settings.ledger_table)

    def track_dependencies(self) -> TrackDependencies:
        """What following a refund (and crediting its wallet share back) needs for one invocation."""
        return TrackDependencies(refunds=self.refund_dependencies(), orders=self.orders, wallets=self.wallets)


class SweepRuntime(TrackRuntime):
    """sweep_refunds: following, on the sweep's growing schedule."""

    def __init__(self, settings: SweepRefundsSettings) -> None:
        super().__init__(settings)
        #: Refunds one run checks at most (the rest stay due for the next run).
        self.limit = settings.refund_sweep_limit
        self.schedule = RefundCheckSchedule(
            first_s=settings.refund_check_first_s,
            # A cap below the first gap (a deploy-time slip CloudFormation cannot refuse) means "no doubling".
            max_s=max(settings.refund_check_max_s, settings.refund_check_first_s),
            time_scale=settings.time_scale,
        )

    def sweep_dependencies(self, time_left: Callable[[], float]) -> SweepDependencies:
        """One run's dependencies; ``time_left``: seconds the invocation has left."""
        return SweepDependencies(track=self.track_dependencies(), schedule=self.schedule, time_left=time_left)


def for_issue_refund(settings: IssueRefundSettings) -> RefundRuntime:
    """issue_refund's runtime."""
    return RefundRuntime(settings)


def for_refund_order(settings: RefundOrderSettings) -> RefundOrderRuntime:
    """refund_order's runtime."""
    return RefundOrderRuntime(settings)


def for_track_refund(settings: TrackRefundSettings) -> TrackRuntime:
    """track_refund's runtime."""
    return TrackRuntime(settings)


def for_sweep_refunds(settings: SweepRefundsSettings) -> SweepRuntime:
    """sweep_refunds' runtime."""
    return SweepRuntime(settings)
