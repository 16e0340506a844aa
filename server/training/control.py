"""Commands to a running loop through a queue (queue.Queue in-process, or a
multiprocessing queue to a worker process: both have get_nowait and get(timeout))."""

from __future__ import annotations

import os
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


class RunControl(QueueControl):
    """A warm worker's inbox seen by one run: commands for other (ended) runs are dropped,
    and a "shutdown" of the worker stops the run first. When the server process that
    started the worker (`parent`) is gone, killed without a word, the worker leaves at
    once: no one is left to report to or to save for, and it would train on for nothing."""

    def __init__(self, commands: _Queue, run_id: str, parent: int | None = None):
        super().__init__(commands)
        self.run_id, self.parent = run_id, parent
        self.shutdown = False

    def _keep(self, commands: list[dict[str, Any]]) -> list[dict[str, Any]]:
        if self.parent is not None and os.getppid() != self.parent:
            os._exit(0)  # orphaned: adopted by init (or a subreaper)
        kept = []
        for command in commands:
            if command.get("op") == "shutdown":
                self.shutdown = True
                kept.append({"op": "stop"})
            elif command.get("run_id") in (None, self.run_id) and command.get("op") != "run":
                kept.append(command)
        return kept

    def poll(self) -> list[dict[str, Any]]:
        return self._keep(super().poll())

    def wait(self, timeout: float) -> list[dict[str, Any]]:
        return self._keep(super().wait(timeout))
