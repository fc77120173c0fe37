"""Recurring debits in the Juspay simulator: pre-debit notifications, their status, mandate executions and
cancelling a recurring transaction, shaped like Juspay's samples (``mandate_pre_debit_notify_*``,
``mandate_notification_status_response.json``, ``mandate_execution_*``, ``mandate_cancel_recurring_txn_*``,
``order_status_after_cancel_recurring_txn.json``, ``webhook_notification_*``,
``webhook_order_succeeded_mandate_execution.json``).

Juspay API (Basic auth, checked by the server first):

* ``POST /mandates/{id}`` ``command=pre_debit_notify``: the mandate must be ACTIVE; ``source_info`` (JSON:
  ``amount``, ``txn_date``) is required, the amount at most the mandate's ``max_amount``. Answers the
  notification (``status`` SUCCESS, as the sample).
* ``GET /notifications/{id}``.
* ``POST /txns`` with ``mandate_id``: the rules an execution must follow, judged here so the product can be
  caught breaking them: the mandate ACTIVE and the order's customer; the notification SUCCESS, of this
  mandate, for this amount, and the announced ``txn_date`` reached (no debit before the customer's date);
  a new order id (a second execution of the same order would be a second debit). Creates the execution order
  (``PENDING_VBV``, ``txn_object_type`` EMANDATE_PAYMENT, the mandate block) and answers the sample's shape.
* ``POST /mandates/{id}`` ``command=cancel_recurring_transaction`` ``order_id=...``: a pending execution of
  that mandate becomes JUSPAY_DECLINED (JP_852), as in the sample.

Control API (no auth): ``GET|POST /__sim/notifications/{id}`` (read; set ``status`` and deliver its
NOTIFICATION_* webhook), ``POST /__sim/mandate-executions/{order_id}`` (the execution's outcome, its
ORDER_SUCCEEDED/ORDER_FAILED webhook delivered or, with ``"deliver": false``, lost).

This module imports nothing from the product: it is Juspay's side.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from paybridge_local.simulator.mandate_executions import Executions
from paybridge_local.simulator.mandate_notifications import Notifications
from paybridge_local.simulator.mandate_rules import Simulator

__all__ = ["MandateDebits"]

_NOTIFICATION = re.compile(r"^/notifications/(?P<id>[^/]+)$")
_MANDATE = re.compile(r"^/mandates/(?P<id>[^/]+)$")
_CTL_NOTIFICATION = re.compile(r"^/__sim/notifications/(?P<id>[^/]+)$")
_CTL_EXECUTION = re.compile(r"^/__sim/mandate-executions/(?P<id>[^/]+)$")


class MandateDebits:
    """The server's one hook into recurring debits: dispatches the requests they own."""

    def __init__(self, simulator: Simulator) -> None:
        self.notifications = Notifications(simulator)
        self.executions = Executions(simulator, self.notifications)

    def reset(self) -> None:
        """Forgets every notification (orders and mandates are forgotten with the simulator's state)."""
        self.notifications.reset()

    # --- dispatch (the server's hooks) ----------------------------------------------------------------------
    def api(self, method: str, path: str, form: Callable[[], Mapping[str, str]]) -> tuple[int, Any] | None:
        """Answers a Juspay API request of this module, or None (not ours)."""
        if method == "GET" and (match := _NOTIFICATION.match(path)) is not None:
            return 200, self.notifications.notification(match["id"])
        if method == "POST" and path == "/txns":
            return 200, self.executions.execute(form())
        if method == "POST" and (match := _MANDATE.match(path)) is not None:
            fields = form()
            command = fields.get("command")
            if command == "pre_debit_notify":
                return 200, self.notifications.notify(match["id"], fields)
            if command == "cancel_recurring_transaction":
                return 200, self.executions.cancel(match["id"], fields)
        return None

    def control(self, method: str, path: str, body: Callable[[], Any]) -> tuple[int, Any] | None:
        """Answers a control request of this module, or None (not ours)."""
        if (match := _CTL_NOTIFICATION.match(path)) is not None:
            if method == "GET":
                return 200, self.notifications.notification(match["id"])
            if method == "POST":
                return 200, self.notifications.settle_notification(match["id"], body())
        if method == "POST" and (match := _CTL_EXECUTION.match(path)) is not None:
            return 200, self.executions.settle_execution(match["id"], body())
        return None
