"""The groups of variables functions share. A function's model (``functions.py``) inherits the groups it
uses, so its fields are flat (``settings.orders_table``) and a builder of the composition root can take the
group it needs (``publisher(settings: Bus)``) from any function's settings that include it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Annotated, Literal, Self

from pydantic import Field, field_validator, model_validator

from paybridge.settings.base import FunctionSettings

if TYPE_CHECKING:
    from paybridge.config import JuspayConfig

#: A resource name the template always fills (``!Ref``, ``!GetAtt``): required, never an empty default.
Resource = Annotated[str, Field(min_length=1)]


def _lower(value: object) -> object:
    return value.lower() if isinstance(value, str) else value


class Bus(FunctionSettings):
    """The stack's EventBridge bus."""

    event_bus_name: Resource = Field(alias="EVENT_BUS_NAME")


class TimeScale(FunctionSettings):
    """Divides every wait, timeout, expiry and deadline of following and sweeping (1 on AWS; the local
    stack's ``LOCAL_TIME_SCALE`` raises it so a day of following runs in minutes)."""

    time_scale: int = Field(default=1, ge=1, alias="TIME_SCALE")


class SecretCache(FunctionSettings):
    """Cache lifetime of secrets read through Powertools Parameters."""

    secret_max_age_s: int = Field(default=300, ge=0, alias="SECRET_MAX_AGE_SECONDS")


class WebhookIntake(SecretCache):
    """Receiving Juspay's webhooks: where they are recorded, for how long, and their credentials."""

    webhook_events_table: Resource = Field(alias="WEBHOOK_EVENTS_TABLE")
    webhook_secret_name: Resource = Field(alias="WEBHOOK_SECRET_NAME")
    #: How long a received webhook is kept (DynamoDB TTL).
    webhook_retention_days: int = Field(default=90, ge=1, alias="WEBHOOK_RETENTION_DAYS")
    #: How long a webhook id is remembered for de-duplication.
    webhook_dedup_seconds: int = Field(default=7 * 24 * 3600, ge=60, alias="WEBHOOK_DEDUP_SECONDS")


class MerchantId(FunctionSettings):
    """The merchant id Juspay issued (a template parameter that may be left empty: the Juspay client
    refuses an empty one when it is built, and signing sends it as given)."""

    juspay_merchant_id: str = Field(default="", alias="JUSPAY_MERCHANT_ID")


class Juspay(MerchantId, SecretCache):
    """How to reach Juspay's server-to-server API. The API key itself is fetched from Secrets Manager."""

    juspay_base_url: str = Field(default="https://sandbox.juspay.in", alias="JUSPAY_BASE_URL")
    juspay_api_version: str = Field(default="2023-06-30", alias="JUSPAY_API_VERSION")
    #: Name or ARN of the secret holding the API key (plain string or {"api_key": ...}).
    juspay_api_key_secret_name: Resource = Field(alias="JUSPAY_API_KEY_SECRET_NAME")
    #: Retries inside one call; a Lambda retry after them re-uses the same refund id.
    juspay_max_retries: int = Field(default=3, ge=0, le=10, alias="JUSPAY_MAX_RETRIES")
    juspay_read_timeout_s: float = Field(default=10.0, gt=0, le=60, alias="JUSPAY_READ_TIMEOUT_SECONDS")
    #: "plain" (Basic auth, form bodies) or "encrypted" (JWE/JWS v4 for Order Status and refunds).
    juspay_api_mode: Literal["plain", "encrypted"] = Field(default="plain", alias="JUSPAY_API_MODE")

    _api_mode = field_validator("juspay_api_mode", mode="before")(_lower)

    def juspay_config(self, *, max_retries: int | None = None) -> JuspayConfig:
        """The client's configuration; ``max_retries`` overrides the deployed one (asynchronous callers)."""
        from paybridge.config import JuspayConfig  # only functions that call Juspay build it

        return JuspayConfig(
            base_url=self.juspay_base_url,
            merchant_id=self.juspay_merchant_id,
            api_version=self.juspay_api_version,
            api_key_secret_name=self.juspay_api_key_secret_name,
            read_timeout_s=self.juspay_read_timeout_s,
            max_retries=self.juspay_max_retries if max_retries is None else max_retries,
            api_mode=self.juspay_api_mode,
        )


class Ledger(FunctionSettings):
    """Wallets, their ledger entries and idempotency markers (single table, pk/sk)."""

    ledger_table: Resource = Field(alias="LEDGER_TABLE")


class Orders(FunctionSettings):
    """One settlement record per Juspay order (pk order_id), signed orders' terms too."""

    orders_table: Resource = Field(alias="ORDERS_TABLE")


class RefundsTable(FunctionSettings):
    """Refunds and their Juspay attempts (pk order_id, sk REFUND#nnn / KEY#request-key)."""

    refunds_table: Resource = Field(alias="REFUNDS_TABLE")


class Refunds(RefundsTable):
    """Issuing refunds: a FAILURE is retried with a new unique_request_id until this many attempts."""

    refund_max_attempts: int = Field(default=3, ge=1, le=9, alias="REFUND_MAX_ATTEMPTS")


class RefundSweep(TimeScale):
    """The refund sweep's growing schedule (unscaled seconds) and how many refunds one run checks."""

    refund_check_first_s: int = Field(default=60, ge=1, alias="REFUND_CHECK_FIRST_SECONDS")
    refund_check_max_s: int = Field(default=6 * 3600, ge=1, alias="REFUND_CHECK_MAX_SECONDS")
    refund_sweep_limit: int = Field(default=100, ge=1, le=1000, alias="REFUND_SWEEP_LIMIT")


