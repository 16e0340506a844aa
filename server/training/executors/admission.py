"""Admission and order: how much memory a run needs, whose run starts next, how long a
queued run will wait, and how many CPU threads each run gets. Pure functions, no locks."""

from __future__ import annotations

import heapq
import math
import os
from collections.abc import Sequence
from dataclasses import dataclass

from server.errors import InvalidInput, human_bytes
from server.nn.analysis import analyze
from server.nn.spec import NetworkSpec
from server.training.spec import TrainingConfig

BYTES = 4  # float32
# Optimizer state per parameter, in values (Adam keeps two moments, SGD with momentum one).
OPTIMIZER_STATE = {"sgd": 0, "sgd_momentum": 1, "adagrad": 1, "adadelta": 2, "rmsprop": 2,
                   "adam": 2, "adamw": 2}
# What a run costs beyond its tensors: the CUDA context and allocator slack on a GPU (cuDNN
# workspaces included), the interpreter's share on the CPU (the warm worker already exists).
FIXED = {"cuda": 300 * 2**20, "cpu": 64 * 2**20}


def estimate_bytes(spec: NetworkSpec, config: TrainingConfig, images: int,
                   device: str) -> int:
    """A run's peak memory on its device: weights, gradients and optimizer state; the
    activations of one batch kept for backward plus their gradients; the batch itself; and
    on the CPU the normalized float copy of the training images."""
    totals = analyze(spec).totals()
    stored, trainable = totals["total_params"], totals["trainable_params"]  # stored: + buffers
    per_sample = totals["activation_bytes_per_sample"]
    channels, height, width = spec.input.channels, spec.input.height, spec.input.width
    batch = min(config.batch_size, max(1, images))
    weights = BYTES * (stored + trainable * (1 + OPTIMIZER_STATE[config.optimizer]))
    activations = 2 * per_sample * batch + channels * height * width * BYTES * batch
    data = images * channels * height * width * BYTES if device == "cpu" else 0
    return int(weights + activations + data + FIXED.get(device, 0))


def refuse_if_never_fits(estimate: int, total: int | None, headroom: float,
                         device: str) -> None:
    """422 for a run that cannot fit even on an idle device."""
    if not total or estimate <= total * headroom:
        return
    raise InvalidInput(
        f"this run needs about {human_bytes(estimate)} of {device} memory, more than the "
        f"{human_bytes(int(total * headroom))} a run may take on this server "
        f"({human_bytes(total)} in all); use a smaller batch_size or a smaller network "
        "(fewer filters or units)", ["training", "batch_size"])


@dataclass(frozen=True)
class Waiting:
    """A queued run as the scheduler sees it."""

    run_id: str
    owner: str
    order: int  # submission order
    priority: bool = False  # a room teacher's broadcast run


def fair_order(waiting: Sequence[Waiting], served: dict[str, int]) -> list[Waiting]:
    """The order queued runs start in: priority runs first (in submission order), then
    round-robin between sessions, the session that has had the fewest runs started so far
    (`served`) first, so one session's queue never holds back a classmate's first run, and
    a place in line does not change when someone else's run ends."""
    ahead = sorted((w for w in waiting if w.priority), key=lambda w: w.order)
    rest = sorted((w for w in waiting if not w.priority), key=lambda w: w.order)
    load = dict(served)
    for run in ahead:
        load[run.owner] = load.get(run.owner, 0) + 1
    ordered = list(ahead)
    while rest:
        pick = min(rest, key=lambda w: (load.get(w.owner, 0), w.order))
        rest.remove(pick)
        load[pick.owner] = load.get(pick.owner, 0) + 1
        ordered.append(pick)
    return ordered


def wait_estimates(remaining: Sequence[float], slots: int, queued: int,
                   typical: float | None) -> list[float | None]:
    """Seconds until each of `queued` runs (in order) starts. A slot frees when a running
    run ends (`remaining` seconds each, inf when unknown); a run that starts holds its slot
    `typical` seconds (None: unknown). None where the wait cannot be told."""
    slots = max(1, slots)
    busy = sorted(remaining)[:slots]
    free = busy + [0.0] * (slots - len(busy))  # idle slots are free now
    heapq.heapify(free)
    out: list[float | None] = []
    for _ in range(queued):
        start = heapq.heappop(free)
        out.append(None if math.isinf(start) else start)
        heapq.heappush(free, start + (typical if typical is not None else math.inf))
    return out


def thread_share(cores: int, cpu_runs: int, fixed: int = 0) -> int:
    """torch threads for each of `cpu_runs` CPU runs: a lone run gets every core, N runs
    split them (at least one each). `fixed` (CNNPG_TRAIN_THREADS) overrides."""
    if fixed:
        return fixed
    return max(1, cores // max(1, cpu_runs))


def host_memory() -> int:
    """Bytes of memory on this machine (MemTotal), 0 when it cannot be read."""
    try:
        return int(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))
    except (ValueError, OSError, AttributeError):
        return 0
