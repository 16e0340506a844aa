"""The run executor: runs queue in order, each trains in its own worker process.

A reader thread per run turns the worker's events into state and hub messages. A worker
that dies (killed, segfault, out of memory) ends its run as failed; nothing else notices.
The interface (submit / get / list / command / shutdown) is all the routes use, so a
cluster-backed executor could replace this one without touching them.
"""

from __future__ import annotations

import multiprocessing
import queue
import secrets
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from server.errors import Conflict, NotFound, OverLimit
from server.hub import Hub
from server.training.checkpoints import Checkpoints
from server.training.runs import BINARY, HEAVY, Run
from server.training.spec import RunRequest
from server.training.worker import run_worker

ALLOWED = {  # command -> statuses it applies to
    "pause": ("running",), "resume": ("paused",), "step": ("paused",),
    "stop": ("queued", "running", "paused"), "set_lr": ("queued", "running", "paused"),
    "probe": ("running", "paused"),
}


@dataclass
class ExecutorConfig:
    max_concurrent: int
    step_interval: float
    probe_interval: float
    threads: int
    paths: dict[str, str]  # models_dir, presets_dir, datasets_dir (as strings: picklable)
    session_active: int = 0  # runs one session may train at once (0: no limit)
    session_queued: int = 1_000_000  # runs one session may have waiting beyond those


@dataclass(eq=False)
class _Worker:
    process: Any
    events: Any
    commands: Any


