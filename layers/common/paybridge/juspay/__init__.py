"""Juspay server-to-server client (see ``client``) and its HTTP plumbing (``transport``)."""

from paybridge.juspay.client import (
    JuspayClient,
    MandateCommand,
    format_amount,
    order_routing_id,
    parse_api_key_secret,
)
from paybridge.juspay.transport import build_session, shared_session

__all__ = [
    "JuspayClient",
    "MandateCommand",
    "build_session",
    "format_amount",
    "order_routing_id",
    "parse_api_key_secret",
    "shared_session",
]
