"""A byte-bounded least-recently-used cache of arrays, safe to share between threads."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable

import numpy as np


class ByteCache:
    """Arrays by key; when their bytes pass `cap_bytes` the least recently used go first.
    An array larger than the whole cap is handed back without being kept."""

    def __init__(self, cap_bytes: int):
        self.cap_bytes = cap_bytes
        self._items: OrderedDict[Hashable, np.ndarray] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    @property
    def nbytes(self) -> int:
        return self._bytes

    def __len__(self) -> int:
        return len(self._items)

    def get_or_make(self, key: Hashable, make: Callable[[], np.ndarray]) -> np.ndarray:
        """The cached array, or make() kept for next time (made outside the lock: two
        threads may both make it, one copy is kept)."""
        with self._lock:
            found = self._items.get(key)
            if found is not None:
                self._items.move_to_end(key)
                return found
        value = make()
        self.put(key, value)
        return value

    def put(self, key: Hashable, value: np.ndarray) -> None:
        if value.nbytes > self.cap_bytes:
            return
        with self._lock:
            old = self._items.pop(key, None)
            self._bytes -= old.nbytes if old is not None else 0
            self._items[key] = value
            self._bytes += value.nbytes
            while self._bytes > self.cap_bytes:
                _, oldest = self._items.popitem(last=False)
                self._bytes -= oldest.nbytes

    def drop(self, first: Hashable) -> None:
        """Drop every entry whose key is a tuple starting with `first` (an image's copies)."""
        with self._lock:
            for key in [k for k in self._items if isinstance(k, tuple) and k[0] == first]:
                self._bytes -= self._items.pop(key).nbytes
