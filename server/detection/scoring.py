"""A detector's training targets and scores: the label grids of scenes, mAP@0.5 of a model on
scenes, and boxes as JSON (the live stream and the detect answers)."""

from __future__ import annotations

from typing import Any

import torch

from server.detection.average_precision import ImageBoxes, mean_average_precision
from server.detection.detector import detect_batch
from server.detection.scenes import Scenes
from server.detection.yolo import Detections, Grid, encode


def label_grids(grid: Grid, scenes: Scenes) -> torch.Tensor:
    return torch.stack([encode(grid, *scenes.targets(i)) for i in range(len(scenes))])


def score(model: torch.nn.Module, grid: Grid, scenes: Scenes) -> tuple[float, dict[int, float]]:
    """mAP@0.5 of the model's detections (after NMS) on `scenes`, and each class's AP."""
    found = detect_batch(model, grid, scenes.images, stats=scenes.stats)
    detections = [ImageBoxes(f.kept.boxes, f.kept.classes, f.kept.scores) for f in found]
    truths = [ImageBoxes(*scenes.targets(i)) for i in range(len(scenes))]
    return mean_average_precision(detections, truths, grid.classes)


def boxes_json(found: Detections) -> dict[str, list[Any]]:
    return {"boxes": [[round(v, 2) for v in box] for box in found.boxes.tolist()],
            "scores": [round(v, 4) for v in found.scores.tolist()],
            "classes": [int(c) for c in found.classes.tolist()]}
