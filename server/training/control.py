"""Commands to a running loop through a queue (queue.Queue in-process, or a
multiprocessing queue to a worker process: both have get_nowait and get(timeout))."""

from __future__ import annotations

import queue
from typing import Any, Protocol


class _Queue(Protocol):
    def get(self, block: bool = True, timeout: float | None = None) -> Any: ...

    def get_nowait(self) -> Any: ...


class QueueControl:
    def __init__(self, commands: _Queue):
        self.commands = commands

    def poll(self) -> list[dict[str, Any]]:
        out = []
        while True:
            try:
                out.append(self.commands.get_nowait())
            except queue.Empty:
                return out

    def wait(self, timeout: float) -> list[dict[str, Any]]:
        try:
            first = self.commands.get(timeout=timeout)
        except queue.Empty:
            return []
        return [first, *self.poll()]
