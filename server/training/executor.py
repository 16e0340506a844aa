"""The executor Protocol: everything outside `server/training/` talks to runs through it.

The local warm pool (`executors/local.py`) implements it; a cluster executor implements the
same methods, so routes, the hub and the classroom never change when runs move elsewhere.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from server.nn.spec import NetworkSpec
from server.training.runs import Run
from server.training.spec import RunRequest


@dataclass
class ExecutorConfig:
    max_concurrent: int  # runs training at once (admission by memory may allow fewer)
    step_interval: float
    probe_interval: float
    threads: int  # torch threads per run; 0: share the cores fairly (a GPU run takes 1)
    paths: dict[str, str]  # models_dir, presets_dir, datasets_dir, decoded_dir (picklable)
    session_active: int = 0  # runs one session may train at once (0: no limit)
    session_queued: int = 1_000_000  # runs one session may have waiting beyond those
    warm_workers: int = 1  # worker processes kept warm (torch imported, one step taken)
    cores: int = 1  # CPU cores the runs share
    memory_bytes: int = 0  # host memory runs may use (0: not checked)
    headroom: float = 0.8  # fraction of the device's memory admission hands out
    warmup_preset: str = "lenet-mnist"  # the network a worker takes one real step with
    history_bytes: int = 0  # a run's replay history budget (0: none kept)


@dataclass
class PoolState:
    """What `GET /api/health` and the benchmarks show of the warm pool."""

    size: int
    ready: int
    busy: int
    starting: int
    replaced: int  # workers that died (or were killed) and were started again
    device: str | None
    device_total_bytes: int | None
    max_concurrent: int = 0  # runs that may train at once
    broken: str = ""  # why no worker can start (after repeated start failures)
    workers: list[dict[str, Any]] = field(default_factory=list)


class Executor(Protocol):
    """Runs: submit, look up, command, stream, and the engine's state."""

    def submit(self, request: RunRequest, spec: NetworkSpec, network_name: str,
               owner: str = "", estimate_bytes: int = 0) -> Run:
        """Queue a run; `spec` is request.network parsed at the edge (never parsed again)."""

    def get(self, run_id: str) -> Run: ...

    def snapshot(self, run_id: str, viewer: str | None = None) -> tuple[
        dict[str, Any], list[dict[str, Any]]]: ...

    def list(self, owner: str | None = None) -> list[Run]:
        """Every run this executor knows, or (owner) one session's."""

    def command(self, run_id: str, op: str, value: float | None = None) -> Run: ...

    def probe(self, run_id: str, command: dict[str, Any]) -> None: ...

    def checkpoint(self, run_id: str, owner: str, name: str, timeout: float = 30.0,
                   point: int | None = None) -> dict[str, Any]: ...

    def prioritize(self, run_id: str) -> None:
        """Put a queued run first in line (a room teacher's broadcast run)."""

    def admit(self, estimate_bytes: int, device: str) -> None:
        """Raise InvalidInput when a run of this size can never fit the device."""

    def queue_position(self, run_id: str) -> dict[str, Any] | None:
        """{position, wait_s, reason} for a queued run, None once it left the queue."""

    def pool_state(self) -> PoolState: ...

    def prune(self, before: float) -> Sequence[Run]:
        """Forget final runs that ended before `before` (a time.time()); returns them."""

    def forget_owner(self, owner: str) -> int:
        """Stop and forget every run of a session (its data was deleted); returns how many.
        A run still training saves no model: one it saves while stopping is discarded."""

    def shutdown(self) -> None: ...
