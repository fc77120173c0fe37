"""The local stack's key pairs for Juspay's encrypted API: made once per process, never written to disk.

On AWS the merchant puts the pair Juspay's dashboard issued into the Juspay API key secret (README,
"Encrypted Juspay calls"). Locally ``LocalSettings.secret_values`` puts the merchant's private key and
"Juspay's" public key there, and ``register_with`` gives the simulator the other halves, so
``JuspayApiMode=encrypted`` works on ``make local`` and in test stacks with no setup.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

from joserfc.jwk import RSAKey

from paybridge_local.simulator import JuspaySimulator

__all__ = ["LOCAL_JWE_KEY_ID", "LocalJweKeys", "local_jwe_keys", "register_with"]

LOCAL_JWE_KEY_ID = "local-jwt-key"


@dataclass(frozen=True)
class LocalJweKeys:
    """Both key pairs in PEM: the merchant's and the simulated Juspay's."""

    key_id: str
    merchant_private_pem: str = field(repr=False)
    merchant_public_pem: str
    juspay_private_pem: str = field(repr=False)
    juspay_public_pem: str

    def secret_fields(self) -> dict[str, str]:
        """What the merchant keeps in the Juspay API key secret (beside ``api_key``)."""
        return {
            "jwe_key_id": self.key_id,
            "jwe_merchant_private_key": self.merchant_private_pem,
            "jwe_juspay_public_key": self.juspay_public_pem,
        }


def _pair() -> tuple[str, str]:
    key = RSAKey.generate_key(2048)
    return key.as_pem(private=True).decode("ascii"), key.as_pem(private=False).decode("ascii")


@functools.cache
def local_jwe_keys(key_id: str = LOCAL_JWE_KEY_ID) -> LocalJweKeys:
    """This process's key pairs for ``key_id`` (made on first use: about 0.2 s for two RSA-2048 keys)."""
    merchant_private, merchant_public = _pair()
    juspay_private, juspay_public = _pair()
    return LocalJweKeys(key_id, merchant_private, merchant_public, juspay_private, juspay_public)


def register_with(simulator: JuspaySimulator, keys: LocalJweKeys | None = None) -> None:
    """Gives the simulator the merchant's public key and Juspay's private key of ``keys``."""
    chosen = keys or local_jwe_keys()
    simulator.jwe.register(chosen.key_id, chosen.merchant_public_pem, chosen.juspay_private_pem)
