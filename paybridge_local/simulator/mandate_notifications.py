"""Pre-debit notifications in the Juspay simulator: ``command=pre_debit_notify``,
``GET /notifications/{id}`` and the control that settles one and delivers its NOTIFICATION_* webhook
(samples ``mandate_pre_debit_notify_*``, ``mandate_notification_status_response.json``,
``webhook_notification_*``). No product import.
"""

from __future__ import annotations

import copy
import json
import threading
import time
import uuid
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from paybridge_local.simulator.errors import JsonDict, control_error, mandatory_fields_missing, not_found
from paybridge_local.simulator.mandate_rules import Simulator, active_mandate, amount, deliver, within_max


class Notifications:
    """The notifications sent so far, by id."""

    def __init__(self, simulator: Simulator) -> None:
        self._sim = simulator
        self._lock = threading.RLock()
        self.notifications: dict[str, JsonDict] = {}
        self._next_id = 1957000

    def reset(self) -> None:
        """Forgets every notification (ids start again at 1957001)."""
        with self._lock:
            self.notifications.clear()
            self._next_id = 1957000

    def stored(self, notification_id: str) -> JsonDict | None:
        """A copy of the stored notification, or None."""
        with self._lock:
            found = self.notifications.get(notification_id)
            return copy.deepcopy(found) if found is not None else None

    def notify(self, mandate_id: str, form: Mapping[str, str]) -> JsonDict:
        """``command=pre_debit_notify``."""
        mandate = active_mandate(self._sim, mandate_id)
        try:
            source_info = json.loads(form.get("source_info") or "", parse_float=Decimal)
        except ValueError:
            raise mandatory_fields_missing() from None
        if not isinstance(source_info, dict) or "amount" not in source_info or "txn_date" not in source_info:
            raise mandatory_fields_missing()
        within_max(mandate, amount(source_info["amount"]))
        epoch = str(int(time.time()))
        with self._lock:
            self._next_id += 1
            notification: JsonDict = {
                "status": "SUCCESS",
                "source_object": "MANDATE",
                "source_info": {k: str(v) for k, v in source_info.items()},
                "provider_response": {"provider_ref_id": f"IN0{uuid.uuid4().hex[:11].upper()}"},
                "provider_name": "SIMULATOR",
                "object_reference_id": form.get("object_reference_id") or uuid.uuid4().hex[:20],
                "object": "notification",
                "notification_type": "SMS",
                "mandate": {"mandate_id": mandate_id},
                "last_updated": epoch,
                "id": str(self._next_id),
                "description": form.get("description") or "Notification for upcoming mandate",
                "date_created": epoch,
            }
            self.notifications[notification["id"]] = notification
            return copy.deepcopy(notification)

    def notification(self, notification_id: str) -> JsonDict:
        """``GET /notifications/{id}`` (the status sample carries the provider's response code too)."""
        with self._lock:
            stored = self.notifications.get(notification_id)
            if stored is None:
                raise not_found("Notification", notification_id)
            answer = copy.deepcopy(stored)
        answer["provider_response"] = {
            **answer["provider_response"],
            "provider_response_code": "00" if answer["status"] == "SUCCESS" else "JP_852",
            "provider_response_message": "Your notification is successful"
            if answer["status"] == "SUCCESS"
            else "Notification failed (simulated)",
        }
        return answer

    def settle_notification(self, notification_id: str, body: Any) -> JsonDict:
        """Control: ``{"status"?: SUCCESS|FAILURE|PENDING, "deliver"?: true}``: delivers
        NOTIFICATION_SUCCEEDED or NOTIFICATION_FAILED (shape of ``webhook_notification_*.json``) unless
        ``deliver`` is false or the status is PENDING."""
        spec = body if isinstance(body, dict) else {}
        status = spec.get("status")
        if status is not None and status not in ("SUCCESS", "FAILURE", "PENDING"):
            raise control_error(400, "status must be SUCCESS, FAILURE or PENDING")
        with self._lock:
            stored = self.notifications.get(notification_id)
            if stored is None:
                raise control_error(404, f"no notification {notification_id!r}")
            if status is not None:
                stored["status"] = status
                stored["last_updated"] = str(int(time.time()))
                if status == "FAILURE":
                    stored["response_code"] = "JP_852"
                    stored["response_message"] = "Notification failed (simulated)."
            snapshot = copy.deepcopy(stored)
        answer: JsonDict = {"notification": snapshot, "delivery": None}
        if spec.get("deliver", True) is not False and snapshot["status"] != "PENDING":
            name = "NOTIFICATION_SUCCEEDED" if snapshot["status"] == "SUCCESS" else "NOTIFICATION_FAILED"
            answer["delivery"] = deliver(self._sim, {"notification": snapshot}, name)
        return answer
