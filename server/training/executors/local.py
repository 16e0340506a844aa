"""The local executor: runs queue fairly and train on the warm pool's workers.

Runs are admitted by their memory estimate against the device's memory, started in fair
order (a teacher's broadcast run first, then round-robin between sessions), and bound to a
warm worker; CPU threads are shared fairly and rebalanced as runs start and end. A worker
that dies fails its run with a reason and is replaced; nothing else notices.
"""

from __future__ import annotations

import itertools
import secrets
import threading
from collections.abc import Callable, Sequence
from typing import Any

from server.errors import Conflict, NotFound
from server.hub import Hub
from server.nn.spec import NetworkSpec
from server.training.checkpoints import Checkpoints
from server.training.executor import ExecutorConfig, PoolState
from server.training.executors.admission import refuse_if_never_fits
from server.training.executors.pool import Pool, Slot, WarmPool
from server.training.executors.scheduling import Scheduling
from server.training.runs import BINARY, HEAVY, Run
from server.training.spec import RunRequest

ALLOWED = {  # command -> statuses it applies to
    "pause": ("running",), "resume": ("paused",), "step": ("paused",),
    "stop": ("queued", "running", "paused"), "set_lr": ("queued", "running", "paused"),
    "probe": ("running", "paused"),
}


class LocalExecutor(Scheduling):
    def __init__(self, config: ExecutorConfig, hub: Hub, start: bool = True,
                 discard: Callable[[str], object] | None = None):
        """discard: deletes a model that a run of a deleted session saved while stopping."""
        self.config = config
        self.hub = hub
        self.discard = discard
        self.runs: dict[str, Run] = {}
        self.bound: dict[str, Slot] = {}  # run id -> the worker training it
        self.lock = threading.RLock()
        self.checkpoints = Checkpoints()
        self.counter = itertools.count()
        # Told when a run takes its first step (the metrics' time to first step).
        self.first_step_listeners: list[Callable[[Run], None]] = []
        self.pool: Pool = self._make_pool()
        self.started = False
        if start:
            self.start()

    def _make_pool(self) -> Pool:
        return WarmPool(self.config, self._on_message, self._on_exit)

    def start(self) -> None:
        """Start the warm workers (once; submit starts them when the server did not)."""
        with self.lock:
            if self.started:
                return
            self.started = True
        self.pool.start()

    # -- the Protocol ---------------------------------------------------------------------
    def submit(self, request: RunRequest, spec: NetworkSpec, network_name: str,
               owner: str = "", estimate_bytes: int = 0) -> Run:
        run = Run(id=f"run-{secrets.token_hex(6)}", request=request, spec=spec,
                  network_name=network_name, owner=owner, estimate_bytes=estimate_bytes,
                  order=next(self.counter))
        with self.lock:
            self._check_limits(owner)
            self.runs[run.id] = run
        self._publish(run, {"type": "status", "status": "queued", "message": ""})
        self.start()
        self._schedule()
        return run

    def get(self, run_id: str) -> Run:
        with self.lock:
            run = self.runs.get(run_id)
            if run is None or run.deleted:
                raise NotFound(f"no run {run_id!r}; list them with GET /api/runs", ["run_id"])
            return run

    def snapshot(self, run_id: str, viewer: str | None = None) -> tuple[dict[str, Any],
                                                                         list[dict[str, Any]]]:
        """The snapshot, and the latest binary-carrying events (with their data)."""
        run = self.get(run_id)
        with self.lock:  # the reader threads change the run under this lock
            binary = [e for kind, e in run.heavy.items() if kind in BINARY]
            return run.snapshot(viewer), binary

    def list(self, owner: str | None = None) -> list[Run]:
        with self.lock:
            return [r for r in self.runs.values()
                    if not r.deleted and (owner is None or r.owner == owner)]

    def prune(self, before: float) -> Sequence[Run]:
        with self.lock:
            old = [r for r in self.runs.values() if r.final and r.id not in self.bound
                   and (r.ended or r.created) < before]
            for run in old:
                del self.runs[run.id]
        return old

    def forget_owner(self, owner: str) -> int:
        with self.lock:
            mine = [r for r in self.runs.values() if r.owner == owner and not r.deleted]
            for run in mine:
                run.deleted = True
                if run.final:
                    del self.runs[run.id]
                elif run.id in self.bound:
                    self._send(run.id, {"op": "stop", "value": None})
                else:  # queued: it never starts
                    self._publish(run, {"type": "status", "status": "stopped",
                                        "message": "its session deleted its data"})
                    del self.runs[run.id]
        self._schedule()
        return len(mine)

    def probe(self, run_id: str, command: dict[str, Any]) -> None:
        """Pick the probe image: {"index": i} or {"pixels": uint8 array, "image_id": id}."""
        run = self.get(run_id)
        with self.lock:
            if run.status not in ALLOWED["probe"] or run_id not in self.bound:
                raise Conflict(f"the probe can only change while the run trains; it is "
                               f"{run.status}", ["probe"])
            self._send(run_id, {"op": "probe", **command})

    def command(self, run_id: str, op: str, value: float | None = None) -> Run:
        run = self.get(run_id)
        with self.lock:
            if run.status not in ALLOWED[op]:
                raise Conflict(f"cannot {op.replace('_', ' ')} a run that is {run.status}; "
                               f"{op} applies to {' or '.join(ALLOWED[op])} runs", ["run_id"])
            if run.id not in self.bound:  # queued: no worker yet
                if op == "set_lr":
                    run.request.training.learning_rate = float(value or 0)
                else:  # stopping a queued run: it never starts
                    self._publish(run, {"type": "status", "status": "stopped",
                                        "message": "stopped before it started"})
                    self._schedule()
                return run
            self._send(run_id, {"op": op, "value": value})
        return run

    def checkpoint(self, run_id: str, owner: str, name: str, timeout: float = 30.0,
                   point: int | None = None) -> dict[str, Any]:
        """Save the run's weights as they are now (or as they were at replay `point`), as a
        model owned by `owner`; waits for the worker (it saves between two batches) and
        returns {model_id, epoch, step}."""
        run = self.get(run_id)
        with self.lock:
            if run.status not in ("running", "paused") or run_id not in self.bound:
                raise Conflict(f"run {run_id} is {run.status}: a checkpoint can only be taken "
                               "while it trains or is paused", ["run_id"])
            request, waiter = self.checkpoints.expect(run_id)
            self._send(run_id, {"op": "checkpoint", "request": request, "owner": owner,
                                "name": name, "point": point})
        return self.checkpoints.wait(request, waiter, timeout)

    def prioritize(self, run_id: str) -> None:
        run = self.get(run_id)
        with self.lock:
            run.priority = True
        self._schedule()

    def admit(self, estimate_bytes: int, device: str) -> None:
        known_device, total = self.pool.device_total()
        if device == "cpu" or known_device == "cpu":
            total = self.config.memory_bytes or total
        refuse_if_never_fits(estimate_bytes, total, self.config.headroom, device)

    def queue_position(self, run_id: str) -> dict[str, Any] | None:
        run = self.get(run_id)
        with self.lock:
            return dict(run.queue) if run.queue else None

    def pool_state(self) -> PoolState:
        return self.pool.state()

    def shutdown(self) -> None:
        self.pool.shutdown()

    # -- messages from the pool -----------------------------------------------------------
    def _send(self, run_id: str, command: dict[str, Any]) -> None:
        """Under the lock: a command to the worker bound to the run."""
        self.bound[run_id].inbox.put({**command, "run_id": run_id})

    def _on_message(self, slot: Slot, message: dict[str, Any]) -> None:
        kind = message.get("kind")
        if kind == "run_event":
            self._run_event(str(message["run_id"]), message["event"])
        elif kind in ("ready", "idle"):
            self._schedule()

    def _run_event(self, run_id: str, event: dict[str, Any]) -> None:
        with self.lock:
            run = self.runs.get(run_id)
        if run is None:
            return
        if event.get("type") == "checkpoint":  # an answer to one caller, not news
            self.checkpoints.answer(event)
            return
        first_step = event.get("type") == "step" and run.first_step is None
        self._publish(run, event)
        for listener in self.first_step_listeners if first_step else ():
            listener(run)
        if run.deleted and event.get("type") == "model" and self.discard is not None:
            self.discard(str(event["model_id"]))
        if run.final:
            self.checkpoints.abandon(run.id, run.status)
            with self.lock:
                self.bound.pop(run.id, None)
                if run.deleted:
                    self.runs.pop(run.id, None)
            self._schedule()
        elif (first_step or event.get("type") == "epoch") and self._anyone_waiting():
            self._schedule()  # a training run's pace is known or changed: new wait estimates

    def _anyone_waiting(self) -> bool:
        with self.lock:
            return any(r.status == "queued" for r in self.runs.values())

    def _on_exit(self, slot: Slot, info: dict[str, Any]) -> None:
        with self.lock:
            run_id = next((r for r, s in self.bound.items() if s is slot), None)
            run = self.runs.get(run_id) if run_id else None
            if run_id:
                self.bound.pop(run_id, None)
        if run is not None and not run.final:
            code = info.get("exitcode")
            how = f"killed by signal {-code}" if isinstance(code, int) and code < 0 else (
                f"exit code {code}")
            self._publish(run, {"type": "status", "status": "failed", "message": info.get(
                "reason") or (f"the worker process died ({how}); the server and other runs "
                              "are unaffected, and a fresh worker takes its place")})
            self.checkpoints.abandon(run.id, "failed")
            with self.lock:
                if run.deleted:
                    self.runs.pop(run.id, None)
        self._schedule()

    def _publish(self, run: Run, event: dict[str, Any]) -> None:
        with self.lock:
            stamped = run.apply(event)
        self.hub.publish(f"run:{run.id}", stamped, heavy=stamped["type"] in HEAVY)
