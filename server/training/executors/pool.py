"""The warm pool: worker processes started with the server and replaced when one exits.

Each slot holds one process, its inbox and its event queue, and a reader thread that turns
the process's messages into calls on the executor. A slot is `starting` until its worker
has warmed up, then `ready` (idle) or `busy` (bound to one run).
"""

from __future__ import annotations

import contextlib
import multiprocessing
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from server.training.executor import ExecutorConfig, PoolState
from server.training.worker import serve

if TYPE_CHECKING:
    from server.training.runs import Run

Listener = Callable[["Slot", dict[str, Any]], None]
MAX_START_FAILURES = 3


@dataclass(eq=False)
class Slot:
    number: int
    process: Any
    inbox: Any
    events: Any
    # starting -> ready <-> busy (-> retiring); gone once its process exited
    state: str = "starting"
    run_id: str | None = None
    started: float = field(default_factory=time.monotonic)
    warm_s: float | None = None
    device: str | None = None
    total_bytes: int | None = None


class Pool(Protocol):
    """What the scheduler drives: this module's WarmPool (processes on this machine) or
    executors/ray_pool.py's RayPool (Ray actors on a cluster)."""

    broken: str
    devices: int  # devices runs spread over (GPUs, or nodes of a CPU cluster): capacity

    def start(self) -> None: ...

    def idle(self, run: Run | None = None) -> Slot | None: ...

    def device_total(self) -> tuple[str | None, int | None]: ...

    def state(self) -> PoolState: ...

    def shutdown(self, timeout: float = 5.0) -> None: ...


class WarmPool:
    devices = 1  # one machine

    def __init__(self, config: ExecutorConfig, on_message: Listener, on_exit: Listener):
        self.config = config
        self.on_message, self.on_exit = on_message, on_exit
        self.context = multiprocessing.get_context("spawn")  # never fork a threaded server
        self.lock = threading.RLock()
        self.slots: dict[int, Slot] = {}
        self.next_number = 0
        self.replaced = 0
        self.closing = False
        # Workers that died before they were ready, in a row: past MAX_START_FAILURES the
        # pool stops starting new ones (a broken install would otherwise respawn forever)
        # and `broken` says why; queued runs show it as their reason.
        self.start_failures = 0
        self.start_error = ""  # what the last worker that failed to start said
        self.broken = ""

    def start(self) -> None:
        """Start the workers in the background: the server answers while they warm up."""
        self._fill()

    def _fill(self) -> None:
        """Start workers until the pool is full, at most one warming per core at a time:
        eight warming at once on two cores would make the first ready only when all are
        (a class arriving at a fresh server waits for one, not for eight)."""
        with self.lock:
            limit = max(1, self.config.cores)
            new = []
            while (not self.closing and len(self.slots) < self.config.warm_workers
                   and sum(s.state == "starting" for s in self.slots.values()) < limit
                   and self.start_failures < MAX_START_FAILURES):
                new.append(self._register())
        for slot in new:
            slot.process.start()
            threading.Thread(target=self._read, args=(slot,),
                             name=f"pool-reader-{slot.number}", daemon=True).start()

    def _register(self) -> Slot:
        """Under the lock: a new slot whose process is about to start."""
        number = self.next_number
        self.next_number += 1
        inbox, events = self.context.Queue(), self.context.Queue()
        settings = {"step_interval": self.config.step_interval,
                    "probe_interval": self.config.probe_interval,
                    "history_bytes": self.config.history_bytes,
                    "warmup_preset": self.config.warmup_preset}
        process = self.context.Process(
            target=serve, name=f"cnnpg-worker-{number}", daemon=True,
            args=(number, self.config.paths, inbox, events, settings))
        slot = Slot(number, process, inbox, events)
        self.slots[number] = slot
        return slot

    def idle(self, run: Run | None = None) -> Slot | None:
        """A ready worker, or None (under the executor's lock); any worker fits any run."""
        with self.lock:
            return next((s for s in self.slots.values() if s.state == "ready"), None)

    def device_total(self) -> tuple[str | None, int | None]:
        with self.lock:
            ready = [s for s in self.slots.values() if s.total_bytes]
            return (ready[0].device, ready[0].total_bytes) if ready else (None, None)

    def _read(self, slot: Slot) -> None:
        while True:
            try:
                message = slot.events.get(timeout=0.5)
            except queue.Empty:
                if slot.process.is_alive():
                    continue
                self._exited(slot)
                return
            except (EOFError, OSError):  # the queue's pipe broke with the process
                self._exited(slot)
                return
            kind = message.get("kind")
            with self.lock:
                if kind == "retire" and slot.state == "starting":
                    self.start_error = str(message.get("reason") or "")
                elif kind == "retire":
                    slot.state = "retiring"  # never handed a run again; replaced on exit
                if kind == "ready":
                    self.start_failures = 0
                    slot.state, slot.warm_s = "ready", message.get("warm_s")
                    slot.device, slot.total_bytes = message.get("device"), message.get(
                        "total_bytes")
                elif kind == "idle":
                    slot.state, slot.run_id = "ready", None
            self.on_message(slot, message)
            if kind == "ready":
                self._fill()

    def _exited(self, slot: Slot) -> None:
        slot.process.join(timeout=5)
        with self.lock:
            never_ready = slot.state == "starting"
            slot.state = "gone"
            self.slots.pop(slot.number, None)
            if never_ready:
                self.start_failures += 1
            if self.start_failures >= MAX_START_FAILURES:
                self.broken = (f"{self.start_failures} worker processes in a row exited before "
                               f"they were ready ({self.start_error or 'exit code '}"
                               f"{'' if self.start_error else slot.process.exitcode}); see the "
                               "server's log")
            respawn = not self.closing and self.start_failures < MAX_START_FAILURES
            if respawn:
                self.replaced += 1
        self.on_exit(slot, {"exitcode": slot.process.exitcode})
        if respawn:
            self._fill()

    def state(self) -> PoolState:
        with self.lock:
            slots = list(self.slots.values())
            device, total = self.device_total()
            return PoolState(
                size=self.config.warm_workers,
                ready=sum(s.state == "ready" for s in slots),
                busy=sum(s.state == "busy" for s in slots),
                starting=sum(s.state == "starting" for s in slots),
                replaced=self.replaced, device=device, device_total_bytes=total,
                max_concurrent=self.config.max_concurrent, broken=self.broken,
                workers=[{"worker": s.number, "pid": s.process.pid, "state": s.state,
                          "run_id": s.run_id, "warm_s": s.warm_s} for s in slots])

    def shutdown(self, timeout: float = 5.0) -> None:
        """Stop every worker; those that do not leave in time are killed (no orphans)."""
        with self.lock:
            self.closing = True
            slots = list(self.slots.values())
        for slot in slots:
            with contextlib.suppress(OSError, ValueError):  # its queue is already closed
                slot.inbox.put({"op": "shutdown"})
        deadline = time.monotonic() + timeout
        for slot in slots:
            slot.process.join(timeout=max(0.0, deadline - time.monotonic()))
            if slot.process.is_alive():
                slot.process.kill()
                slot.process.join(timeout=5)
