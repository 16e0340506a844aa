"""The training loop on real MNIST digits: it learns, obeys commands and fails clearly."""

from __future__ import annotations

import queue
from typing import Any

import numpy as np
import pytest
import torch

from server.config import Settings
from server.datasets.registry import DatasetRegistry
from server.nn.build import build_model
from server.nn.spec import NetworkSpec
from server.training.control import QueueControl
from server.training.data import Prepared, prepare
from server.training.loop import Trainer, TrainingFailed
from server.training.spec import TrainingConfig

REGISTRY = DatasetRegistry(Settings().datasets_dir)
TINY = NetworkSpec.model_validate({
    "input": {"channels": 1, "height": 28, "width": 28},
    "layers": [{"type": "conv2d", "filters": 4, "kernel_size": 5, "stride": 2,
                "padding": "same", "activation": "relu"},
               {"type": "max_pool2d", "pool_size": 2}, {"type": "flatten"},
               {"type": "dense", "units": 10, "activation": "softmax"}]})


def mnist(n: int, config: TrainingConfig) -> Prepared:
    images, labels = REGISTRY.load("mnist", "train")
    pick = np.random.default_rng(0).permutation(len(labels))[:n]
    pre = REGISTRY.info("mnist").preprocessing
    return prepare(images[pick], labels[pick], pre, TINY, config.validation_split, config.seed)


def trainer(config: TrainingConfig, n: int = 1200) -> tuple[Trainer, list[dict[str, Any]],
                                                          queue.Queue[dict[str, Any]]]:
    torch.manual_seed(config.seed)
    events: list[dict[str, Any]] = []
    commands: queue.Queue[dict[str, Any]] = queue.Queue()
    classes = list(REGISTRY.info("mnist").classes)
    t = Trainer(build_model(TINY), mnist(n, config), config, classes, events.append,
                QueueControl(commands), torch.device("cpu"), step_interval=0.0)
    return t, events, commands


def test_it_learns_and_reports_epochs() -> None:
    config = TrainingConfig(epochs=2, batch_size=32, learning_rate=0.01, validation_split=0.25)
    t, events, _ = trainer(config)
    assert t.run() == "finished"
    epochs = [e for e in events if e["type"] == "epoch"]
    assert [e["epoch"] for e in epochs] == [1, 2]
    assert epochs[-1]["val_accuracy"] > 0.75  # chance is 0.10
    matrix = np.array(epochs[-1]["confusion_matrix"])
    assert matrix.sum() == 300  # 25% of 1200 held out
    assert np.trace(matrix) / 300 == pytest.approx(epochs[-1]["val_accuracy"], abs=1e-6)
    for row, stats in zip(matrix, epochs[-1]["per_class"], strict=True):
        assert stats["support"] == row.sum()
    steps = [e for e in events if e["type"] == "step"]
    assert [s["step"] for s in steps] == list(range(1, len(steps) + 1))
    assert steps[-1]["loss"] < steps[0]["loss"]


def test_same_seed_same_run() -> None:
    config = TrainingConfig(epochs=1, batch_size=64, seed=7)
    losses = []
    for _ in range(2):
        t, events, _ = trainer(config, n=400)
        t.run()
        losses.append([e["loss"] for e in events if e["type"] == "step"])
    assert losses[0] == losses[1]


def test_absurd_learning_rate_fails_with_a_reason() -> None:
    config = TrainingConfig(epochs=1, optimizer="sgd", learning_rate=10.0, batch_size=16)
    t, _, _ = trainer(config, n=600)
    with torch.no_grad():  # make the explosion certain, not luck
        for p in t.model.parameters():
            p.mul_(50)
    with pytest.raises(TrainingFailed, match=r"learning rate 10 is probably too high"):
        t.run()


def test_stop_pause_step_and_learning_rate_commands() -> None:
    config = TrainingConfig(epochs=3, batch_size=16)
    t, events, commands = trainer(config, n=400)
    commands.put({"op": "set_lr", "value": 0.5})
    commands.put({"op": "pause"})
    commands.put({"op": "step"})
    commands.put({"op": "step"})
    commands.put({"op": "stop"})
    assert t.run() == "stopped"
    assert t.state.step == 2  # exactly the two single steps ran while paused
    assert t.optimizer.param_groups[0]["lr"] == 0.5
    kinds = [e["type"] for e in events]
    assert "lr" in kinds
    assert {"type": "status", "status": "paused", "message": "", "step": 0, "epoch": 1} in events


def test_validation_split_is_seeded_and_disjoint() -> None:
    config = TrainingConfig(validation_split=0.2, seed=3)
    a, b = mnist(500, config), mnist(500, config)
    assert torch.equal(a.val_y, b.val_y)
    assert len(a.val_y) == 100
    assert len(a.train_y) == 400
