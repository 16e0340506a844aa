"""The YOLO label grid, its decoding into boxes, and the YOLO loss.

The image is cut into S x S cells. Each cell has B slots, one per anchor box, and each slot
holds the lecture's label vector [P, x, y, w, h, c1..cC]:
- P: 1 when an object's box centre falls in this cell and the anchor is the object's
  best-fitting one (highest IoU of the two shapes, centres aligned), else 0;
- x, y: the box centre inside the cell, 0..1 from the cell's top-left corner;
- w, h: the box size in cells (greater than 1 when the box is larger than a cell);
- c1..cC: the class, one-hot.
Where P is 0 the other numbers are "don't care" (zero here). The head predicts raw numbers
t; decode turns them into the same layout: x, y = sigmoid(t), w, h = anchor * exp(t),
P = sigmoid(t), classes = softmax(t). Two objects wanting the same cell and anchor cannot both
be labelled: the later one is left out (the lecture's known limit; more anchors or a finer
grid reduce it).

The loss is YOLO v1's sum of squared errors on decoded values, per image (summed over the
grid, averaged over the batch):

    L = 5   * sum_obj [(x - x')^2 + (y - y')^2 + (sqrt w - sqrt w')^2 + (sqrt h - sqrt h')^2]
      + 1   * sum_obj (P - P')^2
      + 0.5 * sum_noobj (P')^2
      + 1   * sum_obj sum_c (c - c')^2

The square roots make an error of 2 pixels count more on a small box than on a large one;
COORD = 5 makes the boxes matter as much as the many "nothing here" slots, and NO_OBJECT = 0.5
keeps those slots (most of the grid) from drowning the few with an object.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch

COORD, OBJECT, NO_OBJECT, CLASS = 5.0, 1.0, 0.5, 1.0


@dataclass(frozen=True)
class Grid:
    """S cells per side over an image of `image_size` pixels; anchors (w, h) in cells."""

    cells: int
    anchors: tuple[tuple[float, float], ...]
    classes: int
    image_size: int

    @property
    def cell(self) -> float:
        return self.image_size / self.cells

    @property
    def slot(self) -> int:
        return 5 + self.classes


def best_anchor(grid: Grid, w: float, h: float) -> int:
    """The anchor whose shape overlaps (w, h) most, both centred on one point."""
    ious = [min(w, aw) * min(h, ah) / (w * h + aw * ah - min(w, aw) * min(h, ah))
            for aw, ah in grid.anchors]
    return int(np.argmax(ious))


def encode(grid: Grid, boxes: np.ndarray, classes: np.ndarray) -> torch.Tensor:
    """One image's boxes (xywh pixels) -> its label grid S x S x B x (5 + C)."""
    target = torch.zeros(grid.cells, grid.cells, len(grid.anchors), grid.slot)
    for (x, y, w, h), label in zip(boxes.tolist(), classes.tolist(), strict=True):
        cx, cy = (x + w / 2) / grid.cell, (y + h / 2) / grid.cell
        col, row = min(int(cx), grid.cells - 1), min(int(cy), grid.cells - 1)
        anchor = best_anchor(grid, w / grid.cell, h / grid.cell)
        slot = target[row, col, anchor]
        if slot[0] == 1:
            continue  # taken by an earlier object: see the module docstring
        slot[:5] = torch.tensor([1.0, cx - col, cy - row, w / grid.cell, h / grid.cell])
        slot[5 + label] = 1.0
    return target


def decode(grid: Grid, raw: torch.Tensor) -> torch.Tensor:
    """The head's raw output N x S x S x B·(5 + C) -> N x S x S x B x (5 + C), decoded."""
    t = raw.reshape(*raw.shape[:3], len(grid.anchors), grid.slot)
    anchors = torch.tensor(grid.anchors, dtype=t.dtype, device=t.device)
    size = anchors * torch.exp(t[..., 3:5].clamp(max=8.0))  # exp(8): 3000 cells, no overflow
    return torch.cat([torch.sigmoid(t[..., :3]), size, torch.softmax(t[..., 5:], dim=-1)], -1)


def yolo_loss(predicted: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Both N x S x S x B x (5 + C) in the label layout (predicted: decoded)."""
    has = target[..., 0] == 1
    obj, pred = target[has], predicted[has]
    coord = ((obj[:, 1:3] - pred[:, 1:3]) ** 2).sum() + (
        (obj[:, 3:5].sqrt() - pred[:, 3:5].clamp(min=1e-9).sqrt()) ** 2).sum()
    found = ((obj[:, 0] - pred[:, 0]) ** 2).sum()
    empty = (predicted[~has][:, 0] ** 2).sum()
    kind = ((obj[:, 5:] - pred[:, 5:]) ** 2).sum()
    total = COORD * coord + OBJECT * found + NO_OBJECT * empty + CLASS * kind
    return total / max(len(target), 1)


@dataclass(frozen=True)
class Detections:
    """Boxes (xywh pixels), class-confidence scores (P x class probability) and classes."""

    boxes: np.ndarray
    scores: np.ndarray
    classes: np.ndarray


def boxes_of(grid: Grid, decoded: torch.Tensor, score_threshold: float = 0.05) -> Detections:
    """One image's decoded grid S x S x B x (5 + C) -> its boxes scoring at least the
    threshold, before NMS. Score = P x the best class probability (YOLO's class confidence)."""
    rows, cols = torch.meshgrid(torch.arange(grid.cells), torch.arange(grid.cells),
                                indexing="ij")
    d = decoded.detach().to("cpu", torch.float64)
    probability, label = d[..., 5:].max(-1)
    score = d[..., 0] * probability
    cx = (cols[..., None] + d[..., 1]) * grid.cell
    cy = (rows[..., None] + d[..., 2]) * grid.cell
    w, h = d[..., 3] * grid.cell, d[..., 4] * grid.cell
    keep = score >= score_threshold
    boxes = torch.stack([cx - w / 2, cy - h / 2, w, h], -1)[keep]
    return Detections(boxes.numpy(), score[keep].numpy(), label[keep].numpy())


def targets(grid: Grid, scenes: Sequence[tuple[np.ndarray, np.ndarray]]) -> torch.Tensor:
    return torch.stack([encode(grid, boxes, classes) for boxes, classes in scenes])
