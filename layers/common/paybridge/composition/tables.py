"""Functions that need only the stack's tables, bus and state machine (no Juspay): the wallet, refund-list
and debit reads, wallet returns, and the pending-order follower's tasks that do not poll."""

from __future__ import annotations

from paybridge.composition.aws import Clients, follow_starter, now, pending_orders, publisher
from paybridge.dal.mandate_debits import MandateDebitsRepository
from paybridge.dal.orders import OrdersRepository
from paybridge.dal.refunds import RefundsRepository
from paybridge.dal.wallets import WalletRepository
from paybridge.logic.await_order_webhook import AwaitDependencies
from paybridge.logic.record_pending_order_failure import FailureDependencies
from paybridge.logic.return_wallet_share import ReturnDependencies
from paybridge.logic.start_pending_order import StartDependencies
from paybridge.settings import groups
from paybridge.settings.follower import (
    AwaitOrderWebhookSettings,
    RecordPendingOrderFailureSettings,
    StartPendingOrderSettings,
)
from paybridge.settings.settlement import ReturnWalletShareSettings


def wallets(settings: groups.Ledger, clients: Clients | None = None) -> WalletRepository:
    """The ledger (get_wallet, credit_wallet)."""
    return WalletRepository((clients or Clients()).dynamodb, settings.ledger_table)


def refunds(settings: groups.RefundsTable, clients: Clients | None = None) -> RefundsRepository:
    """The refunds table (list_refunds)."""
    return RefundsRepository((clients or Clients()).dynamodb, settings.refunds_table)


def mandate_debits(
    settings: groups.MandateDebitsTable, clients: Clients | None = None
) -> MandateDebitsRepository:
    """The recurring debits table (get_mandate_debit)."""
    return MandateDebitsRepository((clients or Clients()).dynamodb, settings.mandate_debits_table)


def for_return_wallet_share(settings: ReturnWalletShareSettings) -> ReturnDependencies:
    """return_wallet_share's dependencies."""
    clients = Clients()
    return ReturnDependencies(
        orders=OrdersRepository(clients.dynamodb, settings.orders_table),
        wallets=wallets(settings, clients),
        publisher=publisher(settings, clients),
        clock=now,
    )


def for_start_pending_order(settings: StartPendingOrderSettings) -> StartDependencies:
    """start_pending_order's dependencies."""
    return follow_starter(settings, Clients())


def for_await_order_webhook(settings: AwaitOrderWebhookSettings) -> AwaitDependencies:
    """await_order_webhook's dependencies."""
    clients = Clients()
    return AwaitDependencies(
        repository=pending_orders(settings, clients), sfn_client=clients.stepfunctions, clock=now
    )


def for_record_pending_order_failure(settings: RecordPendingOrderFailureSettings) -> FailureDependencies:
    """record_pending_order_failure's dependencies."""
    clients = Clients()
    return FailureDependencies(
        repository=pending_orders(settings, clients), publisher=publisher(settings, clients), clock=now
    )
