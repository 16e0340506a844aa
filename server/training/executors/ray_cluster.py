"""The Ray side of the Ray pool: its slots (an actor handle where the local pool holds a
process), connecting to the cluster, sizing the pool from its resources, the GPU share a
run needs, and what a dead actor's error says. Ray is imported only when a pool connects
(the local executor never loads it)."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from server.training.executors.pool import Slot

MAX_CONCURRENCY = 16  # actor calls at once: the run, commands, and other replicas' claims
_connections = {"count": 0}  # pools of this process sharing one Ray driver
_connect_lock = threading.Lock()
RECHECK_S = 3.0  # how often a replica asks again for an actor another replica holds


@dataclass(eq=False)
class ActorSlot(Slot):
    name: str = ""
    node: str = ""
    pid: int | None = None
    gpus: float = 0.0
    fresh: str = ""  # the run this actor was made for (it leaves with the run)
    asked: float = field(default_factory=time.monotonic)  # last claim while taken


class ActorInbox:
    """The slot's `inbox` as the scheduler sees it: a run becomes a `train` call, any other
    command a `command` call on the actor."""

    def __init__(self, slot: ActorSlot, launch: Callable[[ActorSlot, dict[str, Any]], None]):
        self.slot, self.launch = slot, launch

    def put(self, command: dict[str, Any]) -> None:
        if command.get("op") == "run":
            self.launch(self.slot, command)
        elif command.get("op") != "shutdown":
            self.slot.process.command.remote(command)


def connect(address: str, namespace: str) -> None:
    """Join the cluster at `address` ("local": start an embedded one) as a driver in
    `namespace`; a second pool in the same process shares the connection."""
    import ray

    with _connect_lock:
        if not ray.is_initialized():
            options: dict[str, Any] = {"namespace": namespace, "log_to_driver": False,
                                       "configure_logging": False}
            if address == "local":  # always a new one (never one found in /tmp/ray)
                ray.init(address="local", include_dashboard=False, **options)
            else:
                ray.init(address=address, **options)
        _connections["count"] += 1


def disconnect() -> None:
    import ray

    with _connect_lock:
        _connections["count"] -= 1
        if _connections["count"] <= 0 and ray.is_initialized():
            ray.shutdown()


def resources(free: bool = False) -> dict[str, float]:
    """The cluster's resources (its free ones with free=True)."""
    import ray

    if free:
        return dict(ray.available_resources())  # type: ignore[no-untyped-call]
    return dict(ray.cluster_resources())  # type: ignore[no-untyped-call]


def pool_size(resources: dict[str, float], cap: int) -> int:
    """Warm actors for a cluster with `resources`: one CPU each, at most `cap`
    (CNNPG_WARM_WORKERS), at least one."""
    return max(1, min(cap, int(resources.get("CPU", 0))))


def warm_share(gpus: float, size: int) -> float:
    """The GPU fraction each warm actor holds: the cluster's GPUs split between the pool's
    actors, in hundredths, at most one whole GPU (0 on a cluster without GPUs)."""
    if gpus <= 0:
        return 0.0
    return min(1.0, math.floor(gpus / max(1, size) * 100) / 100) or 0.01


def share_for(estimate: int, gpu_bytes: int) -> float:
    """The GPU fraction a run of `estimate` bytes needs on a GPU of `gpu_bytes`, rounded up
    to hundredths (Ray's fractional GPUs are bookkeeping: this keeps runs placed on one GPU
    within its memory)."""
    if gpu_bytes <= 0:
        return 1.0
    return min(1.0, max(0.01, math.ceil(estimate / gpu_bytes * 100) / 100))


def devices(resources: dict[str, float]) -> int:
    """Devices runs spread over: the cluster's GPUs, or its nodes when it has none."""
    gpus = int(resources.get("GPU", 0))
    nodes = sum(1 for key in resources if key.startswith("node:") and "internal" not in key)
    return max(1, gpus or nodes)


def death(exc: BaseException) -> str:
    """The line of Ray's actor-died error that says why (killed, node lost, out of memory)."""
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    why = next((line for line in lines if "dead because" in line or ("node" in line.lower()
                and "died" in line.lower())), lines[-1] if lines else type(exc).__name__)
    return why.rstrip(".")


def resources_text(resources: dict[str, float], free: dict[str, float]) -> str:
    def one(key: str) -> str:
        return f"{free.get(key, 0):g} of {resources.get(key, 0):g} {key}s free"

    keys = ["CPU"] + (["GPU"] if resources.get("GPU") else [])
    return ", ".join(one(key) for key in keys)
