"""Configuration: built once per container from the environment by a handler, then passed down.

Logic modules never read the environment; they receive what they need as arguments.
"""

from __future__ import annotations

import os
from collections.abc import Collection, Mapping
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from paybridge.errors import ConfigurationError

#: What a function that calls Juspay reads (``juspay_client``: the connection and the API key's secret).
JUSPAY_VARIABLES = frozenset(
    {
        "JUSPAY_BASE_URL",
        "JUSPAY_MERCHANT_ID",
        "JUSPAY_API_VERSION",
        "JUSPAY_API_KEY_SECRET_NAME",
        "JUSPAY_MAX_RETRIES",
        "JUSPAY_READ_TIMEOUT_SECONDS",
        "SECRET_MAX_AGE_SECONDS",
        "JUSPAY_API_MODE",
    }
)
#: What a recurring-debit function reads (``paybridge.mandate_debits_runtime.debit_dependencies``).
MANDATE_DEBIT_VARIABLES = frozenset(
    {
        "MANDATE_DEBITS_TABLE",
        "MANDATES_TABLE",
        "EVENT_BUS_NAME",
        "MANDATE_NOTIFICATION_WINDOW_SECONDS",
        "TIME_SCALE",
        *JUSPAY_VARIABLES,
    }
)
#: What a function that starts or paces a pending-order follow reads (``schedule_from``).
FOLLOW_SCHEDULE_VARIABLES = frozenset(
    {
        "PENDING_ORDER_FIRST_WAIT_SECONDS",
        "PENDING_ORDER_MAX_WAIT_SECONDS",
        "PENDING_ORDER_DEADLINE_SECONDS",
        "TIME_SCALE",
    }
)
#: Names of the stack's own resources, which the template always fills (``!Ref``, ``!GetAtt``): a function
#: declaring one must be given a value, never an empty default (a misdeployment fails at once, named).
RESOURCE_VARIABLES = frozenset(
    {
        "EVENT_BUS_NAME",
        "WEBHOOK_EVENTS_TABLE",
        "WEBHOOK_SECRET_NAME",
        "LEDGER_TABLE",
        "ORDERS_TABLE",
        "REFUNDS_TABLE",
        "PENDING_ORDERS_TABLE",
        "PENDING_ORDER_STATE_MACHINE_ARN",
        "MANDATES_TABLE",
        "MANDATE_DEBITS_TABLE",
        "JUSPAY_API_KEY_SECRET_NAME",
    }
)


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


