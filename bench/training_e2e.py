"""Part 3 of bench/training.py: one run end to end on a fresh server."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from bench.harness import running_server
from bench.kernels import table
from bench.training_client import PRESET, watch_run
from server.store.manifest import Manifest
from server.training.spec import TrainingConfig

ACCURACY_TARGET, E2E_TARGET_S, E2E_EPOCHS = 0.97, 60.0, 3


def end_to_end(env: dict[str, str], models_dir: Path, config: TrainingConfig) -> dict[str, Any]:
    launched = time.perf_counter()
    with running_server(env=env) as base:
        server_s = time.perf_counter() - launched
        watched = watch_run(base, config)
    if watched.status != "finished" or watched.model_id is None:
        raise RuntimeError(f"the end-to-end run ended {watched.status}: {watched.message}")
    manifest = Manifest.model_validate_json(
        (models_dir / watched.model_id / "manifest.json").read_bytes())
    metrics = manifest.metrics or {}
    assert watched.first_step_at is not None
    return {"epochs": config.epochs, "test_accuracy": float(metrics["test_accuracy"]),
            "val_accuracy": metrics.get("val_accuracy"), "model_id": watched.model_id,
            "server_start_s": server_s, "post_to_end_s": watched.ended_at - watched.posted,
            "total_s": watched.ended_at - launched,
            "startup_s": watched.first_step_at - watched.posted,
            "training_s": watched.steps[-1].at - watched.first_step_at,
            "after_s": watched.ended_at - watched.steps[-1].at}


def print_end_to_end(e2e: dict[str, Any], judged: bool) -> None:
    print(f"\n3. End to end: {PRESET}, {e2e['epochs']} epoch(s), default settings, one "
          "websocket client, fresh server")

    def verdict(ok: bool, text: str) -> str:
        return f"{'met' if ok else 'MISSED'} ({text})" if judged else "- (quick: not judged)"

    limit = f"< {E2E_TARGET_S:.0f} s"
    rows = [["test accuracy (manifest)", f"{e2e['test_accuracy']:.4f}",
             verdict(e2e["test_accuracy"] >= ACCURACY_TARGET, f">= {ACCURACY_TARGET}")],
            ["server launch -> /api/health", f"{e2e['server_start_s']:.1f} s", ""],
            ["POST -> first step (start-up)", f"{e2e['startup_s']:.1f} s", ""],
            ["first step -> last step", f"{e2e['training_s']:.1f} s", ""],
            ["last step -> finished (validation, test, save)", f"{e2e['after_s']:.1f} s", ""],
            ["POST -> finished", f"{e2e['post_to_end_s']:.1f} s",
             verdict(e2e["post_to_end_s"] < E2E_TARGET_S, limit)],
            ["server launch -> finished", f"{e2e['total_s']:.1f} s",
             verdict(e2e["total_s"] < E2E_TARGET_S, limit)]]
    print(table(["", "value", "target"], rows))

