"""A short training run on CUDA. Collected only where a GPU is present (tests/conftest.py
deselects `gpu` tests on CPU-only machines such as CI); run with `make test-gpu`."""

from __future__ import annotations

import queue
from typing import Any

import pytest
import torch

from server.config import Settings
from server.datasets.registry import DatasetRegistry
from server.nn.presets import Presets
from server.training.control import QueueControl
from server.training.session import Session
from server.training.spec import RunRequest, TrainingConfig

pytestmark = pytest.mark.gpu


def test_short_training_run_on_cuda() -> None:
    settings = Settings()
    request = RunRequest(network={"preset": "lenet-mnist"}, dataset="mnist",
                         training=TrainingConfig(epochs=1, device="cuda", batch_size=64))
    datasets = DatasetRegistry(settings.datasets_dir)
    session = Session.build(request, Presets(settings.presets_dir), datasets)
    events: list[dict[str, Any]] = []
    trainer = session.trainer(events.append, QueueControl(queue.Queue()),
                              torch.device("cuda"), probe_interval=0.5)
    assert trainer.run() == "finished"
    assert {e["device"] for e in events if e["type"] == "step"} == {"cuda"}
    assert next(p for p in trainer.model.parameters()).is_cuda
    assert session.test_accuracy(trainer, datasets) > 0.9
    assert any(e["type"] == "activations" for e in events)
