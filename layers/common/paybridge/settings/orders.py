"""The settings models of signing, sessions and the order routes: one per function,
composed of the groups it uses."""

from __future__ import annotations

from paybridge.settings.groups import (
    FollowStart,
    Juspay,
    Ledger,
    Orders,
    SdkClient,
    Signing,
    WalletOffer,
)


class SignSdkPayloadSettings(Signing, WalletOffer, Ledger, Orders, FollowStart):
    """sign_sdk_payload: signed SDK payloads; a signed order is recorded and followed."""


class CreateSessionSettings(SdkClient, WalletOffer, Ledger, Orders, FollowStart, Juspay):
    """create_session: Juspay's Session API; the order is recorded and followed."""


class GetOrderSettings(Orders, Juspay):
    """get_order: Juspay's order status with the settlement state."""


class UpdateOrderSettings(Orders, Juspay):
    """update_order: changes an order at Juspay."""
