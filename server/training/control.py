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


class RunControl(QueueControl):
    """A warm worker's inbox seen by one run: commands for other (ended) runs are dropped,
    and a "shutdown" of the worker stops the run first."""

    def __init__(self, commands: _Queue, run_id: str):
        super().__init__(commands)
        self.run_id = run_id
        self.shutdown = False

    def _keep(self, commands: list[dict[str, Any]]) -> list[dict[str, Any]]:
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
