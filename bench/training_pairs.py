"""Part 2 of bench/training.py: one run and one bare loop take turns in the same run."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch

from bench.harness import median
from bench.kernels import table
from bench.training_bare import BareLoop
from bench.training_client import RunClient, timed_windows
from bench.training_timing import (
    RATIO_FLOOR,
    RATIO_TARGET,
    CpuMeter,
    Window,
    merge,
    port_of,
    verdict_ratio,
)
from server.nn.spec import NetworkSpec
from server.training.data import Prepared
from server.training.spec import TrainingConfig


@dataclass
class Pair:
    order: list[str]
    bare: Window
    ours: Window

    @property
    def ratio(self) -> float:
        return self.ours.rate / self.bare.rate

    @property
    def cpu_ratio(self) -> float | None:
        ours, bare = self.ours.cpu_rate(), self.bare.cpu_rate()
        return ours / bare if ours and bare else None


def ours_segment(client: RunClient, seconds: float, n: int, batch: int) -> Window:
    """Resume, read everything for about `seconds` of training, pause: the windows between
    the segment's first and last step events (split at epoch ends)."""
    steps = client.watched.steps
    first = len(steps)
    client.command("resume")
    while len(steps) <= first or steps[-1].at - steps[first].at < seconds:
        client.read_one()
    client.command("pause")
    client.read_until_status("paused")  # step events that arrive meanwhile count too
    return merge(timed_windows(steps[first:], n, batch))


def interleaved(base: str, spec: NetworkSpec, data: Prepared, config: TrainingConfig,
                device: torch.device, pairs: int, seconds: float) -> list[Pair]:
    """One run and one bare loop take turns: the run is paused while the bare loop trains
    (a paused worker waits in a 0.2 s poll) and the bare loop idles while the run trains."""
    n, bs = len(data.train_y), config.batch_size
    bare = BareLoop(spec, data, config, device)
    meter = CpuMeter(port_of(base))
    out = []
    with RunClient(base, config.model_copy(update={"epochs": 500}), meter) as client:
        watched = client.watched
        while watched.first_step_at is None or watched.steps[-1].at - watched.first_step_at < 1:
            client.read_one()  # warm-up, not timed
        meter.attach_worker()
        client.command("pause")
        client.read_until_status("paused")
        bare.run_for(1.0)  # warm-up, not timed
        for k in range(pairs):
            order = ["bare", "ours"] if k % 2 == 0 else ["ours", "bare"]
            timed: dict[str, Window] = {}
            for side in order:
                timed[side] = (bare.run_for(seconds) if side == "bare" else
                               ours_segment(client, seconds, n, bs))
            out.append(Pair(order, timed["bare"], timed["ours"]))
        client.command("stop")
        client.read_to_end()
    return out


def summarize_pairs(pairs: list[Pair], seconds: float) -> dict[str, Any]:
    ratios = [p.ratio for p in pairs]
    ours, bare = merge([p.ours for p in pairs]), merge([p.bare for p in pairs])
    summary: dict[str, Any] = {
        "pairs": len(pairs), "segment_s": seconds, "ratio_median": median(ratios),
        "ratio_min": min(ratios), "ratio_max": max(ratios),
        "ratio_pooled": ours.rate / bare.rate, "bare_img_s": median([p.bare.rate for p in pairs]),
        "ours_img_s": median([p.ours.rate for p in pairs]),
        "verdict": verdict_ratio(median(ratios))}
    cpu_ratios = [r for r in (p.cpu_ratio for p in pairs) if r is not None]
    if cpu_ratios and "train" in ours.cpu and "train" in bare.cpu:
        per_k = {part: used / ours.images * 1000 for part, used in ours.cpu.items()}
        summary.update({
            "cpu_ratio_median": median(cpu_ratios), "cpu_ratio_min": min(cpu_ratios),
            "cpu_ratio_max": max(cpu_ratios),
            "bare_train_ms_per_1000": bare.cpu["train"] / bare.images * 1000 * 1000,
            "ours_ms_per_1000": {
                "training thread": per_k["train"] * 1000,
                "worker's other threads": (per_k["worker"] - per_k["train"]) * 1000,
                "server": per_k["server"] * 1000, "client": per_k["client"] * 1000}})
    return summary


def cpu_note(threads: int) -> None:
    if threads > 1:
        print(f"(torch runs {threads} threads here: the CPU columns count the main thread "
              "only, on both sides, and the others land in the worker's other threads)")


def print_pairs(pairs: list[Pair], s: dict[str, Any], threads: int) -> None:
    print(f"\n2. Interleaved in one run: {len(pairs)} pairs of ~{s['segment_s']:g} s segments, "
          "the run paused while the bare loop trains and the other way round")
    rows = []
    for i, p in enumerate(pairs):
        cpu_b, cpu_o, cpu_r = p.bare.cpu_rate(), p.ours.cpu_rate(), p.cpu_ratio
        rows.append([str(i + 1), " then ".join(p.order), f"{p.bare.rate:.0f}",
                     f"{p.ours.rate:.0f}", f"{p.ratio:.3f}",
                     f"{cpu_b:.0f}" if cpu_b else "-", f"{cpu_o:.0f}" if cpu_o else "-",
                     f"{cpu_r:.3f}" if cpu_r else "-"])
    print(table(["pair", "order", "bare img/s", "ours img/s", "ours/bare",
                 "bare img/CPU-s", "ours img/CPU-s", "ours/bare (CPU)"], rows))
    print(f"ratio ours/bare (wall): median of pairs {s['ratio_median']:.3f} "
          f"({s['ratio_min']:.3f}-{s['ratio_max']:.3f}), pooled {s['ratio_pooled']:.3f}; "
          f"target >= {RATIO_TARGET}, never below {RATIO_FLOOR}: {s['verdict']}")
    if "cpu_ratio_median" in s:
        print(f"training thread's images per CPU-second, ours/bare: median "
              f"{s['cpu_ratio_median']:.3f} ({s['cpu_ratio_min']:.3f}-{s['cpu_ratio_max']:.3f})")
        parts = ", ".join(f"{k} {v:.0f}" for k, v in s["ours_ms_per_1000"].items())
        print(f"CPU ms per 1000 images: bare training thread {s['bare_train_ms_per_1000']:.0f}; "
              f"ours: {parts}")
        cpu_note(threads)

