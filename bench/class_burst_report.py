"""bench/class_burst.py's arithmetic: the bare reference loop and the per-N summary."""

from __future__ import annotations

import time
from typing import Any

import numpy as np
import torch

from server.config import Settings
from server.datasets.registry import DatasetRegistry
from server.nn.presets import Presets
from server.training.data import prepare


def bare_rate(device: str, epochs: int, batch: int) -> dict[str, float]:
    """One plain loop of the same network and data (a run's 0.1 validation split), at
    torch's default thread count, as a plain script runs it: images per second."""
    from bench.training_bare import BareLoop
    from server.training.spec import TrainingConfig

    settings = Settings()
    datasets = DatasetRegistry(settings.datasets_dir)
    spec = Presets(settings.presets_dir).get("lenet-mnist").spec
    images, labels = datasets.load("mnist", "train")
    config = TrainingConfig(batch_size=batch, epochs=epochs)
    data = prepare(images, labels, datasets.info("mnist").preprocessing, spec,
                   config.validation_split, config.seed)
    loop = BareLoop(spec, data, config, torch.device(device))
    loop.step()  # the first step pays for lazy initialisation, as a warm worker already has
    if device == "cuda":
        torch.cuda.synchronize()
    started = time.perf_counter()
    trained = sum(loop.step() for _ in range(loop.steps_per_epoch * epochs))
    if device == "cuda":
        torch.cuda.synchronize()
    seconds = time.perf_counter() - started
    return {"img_s": trained / seconds, "seconds": seconds, "images": trained}


def summarize(n: int, results: list[dict[str, Any]], epochs: int) -> dict[str, Any]:
    first = [r["first_step"] - r["post"] for r in results if "first_step" in r]
    done = [r["end"] - r["post"] for r in results if "end" in r]
    statuses = [r.get("status") for r in results]
    images = 0
    for r in results:
        run = r.get("run", {})
        steps = run.get("step", 0)
        images += steps * run.get("training", {}).get("batch_size", 0)
    span = max(r["end"] for r in results) - min(r["post"] for r in results)
    return {"students": n, "finished": statuses.count("finished"),
            "first_step_p50": float(np.percentile(first, 50)) if first else None,
            "first_step_p95": float(np.percentile(first, 95)) if first else None,
            "first_step_max": max(first) if first else None,
            "finished_max": max(done) if done else None,
            "aggregate_img_s": images / span if span > 0 else 0.0,
            "threads": sorted({r.get("run", {}).get("threads") for r in results} - {None}),
            "epochs": epochs}


def print_row(row: dict[str, Any]) -> None:
    print(f"N={row['students']:>3}: finished {row['finished']}/{row['students']}; POST -> "
          f"first step p50 {row['first_step_p50']:.2f} s, p95 {row['first_step_p95']:.2f} s, "
          f"max {row['first_step_max']:.2f} s; all finished after {row['finished_max']:.1f} s;"
          f" aggregate {row['aggregate_img_s']:.0f} img/s = {row['ratio']:.2f} x the bare "
          f"loop ({row['bare_img_s']:.0f} img/s)")