class PendingOrders(FunctionSettings):
    """Pending orders followed by the pending-order state machine (pk order_id; task token of the wait)."""

    pending_orders_table: Resource = Field(alias="PENDING_ORDERS_TABLE")


class FollowSchedule(TimeScale):
    """The follower's growing schedule (unscaled seconds): first wait, longest wait, deadline."""

    pending_order_first_wait_s: int = Field(default=30, ge=1, alias="PENDING_ORDER_FIRST_WAIT_SECONDS")
    pending_order_max_wait_s: int = Field(default=4 * 3600, ge=1, alias="PENDING_ORDER_MAX_WAIT_SECONDS")
    pending_order_deadline_s: int = Field(default=24 * 3600, ge=1, alias="PENDING_ORDER_DEADLINE_SECONDS")

    @model_validator(mode="after")
    def _first_wait_within_longest(self) -> Self:
        if self.pending_order_first_wait_s > self.pending_order_max_wait_s:
            raise ValueError("PENDING_ORDER_FIRST_WAIT_SECONDS exceeds PENDING_ORDER_MAX_WAIT_SECONDS")
        return self


class FollowStart(PendingOrders, FollowSchedule):
    """Starting a follow: the state machine (its ARN is built from its fixed name: no template cycle)."""

    pending_order_state_machine_arn: Resource = Field(alias="PENDING_ORDER_STATE_MACHINE_ARN")


class WalletOffer(FunctionSettings):
    """How the in-house wallet is named to Juspay (``payment_method`` of the MERCHANT_CONTAINER entry) and
    what the payment page shows for it."""

    wallet_payment_method: str = Field(default="MERCHANT_WALLET", alias="WALLET_PAYMENT_METHOD")
    wallet_display_name: str = Field(default="Wallet", alias="WALLET_DISPLAY_NAME")


class SdkClient(FunctionSettings):
    """Juspay's client id for the SDK (``clientId``; a template parameter that may be left empty)."""

    juspay_client_id: str = Field(default="", alias="JUSPAY_CLIENT_ID")


class Signing(MerchantId, SdkClient):
    """SDK payload signing: with a KMS key (default: the key never leaves KMS) or a PEM in a secret."""

    sdk_signer: Literal["kms", "pem"] = Field(default="kms", alias="SDK_SIGNER")
    #: The KMS key (ARN or alias) that signs: required when the signer is "kms".
    sdk_signing_key_id: str = Field(default="", alias="SDK_SIGNING_KEY_ID")
    #: The secret holding the PEM private key: required when the signer is "pem".
    sdk_signing_secret_name: str = Field(default="", alias="SDK_SIGNING_SECRET_NAME")
    #: Juspay's name for the public key registered in its dashboard (``merchantKeyId``).
    juspay_merchant_key_id: str = Field(default="", alias="JUSPAY_MERCHANT_KEY_ID")
    #: ``environment`` of the Initiate payload.
    sdk_environment: Literal["sandbox", "production"] = Field(default="sandbox", alias="SDK_ENVIRONMENT")
    #: How long a signed order can be paid when the request gives no expiry (minutes, unscaled).
    order_expiry_minutes: int = Field(default=15, ge=1, le=1440, alias="ORDER_EXPIRY_MINUTES")

    _signer = field_validator("sdk_signer", "sdk_environment", mode="before")(_lower)

    @classmethod
    def required_variables(cls, given: Mapping[str, str]) -> set[str]:
        """The signer's key (KMS) or secret (PEM) is required, the other one unused."""
        pem = given.get("SDK_SIGNER", "kms").lower() == "pem"
        return super().required_variables(given) | {
            "SDK_SIGNING_SECRET_NAME" if pem else "SDK_SIGNING_KEY_ID"
        }


class Mandates(FunctionSettings):
    """Last known state of each mandate (pk mandate_id), kept current by MANDATE_* webhooks."""

    mandates_table: Resource = Field(alias="MANDATES_TABLE")


class MandateDebitsTable(FunctionSettings):
    """Recurring debits: one item per mandate and billing cycle, plus order/notification pointers."""

    mandate_debits_table: Resource = Field(alias="MANDATE_DEBITS_TABLE")


class MandateDebitFlow(MandateDebitsTable, Mandates, Bus, Juspay, TimeScale):
    """Notifying, executing and following recurring debits."""

    #: How long after the pre-debit notification a debit may be executed (RBI: at least 24 h; unscaled).
    mandate_notification_window_s: int = Field(
        default=24 * 3600, ge=1, alias="MANDATE_NOTIFICATION_WINDOW_SECONDS"
    )


class Reconcile(FunctionSettings):
    """A scheduled reconciliation run covers the last this many hours (runs overlap: a missed run loses
    nothing); at most a week, the longest window one run takes (``reconciliation.MAX_WINDOW_HOURS``)."""

    reconcile_window_hours: int = Field(default=3, ge=1, le=168, alias="RECONCILE_WINDOW_HOURS")


class RefundIssuing(Bus, Refunds, Juspay):
    """Issuing refunds at Juspay and announcing them on the bus."""


class RefundTracking(RefundIssuing, Ledger, Orders):
    """Following refunds to their final state and crediting wallet shares back."""


class MandateCommands(Mandates, Juspay):
    """Reading and changing mandates at Juspay, kept in the mandates table."""
