"""A local Juspay simulator: Juspay's server-to-server API plus a control API (``/__sim/...``).

An independent oracle: it imports nothing from the product (``paybridge``) and reads orders with its own
model derived from Juspay's samples (``schema.py``).
"""

from paybridge_local.simulator.errors import SimError
from paybridge_local.simulator.server import (
    DEFAULT_API_KEY,
    DEFAULT_MERCHANT_ID,
    DEFAULT_PORT,
    JuspaySimulator,
    main,
)
from paybridge_local.simulator.state import SimulatorState

__all__ = [
    "DEFAULT_API_KEY",
    "DEFAULT_MERCHANT_ID",
    "DEFAULT_PORT",
    "JuspaySimulator",
    "SimError",
    "SimulatorState",
    "main",
]
