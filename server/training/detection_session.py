"""A detection run: a network ending in a detection_head, trained on mnist-detect through the
runs API (the same queue, workers, commands and live stream as a classification run).

It answers the worker the way server/training/session.Session does (`trainer`,
`start_from`, `metrics`, `final_metrics`, `save`, `notes`), so the worker, the pool and the
Ray actors treat both alike.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

from server.datasets.info import Preprocessing
from server.datasets.registry import DatasetRegistry
from server.detection import own_scenes
from server.detection.scene_cache import load_scenes
from server.detection.scenes import SIZE, Scenes
from server.detection.yolo import Grid
from server.nn.build import build_model
from server.nn.spec import NetworkSpec
from server.store import ModelStore
from server.training.detection_checks import own_detection, validate_detection
from server.training.detection_trainer import DetectionTrainer
from server.training.events import Metrics
from server.training.loop import Control, Emit, Trainer
from server.training.notes import Note
from server.training.session import load_initial, run_manifest
from server.training.spec import RunRequest

# How a picture is made ready for the detector: MNIST's mean and spread, light ink on dark.
PREPROCESSING = Preprocessing(1, SIZE, SIZE, (0.1307,), (0.3081,), resize="fit_pad",
                              background="dark", content="photo")


def scored_note(count: int, title: str | None) -> Note:
    """How a detection run is scored: on mnist-detect's test scenes (title None) or on the
    held-out pictures of your dataset; typed for the page (notes_text.js)."""
    if title is None:
        return Note(f"scored after each epoch by mAP@0.5 on the {count} held-out test scenes "
                    "(digits training never saw); validation_split is not used",
                    "detection_scored_scenes", count=count)
    return Note(f"scored after each epoch by mAP@0.5 on the {count} held-out pictures of "
                f"{title!r} training never sees; validation_split is not used",
                "detection_scored_pictures", count=count, dataset=repr(title))


@dataclass
class DetectionSession:
    request: RunRequest
    spec: NetworkSpec
    network_name: str
    grid: Grid
    train: Scenes
    test: Scenes
    preprocessing: Preprocessing = PREPROCESSING
    notes: list[str] = field(default_factory=list)

    @classmethod
    def from_spec(cls, request: RunRequest, spec: NetworkSpec, name: str,
                  datasets: DatasetRegistry, scenes_dir: Path) -> DetectionSession:
        spec, grid = validate_detection(request, spec, datasets)
        cfg = request.training
        own = own_detection(request, datasets)
        if own is None:
            train = load_scenes(scenes_dir, datasets, "train")
            test = load_scenes(scenes_dir, datasets, "test")
            pre = PREPROCESSING
        else:
            found = datasets.folder(request.dataset)
            assert found is not None  # own_detection read its record
            train, test = (own_scenes.load(found[0], split, list(own.classes))
                           for split in ("train", "test"))
            pre = own.preprocessing
        notes: list[str] = [scored_note(len(test), None if own is None else own.title)]
        if cfg.max_train_samples and cfg.max_train_samples < len(train):
            train = train.first(cfg.max_train_samples)
            notes.append(Note(f"training on the first {len(train)} of the train scenes",
                              "detection_first_scenes", count=len(train)))
        return cls(request, spec, name, grid, train, test, pre, notes)

    @property
    def classes(self) -> list[str]:
        return list(self.train.names)

    def trainer(self, emit: Emit, control: Control, device: torch.device,
                step_interval: float = 0.25, probe_interval: float | None = None,
                history_bytes: int = 0) -> DetectionTrainer:
        """history_bytes: unused (a detector's replay history is not kept)."""
        torch.manual_seed(self.request.training.seed)
        return DetectionTrainer(build_model(self.spec), self.grid, (self.train, self.test),
                                self.request.training, emit, control, device, step_interval,
                                probe_interval)

    def start_from(self, trainer: Trainer, store: ModelStore) -> None:
        load_initial(self.request, trainer.model, store)

    def metrics(self, trainer: Trainer, test_map50: float | None = None,
                train_seconds: float | None = None) -> dict[str, Any]:
        history = trainer.state.history
        if test_map50 is None and history:
            test_map50 = float(history[-1]["map50"])
        return Metrics(epochs=len(history), test_map50=test_map50, train_seconds=train_seconds,
                       device=trainer.device.type).model_dump()

    def final_metrics(self, trainer: Trainer, datasets: DatasetRegistry,
                      seconds: float) -> dict[str, Any]:
        return self.metrics(trainer, None, seconds)

    def save(self, trainer: Trainer, store: ModelStore, name: str,
             run_id: str | None, metrics: dict[str, Any], owner: str = "",
             extra: dict[str, Any] | None = None) -> str:
        grid = self.grid
        manifest = run_manifest(self.request, self.network_name, trainer, self.preprocessing,
                                metrics, run_id, self.notes, owner)
        manifest |= {"task": "detection", "classes": self.classes,
                     "grid": {"cells": grid.cells, "anchors": [list(a) for a in grid.anchors],
                              "classes": grid.classes, "image_size": grid.image_size},
                     **(extra or {})}
        return store.save(name, self.spec, trainer.model, manifest)

