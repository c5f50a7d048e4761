"""Memos bounded by entry count and by size, so memory does not grow with distinct requests.

A server that memoises rendered bodies, compiled queries and search results keyed by what
callers send would otherwise grow with every new query (40,000 unique long searches once
took it from 115 MB to 870 MB). Each memo forgets its least recently used entries first
once it holds `max_entries` entries or about `max_bytes` bytes (settings
`cache_max_entries`, `cache_max_bytes`).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

_MISSING = object()


def size_of(value: Any) -> int:
    """Bytes a memoised value holds: its length for bytes and text; derived objects (a
    validator, an intervention index) are counted by entry only, as their size cannot be
    told cheaply and there are a handful of them."""
    if isinstance(value, (bytes, bytearray, str)):
        return len(value)
    return 0


class BoundedCache:
    """A least-recently-used memo: `get`, `[]`, `in`, `len` as on a dict, bounded.

    Reads move an entry to the recent end; writes drop the oldest entries while the memo
    is over either bound. A value larger than `max_bytes` on its own is not kept at all.
    Safe to share between the event loop and worker threads (writes take a lock; a read
    racing an eviction is a miss).
    """

    __slots__ = ("_data", "_lock", "_size_of", "_sizes", "bytes", "max_bytes", "max_entries")

    def __init__(self, max_entries: int, max_bytes: int,
                 size_of: Callable[[Any], int] = size_of) -> None:
        self.max_entries = max(1, int(max_entries))
        self.max_bytes = max(0, int(max_bytes))
        self._size_of = size_of
        self._data: OrderedDict[Hashable, Any] = OrderedDict()
        self._sizes: dict[Hashable, int] = {}
        self._lock = threading.Lock()
        self.bytes = 0
        """Estimated bytes held now."""

    def get(self, key: Hashable, default: Any = None) -> Any:
        value = self._data.get(key, _MISSING)
        if value is _MISSING:
            return default
        try:
            self._data.move_to_end(key)
        except KeyError:  # evicted by another thread meanwhile: still a valid answer
            return value
        return value

    def __getitem__(self, key: Hashable) -> Any:
        value = self.get(key, _MISSING)
        if value is _MISSING:
            raise KeyError(key)
        return value

    def __setitem__(self, key: Hashable, value: Any) -> None:
        size = self._size_of(value)
        with self._lock:
            self._discard(key)
            if size > self.max_bytes:
                return
            self._data[key] = value
            self._sizes[key] = size
            self.bytes += size
            while len(self._data) > self.max_entries or self.bytes > self.max_bytes:
                oldest, _ = self._data.popitem(last=False)
                self.bytes -= self._sizes.pop(oldest)

    def __contains__(self, key: Hashable) -> bool:
        return key in self._data

    def __len__(self) -> int:
        return len(self._data)

    def pop(self, key: Hashable, default: Any = None) -> Any:
        with self._lock:
            value = self._data.get(key, default)
            self._discard(key)
            return value

    def clear(self) -> None:
        with self._lock:
            self._data.clear()
            self._sizes.clear()
            self.bytes = 0

    def _discard(self, key: Hashable) -> None:
        if key in self._data:
            del self._data[key]
            self.bytes -= self._sizes.pop(key)
