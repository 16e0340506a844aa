"""A background thread that runs a sweep every few minutes (never on the event loop).

The sweep itself (which runs, models and uploads go) is given by the caller
(server/services.py); it gets the time from `clock`, which tests replace to jump ahead by
hours without waiting.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)


class Pruner:
    def __init__(self, sweep: Callable[[float], Any], every: float,
                 clock: Callable[[], float] = time.time):
        self.sweep, self.every, self.clock = sweep, every, clock
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name="retention-pruner",
                                        daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None

    def run_once(self) -> Any:
        """One sweep now (the thread's, or a test's); returns what the sweep returns."""
        return self.sweep(self.clock())

    def _loop(self) -> None:
        while not self._stop.wait(self.every):
            try:
                self.run_once()
            except Exception:  # a failed sweep is logged; the next one tries again
                log.exception("the retention sweep failed")
