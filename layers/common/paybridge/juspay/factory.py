"""Building the Juspay client in a handler: one place, so every function reads the key the same way."""

from __future__ import annotations

import functools

from aws_lambda_powertools.utilities import parameters

from paybridge.config import JuspayConfig, Settings
from paybridge.juspay.client import JuspayClient
from paybridge.juspay.wire import parse_api_key_secret


def juspay_client(settings: Settings, *, max_retries: int | None = None) -> JuspayClient:
    """The Juspay client for this invocation.

    The API key is read through Powertools' secret cache on every call, so a key set or rotated after the
    deploy is picked up within ``secret_max_age_s``; clients are reused per (configuration, key), and they
    share the container's one HTTP session. Functions invoked asynchronously pass a small ``max_retries``:
    Lambda retries the whole event, so long in-call backoffs only hold the function.
    In encrypted mode the same secret holds the JWE key pair (``jwe.parse_jwe_keys``): a key rotated in the
    secret is used from the first call after the cached value expires, with no deploy.
    """
    secret = parameters.get_secret(settings.juspay.api_key_secret_name, max_age=settings.secret_max_age_s)
    config = (
        settings.juspay
        if max_retries is None
        else settings.juspay.model_copy(update={"max_retries": max_retries})
    )
    return _client(config, str(secret))


@functools.lru_cache(maxsize=4)
def _client(config: JuspayConfig, secret: str) -> JuspayClient:
    keys = None
    if config.api_mode == "encrypted":
        # joserfc costs more to import than boto3: only functions in encrypted mode load it.
        from paybridge.juspay.jwe import parse_jwe_keys

        keys = parse_jwe_keys(secret)
    return JuspayClient(config, parse_api_key_secret(secret), jwe_keys=keys)
