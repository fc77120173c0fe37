"""What the local stack's moto keeps: no more than AWS would keep, and no less (pinned to moto's version).

moto 5.2.5, as a long-running local AWS, grows with every request in ways AWS does not:

* every object of a moto model class (a DynamoDB item and each copy of one, an SQS message, an EventBridge
  rule, ...) is appended to that class's ``instances_tracked`` list when it is created and never removed,
  for moto's dashboard (``/moto-api/data.json``) and its in-process ``reset``. Replaced items, deleted
  messages and transient copies therefore live as long as the process. :func:`install` stops the tracking:
  an object lives as long as moto's own state refers to it. The dashboard then lists nothing; nothing
  here uses it, and ``mock_aws``'s reset does not need the lists (it rebuilds the backends).
* DynamoDB Time to Live is recorded but never applied: expired items stay. :func:`expire_items` deletes the
  items whose TTL attribute (a number, epoch seconds) is in the past, as DynamoDB's background deletion
  does (items whose value is more than five years old are left, as DynamoDB leaves them);
  :class:`TtlSweeper` runs it periodically in the local stack.
* an EventBridge archive keeps each event as the dict it was sent as (about 10 KB for a webhook's event).
  AWS keeps archives too, but not in the emulator's memory: :class:`CompactEvents` keeps each archived event
  pickled and compressed (about 1 KB) and gives moto back equal dicts when it replays or counts them.
* a queue keeps every message until it is deleted (moto does not drop messages past their retention
  period either). The local event tap is a queue nobody has to read, so :func:`cap_queue` bounds a queue to
  its newest messages.
"""

from __future__ import annotations

import contextlib
import pickle
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from typing import Any

import moto
from moto.core.common_models import BaseModel
from moto.dynamodb.models import dynamodb_backends
from moto.events.models import Archive
from moto.sqs.models import Queue

__all__ = [
    "MOTO_VERSION",
    "CompactEvents",
    "TtlSweeper",
    "cap_queue",
    "expire_items",
    "install",
    "uninstall",
]

#: The moto release whose model tracking, TTL bookkeeping and queue internals this module relies on.
MOTO_VERSION = "5.2.5"
#: DynamoDB does not delete items whose TTL value is more than five years in the past.
TTL_MAX_AGE_S = 5 * 365 * 24 * 3600

_originals: dict[str, Any] = {}
#: queue name → most messages it keeps (oldest dropped first)
_queue_caps: dict[str, int] = {}


def _untracked_new(cls: type, *args: Any, **kwargs: Any) -> Any:
    return object.__new__(cls)


def _capped_add_message(self: Queue, message: Any) -> None:
    _originals["add_message"](self, message)
    limit = _queue_caps.get(self.name)
    if limit is not None:
        with self._messages_lock:
            excess = len(self._messages) - limit
            if excess > 0:
                dropped = self._messages[:excess]
                del self._messages[:excess]
                self.pending_messages.difference_update(dropped)


class CompactEvents:
    """An archive's events, each stored pickled and zlib-compressed: what moto's ``Archive`` does with its
    ``events`` list (append, iterate to replay, ``len`` to count, index), on about a tenth of the memory.
    Each read builds a new dict equal to the one appended, so a replay cannot alter the archive."""

    def __init__(self) -> None:
        self._blobs: list[bytes] = []

    def append(self, event: dict[str, Any]) -> None:
        """Archives one event (level 1: the archive is written on every PutEvents, read rarely)."""
        self._blobs.append(zlib.compress(pickle.dumps(event, protocol=pickle.HIGHEST_PROTOCOL), 1))

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return (self._load(blob) for blob in list(self._blobs))

    def __len__(self) -> int:
        return len(self._blobs)

    def __getitem__(self, index: int) -> dict[str, Any]:
        return self._load(self._blobs[index])

    @staticmethod
    def _load(blob: bytes) -> dict[str, Any]:
        event: dict[str, Any] = pickle.loads(zlib.decompress(blob))  # noqa: S301 (our own bytes)
        return event


