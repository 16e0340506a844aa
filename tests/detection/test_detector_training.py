"""A short real training run of yolo-tiny-mnist on mnist-detect beats predicting nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import torch

from server.datasets.registry import DatasetRegistry
from server.detection import scene_cache
from server.detection.average_precision import ImageBoxes, mean_average_precision
from server.detection.detector import GRID, yolo_tiny
from server.training.detection_fit import Budget, score, train_detector
from server.training.detection_trainer import DetectionTrainer
from server.training.spec import TrainingConfig


def test_a_short_run_finds_held_out_digits_far_better_than_predicting_nothing(
        tmp_path: Path) -> None:
    registry = DatasetRegistry(tmp_path / "downloads")
    train = scene_cache.load_scenes(tmp_path, registry, "train", count=2000)
    test = scene_cache.load_scenes(tmp_path, registry, "test", count=200)
    torch.manual_seed(0)
    model = yolo_tiny(width=16)
    before, _ = score(model, GRID, test)
    history = train_detector(model, GRID, train, test, epochs=5, batch_size=32, seed=0)
    truths = [ImageBoxes(*test.targets(i)) for i in range(len(test))]
    nothing = [ImageBoxes(b[:0], c[:0], b[:0, 0]) for b, c in (test.targets(i)
                                                                 for i in range(len(test)))]
    baseline, _ = mean_average_precision(nothing, truths, GRID.classes)
    losses = [e.loss for e in history.epochs]
    after = history.epochs[-1].map50
    print(f"mAP@0.5 untrained {before:.3f}, after {len(losses)} epochs {after:.3f} "
          f"({history.epochs[-1].seconds:.0f} s); losses {losses}")
    assert baseline == 0.0
    assert losses[-1] < losses[0] / 2
    assert after > max(0.3, before + 0.25)


@pytest.mark.parametrize("optimizer", ["sgd", "sgd_momentum", "adagrad", "adadelta", "rmsprop",
                                       "adamw"])
def test_every_optimizer_trains_a_detector_under_the_one_cycle_schedule(
        optimizer: str, tmp_path: Path) -> None:
    registry = DatasetRegistry(tmp_path / "downloads")
    train = scene_cache.load_scenes(tmp_path, registry, "train", count=64)
    test = scene_cache.load_scenes(tmp_path, registry, "test", count=16)
    events: list[dict[str, Any]] = []
    config = TrainingConfig(optimizer=optimizer, learning_rate=0.01, batch_size=32, epochs=1)
    trainer = DetectionTrainer(yolo_tiny(width=4), GRID, (train, test), config, events.append,
                               Budget(), torch.device("cpu"), probe_interval=None)
    assert trainer.run() == "finished"
    assert [e["epoch"] for e in events if e["type"] == "epoch"] == [1]
