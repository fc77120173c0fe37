"""What the simulator saw and what it was told to break: the request log (with the headers Juspay routes
and versions by), the routing and version violations, and the armed faults.

The logs keep the newest :data:`LOG_LIMIT` entries each (``log_limit``; the local stack's
``LOCAL_SIM_LOG_LIMIT``): Juspay keeps no such log, and a long-running simulator must not grow with every
call."""

from __future__ import annotations

import copy
import fnmatch
import random
import threading
import uuid
from collections import deque
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from paybridge_local.simulator.errors import JsonDict, control_error
from paybridge_local.simulator.routing import routing_violation

__all__ = ["LOG_LIMIT", "Faults", "Journal"]

#: Entries each simulator log keeps by default; the oldest are dropped first.
LOG_LIMIT = 10_000


class Journal:
    """Every Juspay API request, oldest first, and the calls that broke a header rule."""

    def __init__(self, lock: threading.RLock, log_limit: int = LOG_LIMIT) -> None:
        self._lock = lock
        self.requests: deque[JsonDict] = deque(maxlen=log_limit)
        self.routing_violations: deque[JsonDict] = deque(maxlen=log_limit)
        self.version_violations: deque[JsonDict] = deque(maxlen=log_limit)

    def reset(self) -> None:
        """Forgets everything."""
        with self._lock:
            self.requests.clear()
            self.routing_violations.clear()
            self.version_violations.clear()

    def record(self, entry: JsonDict, expected_routing: Callable[[JsonDict], str | None]) -> None:
        """Appends one request with the routing id expected for it; a call routed otherwise, or sent
        without Juspay's ``version`` header, is also kept as a violation."""
        with self._lock:
            expected = expected_routing(entry)
            entry["expected_routing_id"] = expected
            self.requests.append(entry)
            violation = routing_violation(entry, expected)
            if violation is not None:
                self.routing_violations.append(violation)
            if not entry.get("version"):
                self.version_violations.append(
                    {
                        "method": entry.get("method"),
                        "path": entry.get("path"),
                        "reason": "missing version header",
                    }
                )

    def log(self) -> list[JsonDict]:
        """Every Juspay API request so far, oldest first."""
        with self._lock:
            return copy.deepcopy(list(self.requests))

    def clear_log(self) -> None:
        """Empties the request log."""
        with self._lock:
            self.requests.clear()

    def routing(self) -> list[JsonDict]:
        """Calls whose ``x-routing-id`` was missing or not the customer's, oldest first."""
        with self._lock:
            return copy.deepcopy(list(self.routing_violations))

    def clear_routing(self) -> None:
        """Forgets the routing violations seen so far."""
        with self._lock:
            self.routing_violations.clear()

    def versions(self) -> list[JsonDict]:
        """Calls sent without a ``version`` header, oldest first."""
        with self._lock:
            return copy.deepcopy(list(self.version_violations))

    def clear_versions(self) -> None:
        """Forgets the version violations seen so far."""
        with self._lock:
            self.version_violations.clear()


class Faults:
    """Armed faults: the next matching calls fail, are dropped or are slowed down."""

    def __init__(self, lock: threading.RLock) -> None:
        self._lock = lock
        self.faults: list[JsonDict] = []
        #: fault id → its own seeded RNG (probabilistic faults only)
        self._rngs: dict[str, random.Random] = {}

    def add(self, spec: Any) -> JsonDict:
        """Registers a fault: the next ``times`` calls matching ``method``/``path`` fail as described.

        With ``probability`` (0 < p <= 1) each matching call fails with that chance, drawn from a generator
        seeded with ``seed`` (default 0), so a run's sequence of draws is reproducible; ``times`` then
        bounds the failures (default: unlimited) and ``fired`` counts them.
        """
        if not isinstance(spec, dict) or not isinstance(spec.get("path"), str):
            raise control_error(400, "fault needs a JSON object with a 'path' (exact or glob)")
        status = spec.get("status")
        drop = spec.get("drop", False) is True
        delay_ms = spec.get("delay_ms", 0)
        probability = spec.get("probability")
        seed = spec.get("seed", 0)
        times = spec.get("times", None if probability is not None else 1)
        if status is not None and (not isinstance(status, int) or not 100 <= status <= 599):
            raise control_error(400, "'status' must be an HTTP status code")
        if not isinstance(delay_ms, int) or delay_ms < 0 or not _optional_count(times):
            raise control_error(400, "'delay_ms' must be an int >= 0 and 'times' an int >= 1")
        if probability is not None and (
            isinstance(probability, bool)
            or not isinstance(probability, int | Decimal)
            or not 0 < probability <= 1
        ):
            raise control_error(400, "'probability' must be a number > 0 and <= 1")
        if isinstance(seed, bool) or not isinstance(seed, int):
            raise control_error(400, "'seed' must be an integer")
        if status is None and not drop and delay_ms == 0:
            raise control_error(400, "a fault needs 'status', 'drop': true or 'delay_ms'")
        if status is not None and drop:
            raise control_error(400, "'status' and 'drop' exclude each other")
        method = spec.get("method")
        fault: JsonDict = {
            "id": uuid.uuid4().hex[:12],
            "method": method.upper() if isinstance(method, str) and method not in ("", "*") else None,
            "path": spec["path"],
            "status": status,
            "drop": drop,
            "delay_ms": delay_ms,
            "times": times,
            "body": spec.get("body"),
            "probability": probability,
            "seed": seed if probability is not None else None,
            "fired": 0,
        }
        with self._lock:
            self.faults.append(fault)
            if probability is not None:
                self._rngs[fault["id"]] = random.Random(seed)  # noqa: S311 - chaos, not crypto
            return dict(fault)

    def list(self) -> list[JsonDict]:
        """Faults still armed."""
        with self._lock:
            return copy.deepcopy(self.faults)

    def clear(self) -> None:
        """Disarms every fault."""
        with self._lock:
            self.faults.clear()
            self._rngs.clear()

    def take(self, method: str, path: str) -> JsonDict | None:
        """The first armed fault that fires for this call (its count used up by one), or None."""
        with self._lock:
            for fault in self.faults:
                if fault["method"] not in (None, method):
                    continue
                if fault["path"] != path and not fnmatch.fnmatchcase(path, fault["path"]):
                    continue
                rng = self._rngs.get(fault["id"])
                if rng is not None and rng.random() >= fault["probability"]:
                    continue
                fault["fired"] += 1
                if fault["times"] is not None:
                    fault["times"] -= 1
                    if fault["times"] <= 0:
                        self.faults.remove(fault)
                        self._rngs.pop(fault["id"], None)
                return dict(fault)
        return None


def _optional_count(times: Any) -> bool:
    return times is None or (isinstance(times, int) and not isinstance(times, bool) and times >= 1)
