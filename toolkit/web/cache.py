"""A small per-process memo for expensive, read-only results (alignments, version diffs),
keyed by what they were computed from plus the store's fingerprint: a new ingest changes the
fingerprint, so a stale result is never served."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable
from threading import Lock
from typing import Any

SIZE = 32


class Memo:
    def __init__(self, size: int = SIZE):
        self._items: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = Lock()
        self.size = size

    def get(self, key: Hashable, make: Callable[[], Any]) -> Any:
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        value = make()  # outside the lock: two requests may compute it once each, never wrongly
        with self._lock:
            self._items[key] = value
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return value


def fingerprint(store) -> tuple:
    """What the store holds, cheaply: every source's id, hash and ingest time."""
    return tuple((s.id, s.sha256, s.ingested_at) for s in store.sources())


MEMO = Memo()
