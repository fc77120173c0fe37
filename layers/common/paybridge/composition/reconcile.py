"""reconcile_orders' wiring: settlement, following and refund following, put together for one run."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from paybridge.composition.aws import Clients, now, publisher
from paybridge.composition.follow import follow_starter, pending_orders
from paybridge.dal.orders import OrderRecord, OrdersRepository
from paybridge.dal.reconciliation import MismatchMarks
from paybridge.dal.refunds import RefundsRepository
from paybridge.dal.touched import touched_order_ids
from paybridge.dal.wallets import WalletRepository
from paybridge.juspay.factory import juspay_client
from paybridge.logic.issue_refund import RefundDependencies
from paybridge.logic.pending_orders import release_pending_order
from paybridge.logic.reconcile_orders import ReconcileDependencies, Repaired
from paybridge.logic.settle_order import SettleDependencies, settle_order
from paybridge.logic.start_pending_order import start_pending_order
from paybridge.logic.track_refund import TrackDependencies, follow_order_refunds
from paybridge.logic.wallet_share import credit_back_wallet_share
from paybridge.models.juspay import Order
from paybridge.models.refund import RefundRecord
from paybridge.settings.settlement import ReconcileOrdersSettings


def _settled(action: str) -> Repaired:
    return Repaired(action not in ("already_done", "ignored"), action)


def _started(action: str) -> Repaired:
    return Repaired(action == "started", action)


class ReconcileRuntime:
    """reconcile_orders' runtime: clients once per container, ``dependencies()`` per run."""

    def __init__(self, settings: ReconcileOrdersSettings, clients: Clients | None = None) -> None:
        self.settings = settings
        self.clients = clients or Clients()

    def dependencies(self, time_left_ms: Callable[[], int]) -> ReconcileDependencies:
        """One run's dependencies; ``time_left_ms``: milliseconds the invocation has left."""
        settings, clients = self.settings, self.clients
        dynamodb, sfn = clients.dynamodb, clients.stepfunctions
        orders = OrdersRepository(dynamodb, settings.orders_table)
        wallets = WalletRepository(dynamodb, settings.ledger_table)
        refunds = RefundsRepository(dynamodb, settings.refunds_table)
        pending = pending_orders(settings, clients)
        bus = publisher(settings, clients)
        # One client retry per call: a Juspay that stays down stops the run, and the next run starts over.
        juspay = juspay_client(settings, max_retries=1)
        settle = SettleDependencies(
            juspay=juspay,
            wallets=wallets,
            orders=orders,
            publisher=bus,
            clock=now,
            release_pending=lambda order_id, status: release_pending_order(
                order_id, {"status": status}, repository=pending, sfn_client=sfn, now=now()
            ),
        )
        start = follow_starter(settings, clients)
        track = TrackDependencies(
            refunds=RefundDependencies(
                repository=refunds,
                juspay=juspay,
                publisher=bus,
                clock=now,
                max_attempts=settings.refund_max_attempts,
            ),
            orders=orders,
            wallets=wallets,
        )

        def follow_refunds(order: Order, records: Sequence[RefundRecord]) -> Repaired:
            after = follow_order_refunds(order, records, track.refunds)
            changed = any(after[r.seq].status != r.status for r in records)
            return Repaired(changed, ",".join(f"{seq}:{r.status}" for seq, r in sorted(after.items())))

        def credit_back(record: OrderRecord, order: Order) -> Repaired:
            result = credit_back_wallet_share(record, order, settle)
            return Repaired(result.status == "REVERSED", result.status)

        return ReconcileDependencies(
            touched=lambda since, until: touched_order_ids(
                dynamodb, orders.table_name, since=since, until=until
            ),
            orders=orders,
            refunds=refunds,
            followers=pending,
            juspay=juspay,
            marks=MismatchMarks(dynamodb, orders.table_name),
            publisher=bus,
            settle=lambda order_id, customer: _settled(
                settle_order({"order_id": order_id, "customer_id": customer}, settle).action
            ),
            start_follower=lambda order_id, customer: _started(
                start_pending_order(order_id, customer, trigger="reconciliation", deps=start).action
            ),
            follow_refunds=follow_refunds,
            credit_back=credit_back,
            clock=now,
            time_left_ms=time_left_ms,
        )


def for_reconcile_orders(settings: ReconcileOrdersSettings) -> ReconcileRuntime:
    """reconcile_orders' runtime."""
    return ReconcileRuntime(settings)
