"""What keeping a run's replay history costs: the same LeNet-5 run on MNIST (the same seed,
the same frames every probe_interval) with the replay history on (the default budget) and
off, alternated over rounds; the ratio of their training images per second.

    .venv/bin/python bench/replay_cost.py            # about a minute: 3 rounds
    .venv/bin/python bench/replay_cost.py --rounds 5
"""

from __future__ import annotations

import argparse
import queue
import statistics
import time
from typing import Any

import torch

from server.config import Settings
from server.datasets.registry import DatasetRegistry
from server.nn.presets import Presets
from server.training.control import QueueControl
from server.training.open_session import build_session
from server.training.session import Session
from server.training.spec import RunRequest, TrainingConfig


def one_run(history_bytes: int, epochs: int) -> dict[str, Any]:
    settings = Settings()
    datasets = DatasetRegistry(settings.datasets_dir)
    request = RunRequest(network={"preset": "lenet5"}, dataset="mnist", training=TrainingConfig(
        epochs=epochs, batch_size=64, learning_rate=0.001, seed=0, max_train_samples=6000))
    session = build_session(request, Presets(settings.presets_dir), datasets)
    assert isinstance(session, Session)
    events: list[dict[str, Any]] = []
    trainer = session.trainer(events.append, QueueControl(queue.Queue()),
                              torch.device("cpu"), 0.25, 1.0, history_bytes)
    started = time.perf_counter()
    trainer.run()
    seconds = time.perf_counter() - started
    images = trainer.steps_per_epoch * request.training.batch_size * epochs
    history = getattr(trainer.watcher, "history", None)
    kept = len(history.points) if history is not None else 0
    saved = sum(len(v) for v in history.files().values()) if history is not None else 0
    return {"seconds": seconds, "images_per_s": images / seconds, "points": kept,
            "bytes": saved}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=2)
    args = parser.parse_args()
    budget = Settings().run_history_bytes
    on: list[dict[str, Any]] = []
    off: list[dict[str, Any]] = []
    for round_ in range(args.rounds):
        for label, bytes_, into in (("on", budget, on), ("off", 0, off)):
            result = one_run(bytes_, args.epochs)
            into.append(result)
            print(f"round {round_ + 1} history {label}: {result['images_per_s']:.0f} img/s, "
                  f"{result['points']} points, {result['bytes'] / 1024:.0f} KiB kept")
    ratio = statistics.median(a["images_per_s"] / b["images_per_s"] for a, b in zip(
        on, off, strict=True))
    print(f"history on / off, images/s (median of {args.rounds} rounds): {ratio:.3f}")


if __name__ == "__main__":
    main()
