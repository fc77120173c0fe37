"""The settings models of webhooks, settlement, reconciliation and the wallet routes: one per function,
composed of the groups it uses."""

from __future__ import annotations

from paybridge.settings.groups import (
    Bus,
    FollowStart,
    Juspay,
    Ledger,
    Orders,
    PendingOrders,
    Reconcile,
    Refunds,
    WebhookIntake,
)


class IngestWebhookSettings(Bus, WebhookIntake):
    """ingest_webhook: records Juspay's webhooks and puts them on the bus."""


class SettleOrderSettings(Bus, Ledger, Orders, PendingOrders, Juspay):
    """settle_order: settles a confirmed order against the wallet, releases its follower."""


class ReconcileOrdersSettings(Bus, Ledger, Orders, Refunds, FollowStart, Juspay, Reconcile):
    """reconcile_orders: brings recently touched orders in line with Juspay."""


class GetWalletSettings(Ledger):
    """get_wallet: a wallet's balance and entries."""


class CreditWalletSettings(Ledger):
    """credit_wallet: tops a wallet up."""


class ReturnWalletShareSettings(Bus, Ledger, Orders):
    """return_wallet_share: part of a settled order's wallet share back to the wallet."""
