"""Every demo scenario, in the order of issue 12: each a :class:`~demo.run.Scenario`, called with a
:class:`~demo.client.DemoClient` and answering a checked :class:`~demo.result.ScenarioResult`."""

from demo.run import Scenario
from demo.scenarios.api import mandate_life, session_api, signed_process_payload
from demo.scenarios.following import resolved_by_late_webhook, resolved_by_polling, second_attempt
from demo.scenarios.payments import (
    cod_and_wallet,
    duplicate_storm,
    online_part_failed,
    split_payment,
    wallet_pays_all,
    wallet_too_low,
)
from demo.scenarios.refunds import dashboard_refund_races_settlement, reconciliation_run, refund_manual_review

__all__ = ["SCENARIOS", "Scenario", "by_key"]

SCENARIOS: tuple[Scenario, ...] = (
    split_payment,
    wallet_pays_all,
    cod_and_wallet,
    online_part_failed,
    wallet_too_low,
    resolved_by_late_webhook,
    resolved_by_polling,
    second_attempt,
    duplicate_storm,
    refund_manual_review,
    dashboard_refund_races_settlement,
    signed_process_payload,
    session_api,
    mandate_life,
    reconciliation_run,
)


def by_key(key: str) -> Scenario:
    """The scenario named ``key`` (``split``, ``late``, ``reconcile``, ...)."""
    for found in SCENARIOS:
        if found.key == key:
            return found
    raise KeyError(f"no scenario {key!r}; there are: {', '.join(s.key for s in SCENARIOS)}")