class LocalExecutor:
    def __init__(self, config: ExecutorConfig, hub: Hub):
        self.config = config
        self.hub = hub
        self.runs: dict[str, Run] = {}
        self.workers: dict[str, _Worker] = {}
        self.lock = threading.RLock()
        self.context = multiprocessing.get_context("spawn")  # never fork a threaded server
        self.checkpoints = Checkpoints()

    # -- public interface ----------------------------------------------------------------
    def submit(self, request: RunRequest, network_name: str, owner: str = "") -> Run:
        run = Run(id=f"run-{secrets.token_hex(6)}", request=request, network_name=network_name,
                  owner=owner)
        with self.lock:
            self._check_limits(owner)
            self.runs[run.id] = run
        self._publish(run, {"type": "status", "status": "queued", "message": ""})
        self._schedule()
        return run

    def get(self, run_id: str) -> Run:
        with self.lock:
            if run_id not in self.runs:
                raise NotFound(f"no run {run_id!r}; list them with GET /api/runs", ["run_id"])
            return self.runs[run_id]

    def snapshot(self, run_id: str, viewer: str | None = None) -> tuple[dict[str, Any],
                                                                         list[dict[str, Any]]]:
        """The snapshot, and the latest binary-carrying events (with their data)."""
        run = self.get(run_id)
        with self.lock:  # the reader thread mutates the run under this lock
            binary = [e for kind, e in run.heavy.items() if kind in BINARY]
            return run.snapshot(viewer), binary

    def list(self) -> list[Run]:
        with self.lock:
            return list(self.runs.values())

    def probe(self, run_id: str, command: dict[str, Any]) -> None:
        """Pick the probe image: {"index": i} or {"pixels": uint8 array, "image_id": id}."""
        run = self.get(run_id)
        with self.lock:
            if run.status not in ALLOWED["probe"] or run_id not in self.workers:
                raise Conflict(f"the probe can only change while the run trains; it is "
                               f"{run.status}", ["probe"])
            self.workers[run_id].commands.put({"op": "probe", **command})

    def command(self, run_id: str, op: str, value: float | None = None) -> Run:
        run = self.get(run_id)
        with self.lock:
            if run.status not in ALLOWED[op]:
                raise Conflict(f"cannot {op.replace('_', ' ')} a run that is {run.status}; "
                               f"{op} applies to {' or '.join(ALLOWED[op])} runs", ["run_id"])
            if run.id not in self.workers:  # queued, no process yet
                if op == "set_lr":
                    run.request.training.learning_rate = float(value or 0)
                else:  # stopping a queued run: it never starts
                    self._publish(run, {"type": "status", "status": "stopped",
                                        "message": "stopped before it started"})
                return run
            self.workers[run_id].commands.put({"op": op, "value": value})
        return run

    def checkpoint(self, run_id: str, owner: str, name: str,
                   timeout: float = 30.0) -> dict[str, Any]:
        """Save the run's weights as they are now, as a model owned by `owner`; waits for
        the worker (it saves between two batches) and returns {model_id, epoch, step}."""
        run = self.get(run_id)
        with self.lock:
            if run.status not in ("running", "paused") or run_id not in self.workers:
                raise Conflict(f"run {run_id} is {run.status}: a checkpoint can only be taken "
                               "while it trains or is paused", ["run_id"])
            request, waiter = self.checkpoints.expect(run_id)
            self.workers[run_id].commands.put({"op": "checkpoint", "request": request,
                                               "owner": owner, "name": name})
        return self.checkpoints.wait(request, waiter, timeout)

    def shutdown(self) -> None:
        with self.lock:
            workers = list(self.workers.values())
        for worker in workers:
            worker.commands.put({"op": "stop"})
        for worker in workers:
            worker.process.join(timeout=3)
            if worker.process.is_alive():
                worker.process.kill()

    # -- internals -----------------------------------------------------------------------
    def _check_limits(self, owner: str) -> None:
        """Under the lock: a session may have session_active + session_queued unfinished
        runs (the scheduler trains at most session_active of them at once)."""
        if not owner or not self.config.session_active:
            return
        mine = [r for r in self.runs.values() if r.owner == owner and not r.final]
        limit = self.config.session_active + self.config.session_queued
        if len(mine) >= limit:
            raise OverLimit(
                f"you already have {len(mine)} unfinished runs ({', '.join(r.id for r in mine)})"
                f"; a session may train {self.config.session_active} at once "
                f"(CNNPG_SESSION_MAX_ACTIVE_RUNS) and queue {self.config.session_queued} more "
                "(CNNPG_SESSION_MAX_QUEUED_RUNS): stop one with POST /api/runs/{id}/stop or "
                "wait for one to finish", ["runs"])

    def _publish(self, run: Run, event: dict[str, Any]) -> None:
        with self.lock:
            stamped = run.apply(event)
        self.hub.publish(f"run:{run.id}", stamped, heavy=stamped["type"] in HEAVY)

    def _schedule(self) -> None:
        with self.lock:
            running = [r for r in self.runs.values() if r.launched and not r.final]
            active = len(running)
            per_owner: dict[str, int] = {}
            for run in running:
                per_owner[run.owner] = per_owner.get(run.owner, 0) + 1
            cap = self.config.session_active
            for run in self.runs.values():
                if active >= self.config.max_concurrent:
                    break
                if (run.status == "queued" and not run.launched
                        and not (cap and run.owner and per_owner.get(run.owner, 0) >= cap)):
                    run.launched = True
                    self._start(run)
                    active += 1
                    per_owner[run.owner] = per_owner.get(run.owner, 0) + 1

    def _start(self, run: Run) -> None:
        events, commands = self.context.Queue(), self.context.Queue()
        process = self.context.Process(
            target=run_worker, name=f"cnnpg-{run.id}", daemon=True,
            args=(run.id, run.request.model_dump_json(), self.config.paths, events, commands,
                  self.config.step_interval, self.config.probe_interval, self.config.threads,
                  run.owner))
        process.start()
        self.workers[run.id] = _Worker(process, events, commands)
        threading.Thread(target=self._read, args=(run,), name=f"reader-{run.id}",
                         daemon=True).start()

    def _read(self, run: Run) -> None:
        worker = self.workers[run.id]
        try:
            while True:
                try:
                    event = worker.events.get(timeout=0.5)
                except queue.Empty:
                    if worker.process.is_alive():
                        continue
                    worker.process.join()
                    self._publish(run, {"type": "status", "status": "failed", "message": (
                        f"the worker process died (exit code {worker.process.exitcode}); "
                        "the server and other runs are unaffected")})
                    self.checkpoints.abandon(run.id, "failed")
                    return
                if event.get("type") == "checkpoint":  # an answer to one caller, not news
                    self.checkpoints.answer(event)
                    continue
                self._publish(run, event)
                if run.final:
                    self.checkpoints.abandon(run.id, run.status)
                    worker.process.join(timeout=10)
                    return
        finally:
            with self.lock:
                self.workers.pop(run.id, None)
            self._schedule()


def executor_paths(models_dir: Path, presets_dir: Path, datasets_dir: Path) -> dict[str, str]:
    return {"models_dir": str(models_dir), "presets_dir": str(presets_dir),
            "datasets_dir": str(datasets_dir)}
