"""Training a YOLO-style detector outside a run (the benchmark, tests): the same
DetectionTrainer the runs API uses, with a time budget, reporting each epoch's mAP@0.5."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import torch

from server.detection.scenes import Scenes
from server.detection.scoring import label_grids, score
from server.detection.yolo import Grid
from server.nn.build import Network
from server.training.detection_trainer import DetectionTrainer
from server.training.spec import TrainingConfig

__all__ = ["Epoch", "History", "label_grids", "score", "train_detector"]


@dataclass
class Epoch:
    epoch: int
    loss: float
    map50: float
    per_class: dict[int, float]
    seconds: float  # since training started


@dataclass
class History:
    epochs: list[Epoch] = field(default_factory=list)


class Budget:
    """The loop's control: no commands, until the time budget says stop."""

    def __init__(self) -> None:
        self.stop = False

    def poll(self) -> list[dict[str, Any]]:
        return [{"op": "stop"}] if self.stop else []

    def wait(self, timeout: float) -> list[dict[str, Any]]:
        return self.poll()


def train_detector(model: Network, grid: Grid, train: Scenes, test: Scenes, *,
                   epochs: int, batch_size: int = 64, learning_rate: float = 3e-3,
                   seconds: float | None = None, seed: int = 0,
                   on_epoch: Callable[[Epoch], None] | None = None) -> History:
    """Adam on the YOLO loss, one-cycle learning rate; scored on `test` after each epoch.
    With `seconds`, no epoch starts that would, at the pace so far, end past it."""
    config = TrainingConfig(optimizer="adam", learning_rate=learning_rate,
                            batch_size=batch_size, epochs=epochs, seed=seed)
    history, budget, losses = History(), Budget(), [0.0, 0]
    started = time.perf_counter()

    def emit(event: dict[str, Any]) -> None:
        if event["type"] == "step":  # the running mean of the epoch so far
            losses[:] = [event["loss"], event["epoch_step"]]
        if event["type"] != "epoch":
            return
        done = Epoch(event["epoch"], float(losses[0]), event["map50"],
                     {c: ap for c, ap in enumerate(event["ap_per_class"]) if ap is not None},
                     time.perf_counter() - started)
        history.epochs.append(done)
        if on_epoch is not None:
            on_epoch(done)
        pace = done.seconds / done.epoch
        budget.stop = seconds is not None and done.seconds + pace > seconds

    device = next(model.parameters()).device
    trainer = DetectionTrainer(model, grid, (train, test), config, emit, budget,
                               torch.device(device), probe_interval=None)
    trainer.run()
    return history
