"""A local Juspay simulator: Juspay's server-to-server API plus a control API (``/__sim/...``)."""

from paybridge_local.simulator.server import (
    DEFAULT_API_KEY,
    DEFAULT_MERCHANT_ID,
    DEFAULT_PORT,
    JuspaySimulator,
    main,
)
from paybridge_local.simulator.state import SimError, SimulatorState

__all__ = [
    "DEFAULT_API_KEY",
    "DEFAULT_MERCHANT_ID",
    "DEFAULT_PORT",
    "JuspaySimulator",
    "SimError",
    "SimulatorState",
    "main",
]
