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

from collections.abc import Mapping
from typing import TYPE_CHECKING

from paybridge_local.simulator.dispatch import Answer, SimRequest
from paybridge_local.simulator.errors import JsonDict
from paybridge_local.simulator.mandate_executions import Executions
from paybridge_local.simulator.mandate_notifications import Notifications
from paybridge_local.simulator.mandate_rules import Simulator

if TYPE_CHECKING:
    from paybridge_local.simulator.mandates import MandateBook
    from paybridge_local.simulator.server import JuspaySimulator

__all__ = [
    "MandateDebits",
    "execute_mandate",
    "get_notification",
    "settle_execution",
    "settle_notification",
]


class MandateDebits:
    """Recurring debits' state: notifications and executions. Its mandate commands register themselves in
    the mandate book; its routes are lines of ``api.API`` and ``control.CONTROL`` (handlers below)."""

    def __init__(self, simulator: Simulator) -> None:
        self.notifications = Notifications(simulator)
        self.executions = Executions(simulator, self.notifications)
        commands = simulator.state.mandate_book.commands
        commands["pre_debit_notify"] = self._notify
        commands["cancel_recurring_transaction"] = self._cancel

    def reset(self) -> None:
        """Forgets every notification (orders and mandates are forgotten with the simulator's state)."""
        self.notifications.reset()

    def _notify(self, book: MandateBook, record: JsonDict, form: Mapping[str, str]) -> JsonDict:
        return self.notifications.notify(record["mandate_id"], form)

    def _cancel(self, book: MandateBook, record: JsonDict, form: Mapping[str, str]) -> JsonDict:
        return self.executions.cancel(record["mandate_id"], form)


def get_notification(sim: JuspaySimulator, request: SimRequest, notification_id: str) -> Answer:
    """``GET /notifications/{id}`` (and the control API's read of it)."""
    return 200, sim.debits.notifications.notification(notification_id)


def execute_mandate(sim: JuspaySimulator, request: SimRequest) -> Answer:
    """``POST /txns`` with ``mandate_id``: a recurring debit."""
    return 200, sim.debits.executions.execute(request.form())


def settle_notification(sim: JuspaySimulator, request: SimRequest, notification_id: str) -> Answer:
    """Control: a notification's status, and its NOTIFICATION_* webhook."""
    return 200, sim.debits.notifications.settle_notification(notification_id, request.json())


def settle_execution(sim: JuspaySimulator, request: SimRequest, order_id: str) -> Answer:
    """Control: an execution's outcome, and its ORDER_SUCCEEDED/ORDER_FAILED webhook."""
    return 200, sim.debits.executions.settle_execution(order_id, request.json())
