"""The local executor's scheduling half: limits per session, fair order, admission by
memory, binding runs to warm workers, thread shares, and the queue positions students see."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from server.errors import OverLimit, human_bytes
from server.training.executors.admission import (
    Waiting,
    fair_order,
    thread_share,
    wait_estimates,
)
from server.training.runs import Run

if TYPE_CHECKING:
    import threading
    from collections.abc import Callable

    from server.training.executor import ExecutorConfig
    from server.training.executors.pool import Pool, Slot


def because(type_: str, text: str, **ctx: Any) -> dict[str, Any]:
    """Why a run waits: `reason` in English (for programs), `reason_type` a stable name and
    `reason_ctx` the values the text quotes (pages word it in their language from those)."""
    return {"reason": text, "reason_type": type_, "reason_ctx": ctx}


WARMING_UP = because("warming_up", "waiting for a warm worker")


class Scheduling:
    config: ExecutorConfig
    runs: dict[str, Run]
    bound: dict[str, Slot]
    lock: threading.RLock
    pool: Pool

    # Provided by the executor that mixes this in (executors/local.py).
    _publish: Callable[[Run, dict[str, Any]], None]
    _send: Callable[[str, dict[str, Any]], None]

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

    def _capacity(self) -> int:
        """Bytes of device memory runs may hold at once (0: not known yet, not checked)."""
        device, total = self.pool.device_total()
        if device == "cpu":
            total = self.config.memory_bytes or total
        return int((total or 0) * self.config.headroom * self.pool.devices)

    def _schedule(self) -> None:
        """Start what can start, rebalance threads, tell the queued where they stand."""
        with self.lock:
            active = [r for r in self.runs.values() if r.launched and not r.final]
            per_owner: dict[str, int] = {}
            for run in active:
                per_owner[run.owner] = per_owner.get(run.owner, 0) + 1
            served: dict[str, int] = {}  # runs each session has had started so far
            for run in self.runs.values():
                if run.launched:
                    served[run.owner] = served.get(run.owner, 0) + 1
            waiting = [Waiting(r.id, r.owner, r.order, r.priority) for r in self.runs.values()
                       if r.status == "queued" and not r.launched]
            ordered = [self.runs[w.run_id] for w in fair_order(waiting, served)]
            used = sum(r.estimate_bytes for r in active)
            capacity = self._capacity()
            reasons: dict[str, dict[str, Any]] = {}
            for run in ordered:
                reason = self._blocker(run, len(active), per_owner, used, capacity)
                if reason:
                    reasons[run.id] = reason
                    continue
                slot = self.pool.idle(run)
                if slot is None:
                    reasons[run.id] = (because("no_worker", f"no worker can start: "
                                               f"{self.pool.broken}", problem=self.pool.broken)
                                       if self.pool.broken else WARMING_UP)
                    continue
                self._bind(run, slot, sum(self._on_cpu(r) for r in active) + 1)
                active.append(run)
                used += run.estimate_bytes
                per_owner[run.owner] = per_owner.get(run.owner, 0) + 1
            self._rebalance(active)
            self._tell_queue([r for r in ordered if not r.launched], active, reasons)

    def _blocker(self, run: Run, active: int, per_owner: dict[str, int], used: int,
                 capacity: int) -> dict[str, Any] | None:
        """Why `run` cannot start now (None when it can), as `because` words it."""
        cap = self.config.session_active
        if cap and run.owner and per_owner.get(run.owner, 0) >= cap:
            return because("session_limit", f"your session already trains {cap} runs at once",
                           runs=cap)
        slots = self.config.max_concurrent
        if active >= slots:
            return because("slots_busy", f"all {slots} training slots are busy", slots=slots)
        if capacity and active and used + run.estimate_bytes > capacity:
            free = max(0, capacity - used)
            return because("memory", f"it needs about {human_bytes(run.estimate_bytes)} and "
                           f"{human_bytes(free)} of device memory is free",
                           needed=human_bytes(run.estimate_bytes), free=human_bytes(free),
                           needed_bytes=run.estimate_bytes, free_bytes=free)
        return None

    def _on_cpu(self, run: Run) -> bool:
        slot = self.bound.get(run.id)
        return slot is not None and slot.device == "cpu"

    def _bind(self, run: Run, slot: Slot, cpu_runs: int) -> None:
        """Under the lock: hand `run` to the idle worker `slot`."""
        run.launched, run.bound = True, time.time()
        slot.state, slot.run_id = "busy", run.id
        self.bound[run.id] = slot
        run.threads = self._threads_for(run, cpu_runs)
        slot.inbox.put({"op": "run", "run_id": run.id, "owner": run.owner,
                        "request": run.request.model_dump_json(),
                        "spec": run.spec.model_dump_json(), "name": run.network_name,
                        "threads": run.threads})

    def _rebalance(self, active: list[Run]) -> None:
        """Under the lock: CPU runs share the cores; tell those whose share changed."""
        on_cpu = [r for r in active if self._on_cpu(r) and r.id in self.bound]
        for run in on_cpu:
            share = self._threads_for(run, len(on_cpu))
            if run.threads != share:
                run.threads = share
                self._send(run.id, {"op": "threads", "value": share})

    def _threads_for(self, run: Run, cpu_runs: int) -> int:
        """The run's fair share of the cores; a run that asks for fewer threads
        (training.threads) gets what it asks, one that asks for more gets its share."""
        share = thread_share(self.config.cores, cpu_runs, self.config.threads)
        asked = run.request.training.threads
        return min(share, asked) if asked else share

    def _tell_queue(self, queued: list[Run], active: list[Run],
                    reasons: dict[str, dict[str, Any]]) -> None:
        """Under the lock: a `queue` event to each queued run whose place changed."""
        finished = sorted((r for r in self.runs.values() if r.final and r.started and r.ended),
                          key=lambda r: r.ended or 0)[-20:]
        typical = (sum((r.ended or 0) - (r.started or 0) for r in finished) / len(finished)
                   if finished else None)
        remaining = [remaining_seconds(r) for r in active]
        waits = wait_estimates(remaining, self.config.max_concurrent, len(queued), typical)
        for position, (run, wait) in enumerate(zip(queued, waits, strict=True), start=1):
            reason = reasons.get(run.id, WARMING_UP)
            before = run.queue or {}
            rounded = None if wait is None else round(wait, 1)
            if (before.get("position"), before.get("reason")) != (position, reason["reason"]) or (
                    abs((before.get("wait_s") or 0) - (rounded or 0)) > 2):
                self._publish(run, {"type": "queue", "position": position, "wait_s": rounded,
                                    **reason})


def remaining_seconds(run: Run) -> float:
    """How long a training run still needs, from its last step event (inf: not known)."""
    latest = run.latest
    rate = float(latest.get("samples_per_s") or 0) / max(1, run.request.training.batch_size)
    if not latest or rate <= 0:
        return float("inf")
    per_epoch = int(latest["steps_per_epoch"])
    left = (run.request.training.epochs - int(latest["epoch"])) * per_epoch + (
        per_epoch - int(latest["epoch_step"]))
    return left / rate
