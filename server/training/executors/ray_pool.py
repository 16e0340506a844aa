"""The Ray pool: warm Ray actors with the same interface as the local WarmPool, so the
same scheduler (executors/scheduling.py) drives both (docs/scale-out.md "How it works").

The actors are named and detached (`warm-0`, ...), made by the first replica and found by
name by the others; a replica takes one for a run with its atomic `claim`. The Worker's
messages come back on this replica's `ray.util.queue.Queue`, read by one blocking thread.
An actor that dies ends its run `failed` with Ray's reason and is placed again; a run too
big for a warm actor's GPU share gets an actor of its own that leaves with the run.
"""
from __future__ import annotations

import contextlib
import logging
import os
import secrets
import socket
import threading
import time
from pathlib import Path
from typing import Any

from server.training.executor import ExecutorConfig, PoolState
from server.training.executors import ray_cluster as cluster
from server.training.executors.pool import MAX_START_FAILURES, Listener, Slot
from server.training.executors.ray_actor import SHARED, WarmActor
from server.training.executors.ray_cluster import ActorInbox, ActorSlot
from server.training.runs import Run

log = logging.getLogger(__name__)


class RayPool:
    def __init__(self, config: ExecutorConfig, on_message: Listener, on_exit: Listener,
                 address: str, namespace: str):
        self.config, self.on_message, self.on_exit = config, on_message, on_exit
        self.address, self.namespace = address, namespace
        self.replica = f"{socket.gethostname()}-{os.getpid()}-{secrets.token_hex(3)}"
        self.lock = threading.RLock()
        self.slots: dict[str, ActorSlot] = {}
        self.size, self.share, self.devices = config.warm_workers, 0.0, 1
        self.replaced = self.start_failures = 0
        self.broken = ""
        self.closing = self.connected = False
        self.events: Any = None
        self.settings = {"step_interval": config.step_interval, "warmup_preset":
                         config.warmup_preset, "probe_interval": config.probe_interval,
                         "history_bytes": config.history_bytes}
        # The shared folders this replica sees: an actor's node must see them too.
        self.expected = [key for key in SHARED if Path(config.paths.get(key, "")).is_dir()]

    def start(self) -> None:
        """Connect and place the actors in the background: the server answers meanwhile."""
        threading.Thread(target=self._start, name="ray-pool-events", daemon=True).start()

    def _start(self) -> None:
        from ray.util.queue import Queue

        try:
            cluster.connect(self.address, self.namespace)
            self.connected = True
            self.events = Queue(actor_options={"num_cpus": 0})
            resources = cluster.resources()
        except Exception as exc:  # no cluster there, or it refused us
            self.broken = (f"cannot reach the Ray cluster at {self.address!r} "
                           f"(CNNPG_RAY_ADDRESS): {type(exc).__name__}: {exc}")
            self.on_message(None, {"kind": "idle"})  # type: ignore[arg-type]  # requeue
            return
        with self.lock:
            self.size = cluster.pool_size(resources, self.config.warm_workers)
            self.share = cluster.warm_share(resources.get("GPU", 0), self.size)
            self.devices = cluster.devices(resources)
        try:
            for index in range(self.size):
                self._place(f"warm-{index}", index, self.share)
        except (Exception, SystemExit):  # the server stopped (and left Ray) meanwhile
            if self.closing:
                return
            raise
        # This thread reads the events until shutdown: with CNNPG_RAY_ADDRESS=local it
        # started Ray's processes, which Linux kills when the thread that started them ends.
        self._read()

    def _place(self, name: str, number: int, gpus: float, fresh: str = "") -> None:
        """Find the actor called `name` or make it (atomic: get_if_exists), then warm it."""
        import ray

        if self.closing:
            return
        options: dict[str, Any] = {"name": name, "namespace": self.namespace,
                                   "num_cpus": 1, "num_gpus": gpus, "max_restarts": 0,
                                   "max_concurrency": cluster.MAX_CONCURRENCY}
        if not fresh:  # the shared pool outlives this replica; a run's own actor does not
            options |= {"lifetime": "detached", "get_if_exists": True}
        handle = ray.remote(WarmActor).options(**options).remote(
            name, number, self.config.paths, self.settings, self.expected)
        slot = ActorSlot(number, handle, None, None, name=name, gpus=gpus, fresh=fresh)
        slot.inbox = ActorInbox(slot, self.launch)
        with self.lock:
            self.slots[name] = slot
        threading.Thread(target=self._warm, args=(slot,), name=f"ray-warm-{name}",
                         daemon=True).start()

    def _warm(self, slot: ActorSlot) -> None:
        """Blocks until the actor is placed and warm (forever when it cannot be placed:
        the executor fails the runs that wait on it after the placement timeout)."""
        import ray

        try:
            ray.get(slot.process.subscribe.remote(self.replica, self.events))
            ready = ray.get(slot.process.warm.remote())
        except ray.exceptions.RayActorError as exc:  # a dead actor still held the name
            self._post({"kind": "exit", "actor": slot.name, "reason": "",
                        "start_error": cluster.death(exc)})
            return
        except Exception:  # Ray shut down while it waited (the server stops)
            return
        with self.lock:
            if ready.get("kind") == "retire":  # this node lacks a shared folder
                self.broken = str(ready["reason"])
                slot.state = "retiring"
                return
            self.start_failures, slot.warm_s = 0, ready.get("warm_s")
            slot.device, slot.total_bytes = ready.get("device"), ready.get("total_bytes")
            slot.node, slot.pid = str(ready.get("node", "")), ready.get("pid")
            slot.state = "taken" if ready.get("owner") else "ready"
        self.on_message(slot, {"kind": "ready"})

    def idle(self, run: Run | None = None) -> Slot | None:
        """Claim a warm actor for `run` (under the executor's lock); None when none is free.
        A run bigger than a warm actor's GPU share gets an actor placed for it."""
        import ray

        need = self._own_share(run)
        with self.lock:
            if need and run is not None:
                own = self.slots.get(f"run-{run.id}")
                if own is None:
                    self._place(f"run-{run.id}", -1, need, fresh=run.id)
                candidates = [own] if own is not None and own.state == "ready" else []
            else:
                candidates = self._candidates()
        for slot in candidates:
            try:
                if ray.get(slot.process.claim.remote(self.replica), timeout=10):
                    return slot
            except (ray.exceptions.RayActorError, ray.exceptions.GetTimeoutError) as exc:
                self._post({"kind": "exit", "actor": slot.name, "reason": "",
                            "start_error": cluster.death(exc)})
                slot.state = "gone"
                continue
            slot.state = "taken"  # another replica's run has it; its "idle" frees it here
        return None

    def _candidates(self) -> list[ActorSlot]:
        """Under the lock: the free actors, then (every few seconds each, when none is free)
        those another replica holds: their "idle" frees them here, but an actor that died
        and was replaced on that replica's watch is only found again by asking."""
        shared = [s for s in self.slots.values() if not s.fresh]
        ready = [s for s in shared if s.state == "ready"]
        if ready:
            return ready
        now = time.monotonic()
        taken = [s for s in shared if s.state == "taken" and now - s.asked > cluster.RECHECK_S]
        for slot in taken:
            slot.asked = now
        return taken

    def _own_share(self, run: Run | None) -> float:
        """The GPU share `run` needs when a warm actor's share is too small (else 0)."""
        _, total = self.device_total()
        if run is None or not self.share or not total:
            return 0.0
        if run.estimate_bytes <= self.share * total * self.config.headroom:
            return 0.0
        return cluster.share_for(run.estimate_bytes, total)

    def launch(self, slot: ActorSlot, command: dict[str, Any]) -> None:
        ref = slot.process.train.remote(command)
        threading.Thread(target=self._watch, args=(slot, ref), name=f"ray-run-{slot.name}",
                         daemon=True).start()

    def _watch(self, slot: ActorSlot, ref: Any) -> None:
        """Block on the run's train call: a dead actor fails the run (through the event
        queue, after the run's last events); an unhealthy or run-sized actor is retired."""
        import ray

        try:
            healthy = bool(ray.get(ref))
        except ray.exceptions.RayActorError as exc:
            where = f" on node {slot.node}" if slot.node else ""
            self._post({"kind": "exit", "actor": slot.name, "reason": (
                f"the Ray actor {slot.name}{where} that trained this run died: "
                f"{cluster.death(exc)}; other runs are unaffected, and a fresh actor takes "
                "its place")})
            return
        except ray.exceptions.RayError:
            healthy = False
        if not healthy or slot.fresh:
            ray.kill(slot.process, no_restart=True)
            self._post({"kind": "exit", "actor": slot.name, "reason": ""})

    def _post(self, message: dict[str, Any]) -> None:
        with contextlib.suppress(Exception):  # shutting down: nobody reads any more
            self.events.put(message, timeout=30)

    def _read(self) -> None:
        while True:
            try:
                message = self.events.get(block=True)
            except (Exception, SystemExit):  # Ray shut down (SystemExit: its core worker's)
                return
            if message.get("kind") == "close":
                return
            try:
                self._handle(message)
            except Exception:  # Ray went away under us while the server stops
                if self.closing:
                    return
                log.exception("ray pool: could not handle %s", message.get("kind"))

    def _handle(self, message: dict[str, Any]) -> None:
        kind = message.get("kind")
        slot = self.slots.get(str(message.get("actor")))
        if slot is None:
            return
        if kind == "exit":
            self._exited(slot, message)
            return
        with self.lock:
            if kind == "idle" and slot.state in ("busy", "taken"):
                slot.state, slot.run_id = "ready", None
            elif kind == "taken" and slot.state == "ready":
                slot.state = "taken"  # another replica's run
        self.on_message(slot, message)

    def _exited(self, slot: ActorSlot, message: dict[str, Any]) -> None:
        with self.lock:
            if self.slots.get(slot.name) is slot:
                del self.slots[slot.name]
            never_ready = slot.state == "starting"
            slot.state = "gone"
            self.start_failures += bool(never_ready)
            if self.start_failures >= MAX_START_FAILURES:
                self.broken = (f"{MAX_START_FAILURES} Ray actors in a row died before they "
                               f"were ready: {message.get('start_error') or 'see Ray logs'}")
            respawn = not (self.closing or slot.fresh
                           or self.start_failures >= MAX_START_FAILURES)
            self.replaced += respawn
        reason = str(message.get("reason") or "")
        self.on_exit(slot, {"reason": reason} if reason else {"exitcode": None})
        if respawn:  # after a moment: Ray frees a dead actor's name asynchronously
            timer = threading.Timer(0.2 * (1 + self.start_failures), self._place,
                                    args=(slot.name, slot.number, slot.gpus))
            timer.daemon = True
            timer.start()

    def forget(self, run_id: str) -> None:
        """Remove the actor being placed for a run that gave up waiting."""
        import ray

        with self.lock:
            own = self.slots.pop(f"run-{run_id}", None)
        if own is not None:
            ray.kill(own.process, no_restart=True)

    def device_total(self) -> tuple[str | None, int | None]:
        with self.lock:
            ready = [s for s in self.slots.values() if s.total_bytes and not s.fresh]
            return (ready[0].device, ready[0].total_bytes) if ready else (None, None)

    def state(self) -> PoolState:
        with self.lock:
            slots = list(self.slots.values())
            device, total = self.device_total()
            return PoolState(
                size=self.size, ready=sum(s.state == "ready" for s in slots),
                busy=sum(s.state in ("busy", "taken") for s in slots),
                starting=sum(s.state == "starting" for s in slots),
                replaced=self.replaced, device=device, device_total_bytes=total,
                max_concurrent=self.config.max_concurrent, broken=self.broken,
                workers=[{"worker": s.number, "actor": s.name, "node": s.node, "pid": s.pid,
                          "state": s.state, "run_id": s.run_id, "warm_s": s.warm_s,
                          "gpus": s.gpus} for s in slots])

    def shutdown(self, timeout: float = 5.0) -> None:
        """Stop this replica's runs (their models are kept when an epoch ended) and leave;
        the shared actors stay for the other replicas."""
        with self.lock:
            self.closing = True
            slots = list(self.slots.values())
        if not self.connected:
            return
        for slot in slots:
            if slot.fresh:
                self.forget(slot.fresh)
            elif slot.state == "busy" and slot.run_id:
                slot.process.command.remote({"op": "stop", "run_id": slot.run_id})
        self._post({"kind": "close"})
        cluster.disconnect()
        self.connected = False