def _compact_archive_init(self: Archive, *args: Any, **kwargs: Any) -> None:
    _originals["archive_init"](self, *args, **kwargs)
    self.events = CompactEvents()  # type: ignore[assignment]


def install() -> None:
    """Stops moto tracking every model object, compacts archives, lets queues be capped; idempotent."""
    if moto.__version__ != MOTO_VERSION:
        raise RuntimeError(f"moto_retention is written for moto {MOTO_VERSION}, not {moto.__version__}")
    if _originals:
        return
    _originals["new"] = BaseModel.__dict__["__new__"]
    _originals["add_message"] = Queue.add_message
    _originals["archive_init"] = Archive.__init__
    BaseModel.__new__ = staticmethod(_untracked_new)  # type: ignore[method-assign]
    Queue.add_message = _capped_add_message  # type: ignore[method-assign]
    Archive.__init__ = _compact_archive_init  # type: ignore[method-assign]


def uninstall() -> None:
    """Restores moto's tracking and forgets every queue cap."""
    if _originals:
        BaseModel.__new__ = _originals.pop("new")  # type: ignore[method-assign]
        Queue.add_message = _originals.pop("add_message")  # type: ignore[method-assign]
        Archive.__init__ = _originals.pop("archive_init")  # type: ignore[method-assign]
    _queue_caps.clear()


def cap_queue(queue_name: str, limit: int) -> None:
    """Keeps at most ``limit`` messages in the queue named ``queue_name``: a new one drops the oldest."""
    if limit < 1:
        raise ValueError("a queue cap must be at least 1 message")
    _queue_caps[queue_name] = limit


def expire_items(
    lock: threading.RLock | None = None, *, now: float | None = None, account_id: str | None = None
) -> int:
    """Deletes every expired item of every table with TTL enabled; returns how many.

    ``lock`` is held per table (the one that serialises moto's item operations: ``moto_routing``).
    """
    current = time.time() if now is None else now
    deleted = 0
    for account, regions in list(dynamodb_backends.items()):
        if account_id is not None and account != account_id:
            continue
        for backend in list(regions.values()):
            for table in list(backend.tables.values()):
                if table.ttl.get("TimeToLiveStatus") != "ENABLED" or not table.ttl.get("AttributeName"):
                    continue
                with lock if lock is not None else contextlib.nullcontext():
                    deleted += _expire_table(table, table.ttl["AttributeName"], current)
    return deleted


def _expire_table(table: Any, attribute: str, now: float) -> int:
    expired = []
    for bucket in table.items.values():
        for item in bucket.values() if table.range_key_attr else [bucket]:
            value = item.attrs.get(attribute)
            if value is None or value.type != "N":
                continue  # DynamoDB's TTL only reads numbers
            try:
                expires = float(value.value)
            except ValueError:
                continue
            if now - TTL_MAX_AGE_S <= expires < now:
                expired.append(item)
    for item in expired:
        table.delete_item(item.hash_key, item.range_key)
        # moto leaves an emptied partition's dict behind; drop it so the table shrinks back.
        if table.range_key_attr and not table.items.get(item.hash_key, True):
            del table.items[item.hash_key]
    return len(expired)


class TtlSweeper:
    """Runs ``sweep`` every ``period_s`` seconds on a daemon thread until :meth:`stop`."""

    def __init__(self, sweep: Callable[[], object], period_s: float) -> None:
        self._sweep = sweep
        self._period_s = period_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="local-ttl", daemon=True)

    def start(self) -> TtlSweeper:
        """Starts sweeping (the first sweep one period from now)."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stops after the sweep running now, if any."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stop.wait(self._period_s):
            try:
                self._sweep()
            except Exception as exc:  # a failed sweep is retried next period; the stack keeps running
                print(f"local TTL sweep failed: {exc!r}", flush=True)
