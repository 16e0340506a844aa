"""Part 1 of bench/training.py: whole runs, bare and ours alternated, each epoch a window."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch

from bench.harness import median
from bench.kernels import table
from bench.training_bare import bare_run
from bench.training_client import DATASET, PRESET, Watched, timed_windows, watch_run
from bench.training_pairs import cpu_note
from bench.training_timing import (
    RATIO_FLOOR,
    RATIO_TARGET,
    CpuMeter,
    Window,
    port_of,
    verdict_ratio,
)
from server.nn.spec import NetworkSpec
from server.training.data import Prepared
from server.training.spec import TrainingConfig


@dataclass
class Round:
    order: list[str]
    bare: list[Window]
    ours: list[Window]
    to_running_s: float  # POST -> status running (worker spawned, imports, data prepared)
    startup_s: float  # POST -> first step event
    after_s: float  # last step event -> final status (validation, test, save)
    events: dict[str, int]
    text_bytes: int
    binary_frames: int
    binary_bytes: int
    dropped: int
    run_seconds: float  # first step event -> final status

    @property
    def ratio(self) -> float:
        return median([e.rate for e in self.ours]) / median([e.rate for e in self.bare])

    @property
    def cpu_ratio(self) -> float | None:
        ours = [r for r in (e.cpu_rate() for e in self.ours) if r]
        bare = [r for r in (e.cpu_rate() for e in self.bare) if r]
        return median(ours) / median(bare) if ours and bare else None


def whole_runs(base: str, spec: NetworkSpec, data: Prepared, config: TrainingConfig,
               device: torch.device, rounds: int) -> list[Round]:
    n, bs = len(data.train_y), config.batch_size
    out = []
    for r in range(rounds):
        order = ["bare", "ours"] if r % 2 == 0 else ["ours", "bare"]
        bare: list[Window] = []
        watched: Watched | None = None
        for side in order:
            if side == "bare":
                bare = bare_run(spec, data, config, device)
            else:
                watched = watch_run(base, config, CpuMeter(port_of(base)))
        assert watched is not None
        if watched.status != "finished":
            raise RuntimeError(f"run {watched.run_id} ended {watched.status}: "
                               f"{watched.message}")
        ours = timed_windows(watched.steps, n, bs)
        if len(ours) != config.epochs:
            raise RuntimeError(f"timed {len(ours)} of {config.epochs} epochs of "
                               f"{watched.run_id}")
        assert watched.first_step_at is not None
        assert watched.running_at is not None
        result = Round(order, bare, ours, watched.running_at - watched.posted,
                       watched.first_step_at - watched.posted,
                       watched.ended_at - watched.steps[-1].at, dict(watched.events),
                       watched.text_bytes, watched.binary_frames, watched.binary_bytes,
                       watched.dropped, watched.ended_at - watched.first_step_at)
        print(f"  round {r + 1}/{rounds} ({' then '.join(order)}): bare "
              f"{median([e.rate for e in bare]):.0f} img/s, ours "
              f"{median([e.rate for e in ours]):.0f} img/s, ratio {result.ratio:.3f}",
              flush=True)
        out.append(result)
    return out


def summarize_rounds(rounds: list[Round]) -> dict[str, Any]:
    bare = [e.rate for r in rounds for e in r.bare]
    ours = [e.rate for r in rounds for e in r.ours]
    reported = [e.reported for r in rounds for e in r.ours if e.reported is not None]
    ratio = median(ours) / median(bare)
    return {"bare_img_s": median(bare), "bare_min": min(bare), "bare_max": max(bare),
            "ours_img_s": median(ours), "ours_min": min(ours), "ours_max": max(ours),
            "ours_reported_img_s": median(reported), "ratio": ratio,
            "reported_ratio": median(reported) / median(bare),
            "round_ratios": [r.ratio for r in rounds], "verdict": verdict_ratio(ratio),
            "cpu_ratios": [r.cpu_ratio for r in rounds],
            "to_running_s": median([r.to_running_s for r in rounds]),
            "startup_s": median([r.startup_s for r in rounds]),
            "after_s": median([r.after_s for r in rounds])}


def print_rounds(rounds: list[Round], s: dict[str, Any], config: TrainingConfig,
                 n: int, threads: int) -> None:
    print(f"\n1. Whole runs, {PRESET} on the built-in {DATASET} ({n} training images), "
          f"{config.epochs} epoch(s) per run, {len(rounds)} rounds alternated; images/s per "
          "epoch, from the end of its first batch to the end of its last")
    rows = [[str(i + 1), " then ".join(r.order), " ".join(f"{e.rate:.0f}" for e in r.bare),
             " ".join(f"{e.rate:.0f}" for e in r.ours),
             " ".join(f"{e.reported:.0f}" for e in r.ours if e.reported is not None),
             f"{r.ratio:.3f}", "-" if r.cpu_ratio is None else f"{r.cpu_ratio:.3f}",
             f"{r.to_running_s:.1f}", f"{r.startup_s:.1f}", f"{r.after_s:.1f}"]
            for i, r in enumerate(rounds)]
    print(table(["round", "order", "bare img/s", "ours img/s", "ours samples_per_s",
                 "ours/bare", "ours/bare (CPU)", "to running s", "to 1st step s",
                 "after last step s"], rows))
    print(f"median over epochs: bare {s['bare_img_s']:.0f} img/s ({s['bare_min']:.0f}-"
          f"{s['bare_max']:.0f}), ours {s['ours_img_s']:.0f} img/s ({s['ours_min']:.0f}-"
          f"{s['ours_max']:.0f}; its own samples_per_s {s['ours_reported_img_s']:.0f})")
    print(f"ratio ours/bare {s['ratio']:.3f} (rounds {min(s['round_ratios']):.3f}-"
          f"{max(s['round_ratios']):.3f}; with samples_per_s {s['reported_ratio']:.3f}); "
          f"target >= {RATIO_TARGET}, never below {RATIO_FLOOR}: {s['verdict']}")
    cpu = [r for r in s["cpu_ratios"] if r is not None]
    if cpu:
        print(f"training thread's images per CPU-second, ours/bare: median {median(cpu):.3f} "
              f"({min(cpu):.3f}-{max(cpu):.3f})")
        cpu_note(threads)
    first = rounds[0]
    print(f"stream seen by the client (round 1, {first.run_seconds:.1f} s from the first step "
          "to the end): " + ", ".join(f"{k} {v}" for k, v in sorted(first.events.items()))
          + f"; {first.text_bytes / 1024:.0f} KiB of JSON, {first.binary_frames} binary "
          f"frames ({first.binary_bytes / 1024:.0f} KiB), dropped {first.dropped}")
    print(f"start-up, not in the throughput (medians): POST -> status running "
          f"{s['to_running_s']:.1f} s (spawn, imports, data), POST -> first step "
          f"{s['startup_s']:.1f} s; after the last step: validation, test, save "
          f"{s['after_s']:.1f} s")