class Settings(BaseModel):
    """Everything a function needs to know about its deployment."""

    model_config = ConfigDict(frozen=True)

    event_bus_name: str = ""
    webhook_events_table: str = ""
    webhook_secret_name: str = ""
    #: Wallets, their ledger entries and idempotency markers (single table, pk/sk).
    ledger_table: str = ""
    #: One settlement record per Juspay order (pk order_id).
    orders_table: str = ""
    #: How long a received webhook is kept (DynamoDB TTL).
    webhook_retention_days: int = Field(default=90, ge=1)
    #: How long a webhook id is remembered for de-duplication.
    webhook_dedup_seconds: int = Field(default=7 * 24 * 3600, ge=60)
    #: Cache lifetime of secrets read through Powertools Parameters.
    secret_max_age_s: int = Field(default=300, ge=0)
    #: Refunds and their Juspay attempts (pk order_id, sk REFUND#nnn / KEY#request-key).
    refunds_table: str = ""
    #: Juspay attempts per refund: a FAILURE is retried with a new unique_request_id until this many.
    refund_max_attempts: int = Field(default=3, ge=1, le=9)
    #: The refund sweep's growing schedule (unscaled seconds): first gap between checks, longest gap.
    refund_check_first_s: int = Field(default=60, ge=1)
    refund_check_max_s: int = Field(default=6 * 3600, ge=1)
    #: Refunds one sweep run checks at most (the rest stay due for the next run).
    refund_sweep_limit: int = Field(default=100, ge=1, le=1000)
    #: Pending orders followed by the pending-order state machine (pk order_id; task token of the wait).
    pending_orders_table: str = ""
    #: ARN of the pending-order state machine (built from its fixed name: no template cycle).
    pending_order_state_machine_arn: str = ""
    #: The follower's growing schedule (unscaled seconds): first wait, longest wait, deadline of a follow.
    pending_order_first_wait_s: int = Field(default=30, ge=1)
    pending_order_max_wait_s: int = Field(default=4 * 3600, ge=1)
    pending_order_deadline_s: int = Field(default=24 * 3600, ge=1)
    #: How long a signed order can be paid when the request gives no expiry (minutes, unscaled).
    order_expiry_minutes: int = Field(default=15, ge=1, le=1440)
    #: SDK payload signing: "kms" (default, key never leaves KMS) or "pem" (a PEM in Secrets Manager).
    sdk_signer: str = "kms"
    #: The KMS key (ARN or alias) that signs, when sdk_signer is "kms".
    sdk_signing_key_id: str = ""
    #: The secret holding the PEM private key, when sdk_signer is "pem".
    sdk_signing_secret_name: str = ""
    #: Juspay's name for the public key registered in its dashboard (``merchantKeyId``).
    juspay_merchant_key_id: str = ""
    #: Juspay's client id for the SDK (``clientId``).
    juspay_client_id: str = ""
    #: ``environment`` of the Initiate payload: "sandbox" or "production".
    sdk_environment: str = "sandbox"
    #: How the in-house wallet is named to Juspay (``payment_method`` of the MERCHANT_CONTAINER entry).
    wallet_payment_method: str = "MERCHANT_WALLET"
    #: What the payment page shows for it.
    wallet_display_name: str = "Wallet"
    #: Last known state of each mandate (pk mandate_id), kept current by MANDATE_* webhooks.
    mandates_table: str = ""
    #: Recurring debits: one item per mandate and billing cycle, plus order/notification pointers.
    mandate_debits_table: str = ""
    #: How long after the pre-debit notification a debit may be executed (RBI: at least 24 h; unscaled).
    mandate_notification_window_s: int = Field(default=24 * 3600, ge=1)
    #: Divides every wait, timeout, expiry and deadline of following and sweeping (1 on AWS; the local
    #: stack's ``LOCAL_TIME_SCALE`` raises it so a day of following runs in minutes).
    time_scale: int = Field(default=1, ge=1)
    juspay: JuspayConfig = JuspayConfig()

    @classmethod
    def from_env(
        cls, env: Mapping[str, str] | None = None, *, variables: Collection[str] | None = None
    ) -> Settings:
        """Reads the environment; with ``variables`` (a function's ``ENVIRONMENT``) only those names.

        Each function's template ``Environment`` holds exactly its ``variables``; reading only them keeps a
        function from depending on a variable its deployed environment would not have. A declared resource
        name (``RESOURCE_VARIABLES``) that is unset or empty is a ``ConfigurationError`` naming it.
        """
        e: Mapping[str, str] = os.environ if env is None else env
        if variables is not None:
            e = {name: value for name, value in e.items() if name in variables}
            missing = sorted(n for n in RESOURCE_VARIABLES & set(variables) if not e.get(n, "").strip())
            if missing:
                raise ConfigurationError(
                    "the function's environment lacks a resource it declares",
                    details={"missing": missing},
                )

        def opt_int(name: str, default: int) -> int:
            raw = e.get(name, "")
            return int(raw) if raw.strip() else default

        return cls(
            event_bus_name=e.get("EVENT_BUS_NAME", ""),
            webhook_events_table=e.get("WEBHOOK_EVENTS_TABLE", ""),
            webhook_secret_name=e.get("WEBHOOK_SECRET_NAME", ""),
            ledger_table=e.get("LEDGER_TABLE", ""),
            orders_table=e.get("ORDERS_TABLE", ""),
            webhook_retention_days=opt_int("WEBHOOK_RETENTION_DAYS", 90),
            webhook_dedup_seconds=opt_int("WEBHOOK_DEDUP_SECONDS", 7 * 24 * 3600),
            secret_max_age_s=opt_int("SECRET_MAX_AGE_SECONDS", 300),
            refunds_table=e.get("REFUNDS_TABLE", ""),
            refund_max_attempts=opt_int("REFUND_MAX_ATTEMPTS", 3),
            refund_check_first_s=opt_int("REFUND_CHECK_FIRST_SECONDS", 60),
            refund_check_max_s=opt_int("REFUND_CHECK_MAX_SECONDS", 6 * 3600),
            refund_sweep_limit=opt_int("REFUND_SWEEP_LIMIT", 100),
            pending_orders_table=e.get("PENDING_ORDERS_TABLE", ""),
            pending_order_state_machine_arn=e.get("PENDING_ORDER_STATE_MACHINE_ARN", ""),
            pending_order_first_wait_s=opt_int("PENDING_ORDER_FIRST_WAIT_SECONDS", 30),
            pending_order_max_wait_s=opt_int("PENDING_ORDER_MAX_WAIT_SECONDS", 4 * 3600),
            pending_order_deadline_s=opt_int("PENDING_ORDER_DEADLINE_SECONDS", 24 * 3600),
            order_expiry_minutes=opt_int("ORDER_EXPIRY_MINUTES", 15),
            mandates_table=e.get("MANDATES_TABLE", ""),
            mandate_debits_table=e.get("MANDATE_DEBITS_TABLE", ""),
            mandate_notification_window_s=opt_int("MANDATE_NOTIFICATION_WINDOW_SECONDS", 24 * 3600),
            time_scale=opt_int("TIME_SCALE", 1),
            sdk_signer=e.get("SDK_SIGNER", "") or "kms",
            sdk_signing_key_id=e.get("SDK_SIGNING_KEY_ID", ""),
            sdk_signing_secret_name=e.get("SDK_SIGNING_SECRET_NAME", ""),
            juspay_merchant_key_id=e.get("JUSPAY_MERCHANT_KEY_ID", ""),
            juspay_client_id=e.get("JUSPAY_CLIENT_ID", ""),
            sdk_environment=e.get("SDK_ENVIRONMENT", "") or "sandbox",
            wallet_payment_method=e.get("WALLET_PAYMENT_METHOD", "") or "MERCHANT_WALLET",
            wallet_display_name=e.get("WALLET_DISPLAY_NAME", "") or "Wallet",
            juspay=JuspayConfig(
                base_url=e.get("JUSPAY_BASE_URL", "https://sandbox.juspay.in"),
                merchant_id=e.get("JUSPAY_MERCHANT_ID", ""),
                api_version=e.get("JUSPAY_API_VERSION", "2023-06-30"),
                api_key_secret_name=e.get("JUSPAY_API_KEY_SECRET_NAME", ""),
                # Retries inside one call; a Lambda retry after them re-uses the same refund id.
                max_retries=opt_int("JUSPAY_MAX_RETRIES", 3),
                read_timeout_s=float(e.get("JUSPAY_READ_TIMEOUT_SECONDS", "") or 10.0),
                api_mode=_api_mode(e.get("JUSPAY_API_MODE", "")),
            ),
        )


def _api_mode(raw: str) -> Literal["plain", "encrypted"]:
    value = raw.strip().lower() or "plain"
    if value not in ("plain", "encrypted"):
        raise ValueError(f"JUSPAY_API_MODE must be plain or encrypted, not {raw!r}")
    return "encrypted" if value == "encrypted" else "plain"
