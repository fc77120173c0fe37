"""The Juspay client's configuration. A function's settings (``paybridge.settings``, read from its
environment) build it (``Juspay.juspay_config``); logic never reads the environment."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict


class JuspayConfig(BaseModel):
    """How to reach Juspay's server-to-server API. The API key itself is fetched from Secrets Manager."""

    model_config = ConfigDict(frozen=True)

    base_url: str = "https://sandbox.juspay.in"
    merchant_id: str = ""
    api_version: str = "2023-06-30"
    #: Name or ARN of the Secrets Manager secret holding the API key (plain string or {"api_key": ...}).
    api_key_secret_name: str = ""
    connect_timeout_s: float = 3.05
    read_timeout_s: float = 10.0
    max_retries: int = 3
    #: "plain" (Basic auth, form bodies) or "encrypted": Order Status and order refunds through Juspay's
    #: JWE/JWS v4 endpoints, with the key pair held in the same secret (``paybridge.juspay.jwe``).
    api_mode: Literal["plain", "encrypted"] = "plain"
