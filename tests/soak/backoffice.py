"""Two background helpers of a soak run: Juspay's back office, which settles refunds some time after they are
made and sends their webhooks (dropped or duplicated like any other), and the bus tap reader."""

from __future__ import annotations

import json
import random
import threading
import time
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tests.soak.driver import Merchant

#: Share of refunds Juspay fails (the system then tries again under a new id).
REFUND_FAILURE_PROBABILITY = 0.1
DROP_PROBABILITY = 0.15


class BackOffice:
    """Settles every PENDING refund at Juspay after a short, seeded delay: SUCCESS, or FAILURE now and then.

    Each outcome is decided by a generator seeded with (run seed, refund id), so it does not depend on
    timing. After settling, the order's ``ORDER_REFUNDED`` / ``ORDER_REFUND_FAILED`` webhook is built and
    delivered 0 to 3 times.
    """

    def __init__(self, merchant: Merchant, seed: int, *, interval_s: float = 0.5) -> None:
        self.merchant = merchant
        self.seed = seed
        self.interval_s = interval_s
        self._seen: dict[str, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="soak-back-office", daemon=True)
        self._pending = 0
        self.settled: dict[str, int] = {"SUCCESS": 0, "FAILURE": 0}
        self.webhooks = {"built": 0, "dropped": 0, "deliveries": 0, "undelivered": 0}
        self.errors: list[str] = []

    def start(self) -> BackOffice:
        """Starts the loop in a daemon thread."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stops after the current pass."""
        self._stop.set()
        self._thread.join(timeout=60)

    def idle(self) -> bool:
        """True when the last pass found no pending refund at Juspay."""
        return self._pending == 0

    def summary(self) -> dict[str, Any]:
        """What the back office did."""
        return {"refunds_settled": dict(self.settled), "webhooks": dict(self.webhooks), "errors": self.errors}

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self._pass()
            except Exception as exc:  # a failed pass is retried; the run's checks say what it missed
                self.errors.append(type(exc).__name__)
            self._stop.wait(self.interval_s)

    def _pass(self) -> None:
        pending = self.merchant.sim("GET", "/__sim/refunds?status=PENDING").json()
        self._pending = len(pending)
        now = time.monotonic()
        for refund in pending:
            uid = refund["unique_request_id"]
            rng = random.Random(f"{self.seed}:{uid}")
            first_seen = self._seen.setdefault(uid, now)
            if now - first_seen < rng.uniform(0.2, 3.0):
                continue
            status = "FAILURE" if rng.random() < REFUND_FAILURE_PROBABILITY else "SUCCESS"
            self.merchant.sim("POST", f"/__sim/refunds/{uid}", {"status": status}).raise_for_status()
            self.settled[status] += 1
            event = "ORDER_REFUNDED" if status == "SUCCESS" else "ORDER_REFUND_FAILED"
            self._send(refund["order_id"], event, rng)

    def _send(self, order_id: str, event_name: str, rng: random.Random) -> None:
        built = self.merchant.sim(
            "POST", f"/__sim/orders/{order_id}/webhook", {"event_name": event_name, "deliver": False}
        )
        built.raise_for_status()
        self.webhooks["built"] += 1
        deliveries = 0 if rng.random() < DROP_PROBABILITY else rng.randint(1, 3)
        if deliveries == 0:
            self.webhooks["dropped"] += 1
        for _ in range(deliveries):
            delivery = self.merchant.sim("POST", f"/__sim/webhooks/{built.json()['event_id']}/redeliver")
            self.webhooks["deliveries"] += 1
            if delivery.status_code != 200 or not delivery.json().get("delivered"):
                self.webhooks["undelivered"] += 1


class EventTap:
    """Drains the local event tap (an SQS copy of every bus event) into ``events`` while the run goes on."""

    def __init__(self, queue_url: str, sqs: Any) -> None:
        self.queue_url = queue_url
        self.sqs = sqs
        self.events: list[dict[str, Any]] = []
        self.last_event_at = time.monotonic()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="soak-event-tap", daemon=True)

    def start(self) -> EventTap:
        """Starts draining in a daemon thread."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stops the thread, then drains what is left."""
        self._stop.set()
        self._thread.join(timeout=60)
        while self._drain(wait_s=0):
            pass

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self._drain(wait_s=1)
            except Exception:  # the emulator may be busy: the next pass reads the same messages
                self._stop.wait(1)

    def _drain(self, *, wait_s: int) -> int:
        messages = self.sqs.receive_message(
            QueueUrl=self.queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=wait_s
        ).get("Messages", [])
        if not messages:
            return 0
        self.events.extend(json.loads(m["Body"]) for m in messages)
        self.last_event_at = time.monotonic()
        self.sqs.delete_message_batch(
            QueueUrl=self.queue_url,
            Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(messages)],
        )
        return len(messages)
