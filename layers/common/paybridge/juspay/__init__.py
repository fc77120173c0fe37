"""Juspay server-to-server client (see ``client``) and its HTTP plumbing (``transport``)."""

from paybridge.juspay.client import JuspayClient
from paybridge.juspay.mandates import MandateCommand
from paybridge.juspay.transport import build_session, shared_session
from paybridge.juspay.wire import format_amount, order_routing_id, parse_api_key_secret

__all__ = [
    "JuspayClient",
    "MandateCommand",
    "build_session",
    "format_amount",
    "order_routing_id",
    "parse_api_key_secret",
    "shared_session",
]
