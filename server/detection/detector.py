"""yolo-tiny-mnist: a small YOLO-style detector for mnist-detect, and its detect step.

Five 3x3 conv layers take the 96x96 scene down to a 6x6 grid (each cell sees 16x16 pixels
and, through the stacked kernels, far more around it); a 1x1 conv head then predicts
B x (5 + C) numbers per cell: S x S x B·(5 + C) = 6 x 6 x 2·(5 + 10) = 6 x 6 x 30, the size
of YOLO v1's output.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import nn

from server.detection.nms import nms
from server.detection.scenes import MNIST_STATS
from server.detection.yolo import Detections, Grid, boxes_of, decode
from server.errors import InvalidInput
from server.nn.analysis import analyze
from server.nn.build import Network, build_model
from server.nn.spec import DetectionHead as DetectionHeadSpec
from server.nn.spec import NetworkSpec

Stats = tuple[tuple[float, ...], tuple[float, ...]]  # per-channel mean, spread
# Anchors in cells (16 px): a narrow digit (a 1, a 7) and a wide one, from the ink boxes of
# mnist-detect (heights 0.9..2 cells, widths 0.3..1.8).
GRID = Grid(cells=6, anchors=((0.7, 1.4), (1.4, 1.7)), classes=10, image_size=96)


def yolo_tiny_spec(grid: Grid = GRID, width: int = 16) -> NetworkSpec:
    """The yolo-tiny-mnist network (models/presets/yolo-tiny-mnist.json is this at width 16):
    four conv-BN-LeakyReLU-maxpool blocks and a fifth without the pool, then the head."""
    layers: list[dict[str, Any]] = []
    for n, filters in enumerate((w := width, 2 * w, 4 * w, 4 * w, 8 * w)):
        layers += [{"type": "conv2d", "filters": filters, "kernel_size": 3, "padding": "same",
                    "use_bias": False},
                   {"type": "batch_norm"}, {"type": "leaky_relu", "alpha": 0.1}]
        if n < 4:
            layers.append({"type": "max_pool2d", "pool_size": 2})
    layers.append({"type": "detection_head", "grid": grid.cells, "boxes": len(grid.anchors),
                   "classes": grid.classes, "anchors": [list(a) for a in grid.anchors]})
    return NetworkSpec.model_validate({"input": {"channels": 1, "height": grid.image_size,
                                                 "width": grid.image_size}, "layers": layers})


def yolo_tiny(grid: Grid = GRID, width: int = 16) -> Network:
    return build_model(yolo_tiny_spec(grid, width))


def grid_of(spec: NetworkSpec) -> Grid:
    """The grid a detection network predicts: from its detection_head and its input size."""
    head = spec.layers[-1]
    if not isinstance(head, DetectionHeadSpec):
        raise InvalidInput("this network does not end in a detection_head, so it finds no "
                           "boxes; end it with one (see the yolo-tiny-mnist preset)",
                           ["network", "layers", len(spec.layers) - 1, "type"])
    cells = analyze(spec).rows[-1]["output_shape"][0]
    return Grid(cells=cells, anchors=tuple((a[0], a[1]) for a in head.anchors),
                classes=head.classes, image_size=spec.input.height)


def normalise(images: np.ndarray, stats: Stats = MNIST_STATS) -> torch.Tensor:
    """N x S x S x C uint8 -> N x C x S x S float, with the dataset's mean and spread per
    channel (mnist-detect: MNIST's)."""
    x = torch.from_numpy(images.astype(np.float32)).permute(0, 3, 1, 2) / 255
    mean, std = (torch.tensor(v, dtype=torch.float32).view(1, -1, 1, 1) for v in stats)
    return (x - mean) / std


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
                 score_threshold: float = 0.05, stats: Stats = MNIST_STATS) -> list[Found]:
    model.eval()
    device = next(model.parameters()).device
    found: list[Found] = []
    for start in range(0, len(images), batch):
        x = normalise(images[start:start + batch], stats).to(device)
        decoded = decode(grid, model(x)).cpu()
        found.extend(detect(grid, d, score_threshold) for d in decoded)
    return found
