"""yolo-tiny-mnist: a small YOLO-style detector for mnist-detect, and its detect step.

Five 3x3 conv layers take the 96x96 scene down to a 6x6 grid (each cell sees 16x16 pixels
and, through the stacked kernels, far more around it); a 1x1 conv head then predicts
B x (5 + C) numbers per cell: S x S x B·(5 + C) = 6 x 6 x 2·(5 + 10) = 6 x 6 x 30, the size
of YOLO v1's output.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from server.detection.nms import nms
from server.detection.yolo import Detections, Grid, boxes_of, decode

# Anchors in cells (16 px): a narrow digit (a 1, a 7) and a wide one, from the ink boxes of
# mnist-detect (heights 0.9..2 cells, widths 0.3..1.8).
GRID = Grid(cells=6, anchors=((0.7, 1.4), (1.4, 1.7)), classes=10, image_size=96)


class DetectionHead(nn.Module):
    """A 1x1 conv from the feature map's channels to B·(5 + C), laid out channel-last:
    N x C_in x S x S -> N x S x S x B·(5 + C) (the lecture's volume)."""

    def __init__(self, in_channels: int, boxes: int, classes: int):
        super().__init__()
        self.conv = nn.Conv2d(in_channels, boxes * (5 + classes), 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out: torch.Tensor = self.conv(x)
        return out.permute(0, 2, 3, 1)


def yolo_tiny(grid: Grid = GRID, width: int = 16) -> nn.Sequential:
    def block(cin: int, cout: int, pool: bool) -> list[nn.Module]:
        layers: list[nn.Module] = [nn.Conv2d(cin, cout, 3, padding=1, bias=False),
                                   nn.BatchNorm2d(cout), nn.LeakyReLU(0.1)]
        return [*layers, nn.MaxPool2d(2)] if pool else layers

    w = width
    return nn.Sequential(*block(1, w, True), *block(w, 2 * w, True), *block(2 * w, 4 * w, True),
                         *block(4 * w, 4 * w, True), *block(4 * w, 8 * w, False),
                         DetectionHead(8 * w, len(grid.anchors), grid.classes))


def normalise(images: np.ndarray) -> torch.Tensor:
    """N x 96 x 96 x 1 uint8 -> N x 1 x 96 x 96 float, with MNIST's mean and spread."""
    x = torch.from_numpy(images.astype(np.float32)).permute(0, 3, 1, 2) / 255
    return (x - 0.1307) / 0.3081


@dataclass(frozen=True)
class Found:
    """One image's answer: the boxes before NMS and the ones it keeps."""

    raw: Detections
    kept: Detections


def detect(grid: Grid, decoded: torch.Tensor, score_threshold: float = 0.05,
           iou_threshold: float = 0.5) -> Found:
    """One image's decoded grid -> boxes above the score threshold, then NMS per class."""
    raw = boxes_of(grid, decoded, score_threshold)
    if not len(raw.scores):
        return Found(raw, raw)
    result = nms(raw.boxes.tolist(), raw.scores.tolist(), raw.classes.tolist(), iou_threshold,
                 0.0, "xywh")
    keep = np.asarray(result.keep, np.int64)
    return Found(raw, Detections(raw.boxes[keep], raw.scores[keep], raw.classes[keep]))


@torch.no_grad()
def detect_batch(model: nn.Module, grid: Grid, images: np.ndarray, batch: int = 256,
                 score_threshold: float = 0.05) -> list[Found]:
    model.eval()
    found: list[Found] = []
    for start in range(0, len(images), batch):
        decoded = decode(grid, model(normalise(images[start:start + batch])))
        found.extend(detect(grid, d, score_threshold) for d in decoded)
    return found
