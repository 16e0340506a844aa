"""One picture through a stored detector: the boxes it finds, before and after NMS, in the
model's input frame and in the picture's own pixels, with the grid that found them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch

from server.datasets.info import Preprocessing
from server.detection.detector import detect, grid_of
from server.detection.scoring import boxes_json
from server.detection.yolo import Detections, decode
from server.imaging.fit import fit_geometry
from server.inference.answers import run_failed
from server.inference.predictor import Loaded
from server.inference.preprocess import PreparedInput


@dataclass(frozen=True)
class Frame:
    """How prepare() fitted a w x h picture into the model's input (_fit_pad: scaled to
    fit, each side rounded on its own, centred, padded with black): the inverse takes boxes
    back to the picture."""

    scale_x: float  # picture pixels per input pixel, across
    scale_y: float  # and down
    left: int
    top: int

    @classmethod
    def of(cls, picture: tuple[int, int], pre: Preprocessing) -> Frame:
        """picture: the uploaded picture's (height, width); pre: the model's preprocessing."""
        height, width = picture
        if picture == (pre.height, pre.width):
            return cls(1.0, 1.0, 0, 0)
        fit_w, fit_h, top, left = fit_geometry(height, width, pre.height, pre.width)
        return cls(width / fit_w, height / fit_h, left, top)

    def to_picture(self, box: list[float]) -> list[float]:
        x, y, w, h = box
        return [round((x - self.left) * self.scale_x, 2),
                round((y - self.top) * self.scale_y, 2),
                round(w * self.scale_x, 2), round(h * self.scale_y, 2)]


def named(found: Detections, classes: list[str], frame: Frame) -> list[dict[str, Any]]:
    return [{"box": [round(v, 2) for v in box], "picture_box": frame.to_picture(box),
             "class": int(c), "label": classes[int(c)] if int(c) < len(classes) else str(c),
             "score": round(float(s), 4)}
            for box, c, s in zip(found.boxes.tolist(), found.classes.tolist(),
                                 found.scores.tolist(), strict=True)]


def detect_picture(loaded: Loaded, prepared: PreparedInput, picture_size: tuple[int, int],
                   score_threshold: float, iou_threshold: float) -> dict[str, Any]:
    """picture_size: the uploaded picture's (height, width)."""
    grid = grid_of(loaded.spec)
    try:
        with torch.inference_mode():
            decoded = decode(grid, loaded.model(loaded.on_device(prepared.tensor)).cpu())[0]
    except RuntimeError as exc:  # a model that cannot run on its own input: 409, as /predict
        raise run_failed(loaded, exc) from exc
    found = detect(grid, decoded, score_threshold, iou_threshold)
    frame = Frame.of(picture_size, loaded.preprocessing)
    return {
        "model_id": loaded.id, "classes": loaded.classes,
        "detections": named(found.kept, loaded.classes, frame),
        "before_nms": boxes_json(found.raw),
        "grid": {"cells": grid.cells, "cell_size": grid.cell,
                 "anchors": [list(a) for a in grid.anchors], "boxes_per_cell": len(grid.anchors),
                 "objectness": [[round(float(v), 4) for v in row]
                                for row in decoded[..., 0].amax(-1).tolist()]},
        "thresholds": {"score": score_threshold, "iou": iou_threshold},
        "input_size": grid.image_size,
    }
