"""The Ray executor: the local executor's scheduler (fair order, admission by memory,
limits per session, queue positions) driving a pool of warm Ray actors instead of local
processes (CNNPG_EXECUTOR=ray). Only what differs lives here: the pool, one CPU thread per
actor, and the placement timeout — a run the cluster cannot place (no node has the CPU or
GPU share it needs) fails with the reason after CNNPG_RAY_PLACEMENT_TIMEOUT seconds
instead of staying queued forever. A run that waits for a busy actor waits its turn.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import replace

from server.errors import InvalidInput, human_bytes
from server.hub import Hub
from server.nn.spec import NetworkSpec
from server.training.executor import ExecutorConfig
from server.training.executors import ray_cluster as cluster
from server.training.executors.local import LocalExecutor
from server.training.executors.pool import Pool
from server.training.executors.ray_pool import RayPool
from server.training.runs import Run
from server.training.spec import RunRequest


class RayExecutor(LocalExecutor):
    def __init__(self, config: ExecutorConfig, hub: Hub, address: str, namespace: str,
                 placement_timeout: float = 120.0, start: bool = True,
                 discard: Callable[[str], object] | None = None):
        self.address, self.namespace = address, namespace
        self.placement_timeout = placement_timeout
        # An actor holds one CPU: a CPU run trains on one thread (CNNPG_TRAIN_THREADS
        # overrides); the memory a CPU run may use is its node's, told by its actor.
        super().__init__(replace(config, cores=1, memory_bytes=0), hub, start, discard)

    def admit(self, estimate_bytes: int, device: str) -> None:
        """"cuda" is checked against the cluster's actors (this replica may have no GPU)."""
        known, _ = self.ray_pool.device_total() if hasattr(self, "ray_pool") else (None, None)
        if device == "cuda" and known == "cpu":
            raise InvalidInput("device 'cuda' was asked for but the Ray cluster's actors "
                               "have no CUDA GPU; use 'auto' or 'cpu'", ["training", "device"])
        super().admit(estimate_bytes, device)

    def _make_pool(self) -> Pool:
        self.ray_pool = RayPool(self.config, self._on_message, self._on_exit, self.address,
                                self.namespace)
        return self.ray_pool

    def submit(self, request: RunRequest, spec: NetworkSpec, network_name: str,
               owner: str = "", estimate_bytes: int = 0) -> Run:
        run = super().submit(request, spec, network_name, owner, estimate_bytes)
        timer = threading.Timer(self.placement_timeout + 0.05, self._schedule)
        timer.daemon = True  # look again when its time is up (nothing else may happen)
        timer.start()
        return run

    def _schedule(self) -> None:
        super()._schedule()
        now = time.time()
        with self.lock:
            late = [r for r in self.runs.values() if r.status == "queued" and not r.launched
                    and now - r.created >= self.placement_timeout]
        for run in late:
            reason = self.unplaceable(run)
            if reason:
                self.ray_pool.forget(run.id)
                self._publish(run, {"type": "status", "status": "failed", "message": (
                    f"the Ray cluster could not place this run within "
                    f"{self.placement_timeout:g} s (CNNPG_RAY_PLACEMENT_TIMEOUT): {reason}")})

    def unplaceable(self, run: Run) -> str:
        """Why `run` cannot be placed ("" when it only waits its turn for a busy actor)."""
        pool = self.ray_pool
        with pool.lock:
            own = pool.slots.get(f"run-{run.id}")
            if own is not None and own.state == "starting":
                return (f"no Ray node has {own.gpus:g} of a GPU free for it (it needs about "
                        f"{human_bytes(run.estimate_bytes)}; a warm actor holds "
                        f"{pool.share:g} of a GPU)")
            if any(s.state in ("ready", "busy", "taken") for s in pool.slots.values()):
                return ""
            if pool.broken or not pool.connected:
                return pool.broken or "the server is still connecting to the Ray cluster"
        gpu = f" and {pool.share:g} of a GPU" if pool.share else ""
        free = cluster.resources_text(cluster.resources(), cluster.resources(free=True))
        return f"no Ray node has a free CPU{gpu} for a warm actor ({free})"
