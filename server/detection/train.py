"""Training a YOLO-style detector on scenes, and scoring it by mAP@0.5 on held-out scenes."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn

from server.detection.average_precision import ImageBoxes, mean_average_precision
from server.detection.detector import detect_batch, normalise
from server.detection.scenes import Scenes
from server.detection.yolo import Grid, decode, encode, yolo_loss


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


def label_grids(grid: Grid, scenes: Scenes) -> torch.Tensor:
    return torch.stack([encode(grid, *scenes.targets(i)) for i in range(len(scenes))])


def score(model: nn.Module, grid: Grid, scenes: Scenes) -> tuple[float, dict[int, float]]:
    """mAP@0.5 of the model's detections (after NMS) on `scenes`."""
    found = detect_batch(model, grid, scenes.images)
    detections = [ImageBoxes(f.kept.boxes, f.kept.classes, f.kept.scores) for f in found]
    truths = [ImageBoxes(*scenes.targets(i)) for i in range(len(scenes))]
    return mean_average_precision(detections, truths, grid.classes)


def train_detector(model: nn.Module, grid: Grid, train: Scenes, test: Scenes, *,
                   epochs: int, batch_size: int = 64, learning_rate: float = 3e-3,
                   seconds: float | None = None, seed: int = 0,
                   on_epoch: Callable[[Epoch], None] | None = None) -> History:
    """Adam on the YOLO loss, one-cycle learning rate; scored on `test` after each epoch.
    With `seconds`, no epoch starts that would, at the last epoch's pace, end past it."""
    generator = torch.Generator().manual_seed(seed)
    inputs, labels = normalise(train.images), label_grids(grid, train)
    optimiser = torch.optim.Adam(model.parameters(), lr=learning_rate)
    steps = epochs * -(-len(train) // batch_size)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimiser, learning_rate, total_steps=steps)
    history, started = History(), time.perf_counter()
    for epoch in range(1, epochs + 1):
        model.train()
        losses = []
        for batch in torch.split(torch.randperm(len(train), generator=generator), batch_size):
            loss = yolo_loss(decode(grid, model(inputs[batch])), labels[batch])
            optimiser.zero_grad(set_to_none=True)
            torch.autograd.backward(loss)
            optimiser.step()
            schedule.step()
            losses.append(loss.item())
        map50, per_class = score(model, grid, test)
        done = Epoch(epoch, float(np.mean(losses)), map50, per_class,
                     time.perf_counter() - started)
        history.epochs.append(done)
        if on_epoch is not None:
            on_epoch(done)
        pace = done.seconds / epoch
        if seconds is not None and done.seconds + pace > seconds:
            break
    return history
