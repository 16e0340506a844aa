"""Timing for bench/training.py: windows of images over seconds (and CPU seconds), the
Linux /proc CPU meter of the server and its worker, and the ratio verdict."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

RATIO_TARGET, RATIO_FLOOR = 0.95, 0.90  # ours / bare images per second
Cpu = dict[str, float]  # CPU seconds used so far, by part ("train", "worker", ...)


@dataclass
class Window:
    """Images trained between two instants, the seconds between them, and (where read)
    the CPU seconds each part used in between."""

    images: int
    seconds: float
    reported: float | None = None  # ours: the last step event's samples_per_s
    cpu: Cpu = field(default_factory=dict)

    @property
    def rate(self) -> float:
        return self.images / self.seconds

    def cpu_rate(self, part: str = "train") -> float | None:
        used = self.cpu.get(part)
        return self.images / used if used else None


def merge(windows: Sequence[Window]) -> Window:
    cpu: Cpu = {}
    for w in windows:
        for k, v in w.cpu.items():
            cpu[k] = cpu.get(k, 0.0) + v
    return Window(sum(w.images for w in windows), sum(w.seconds for w in windows), None, cpu)


def images_through(step: int, batch: int, n: int) -> int:
    """Images trained after `step` batches of an epoch of n images."""
    return min(step * batch, n)


def sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def _schedstat_s(path: Path) -> float:
    """A task's time on a CPU, from /proc/.../schedstat (nanoseconds)."""
    return int(path.read_text().split()[0]) / 1e9


def process_cpu_s(pid: int) -> float:
    """CPU seconds of every thread of a process."""
    total = 0.0
    for task in Path(f"/proc/{pid}/task").iterdir():
        with contextlib.suppress(OSError, ValueError, IndexError):
            total += _schedstat_s(task / "schedstat")
    return total


def _matching(match: Any) -> list[tuple[int, int]]:
    """(start time, pid) of every process whose (cmdline, parent pid) matches."""
    found: list[tuple[int, int]] = []
    try:
        entries = list(Path("/proc").iterdir())
    except OSError:  # not Linux: no CPU figures
        return found
    for entry in entries:
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError, ValueError, IndexError):
            cmd = (entry / "cmdline").read_bytes().decode(errors="replace")
            stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            if match(cmd, int(stat[1])):
                found.append((int(stat[19]), int(entry.name)))
    return found


def find_process(match: Any) -> int | None:
    """The newest process whose (cmdline, parent pid) matches."""
    found = _matching(match)
    return max(found)[1] if found else None


def find_processes(match: Any) -> list[int]:
    """Every process whose (cmdline, parent pid) matches."""
    return [pid for _, pid in _matching(match)]


def thread_cpu_s(pid: int) -> float:
    """CPU seconds of a process's main thread (with 1 torch thread: where a worker trains)."""
    return _schedstat_s(Path(f"/proc/{pid}/task/{pid}/schedstat"))


class CpuMeter:
    """CPU seconds used so far by our processes, from Linux's /proc: the workers' main
    threads (where torch trains with the run's thread count), the workers as a whole, the
    server, and this process (the websocket client, while the bare loop idles). The server
    keeps a pool of warm workers and one of them trains the run; the idle ones wait on a
    queue and use next to nothing, so the figures add up every worker of the server."""

    def __init__(self, port: int):
        self.server = find_process(lambda cmd, ppid: "bench.harness" in cmd
                                   and f"--port\0{port}\0" in cmd + "\0")
        self.workers: list[int] = []

    def attach_worker(self) -> None:
        """The server's worker processes (spawned children)."""
        server = self.server
        self.workers = [] if server is None else find_processes(
            lambda cmd, ppid: ppid == server and "spawn_main" in cmd)

    @property
    def ready(self) -> bool:
        return self.server is not None and bool(self.workers)

    def sample(self) -> Cpu | None:
        if self.server is None or not self.workers:
            return None
        try:
            return {"train": sum(thread_cpu_s(pid) for pid in self.workers),
                    "worker": sum(process_cpu_s(pid) for pid in self.workers),
                    "server": process_cpu_s(self.server), "client": time.process_time()}
        except (OSError, ValueError, IndexError):
            return None


def port_of(base: str) -> int:
    return int(base.rsplit(":", 1)[1])


def cpu_delta(before: Cpu | None, after: Cpu | None) -> Cpu:
    if not before or not after:
        return {}
    return {k: after[k] - before[k] for k in after if k in before}



def verdict_ratio(ratio: float) -> str:
    if ratio >= RATIO_TARGET:
        return "met"
    return f"MISSED ({'above' if ratio >= RATIO_FLOOR else 'BELOW'} the {RATIO_FLOOR} floor)"
