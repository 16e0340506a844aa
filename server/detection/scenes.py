"""mnist-detect: scenes of 1 to 4 MNIST digits on a 96x96 canvas, with a tight box per digit.

Each scene is drawn from a seed, so the same seed and the same MNIST digits give the same
scenes on every machine (the cache keeps the built-in subset's scenes apart from a full
download's: server/detection/scene_cache.py).
Train scenes take their digits from MNIST's train split and test scenes from its test split:
a detector is scored on handwriting it never saw. Digits are scaled to 20..44 pixels and may
overlap a little (their boxes' IoU at most MAX_OVERLAP), as objects do in photos. A digit's
box is tight around its ink: the pixels of at least INK (of 255) after scaling; the canvas
keeps the brighter pixel where two digits cross.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
import torch
from torch.nn import functional

SIZE = 96
DIGITS_PER_SCENE = (1, 4)
SCALE = (20, 44)  # side of the scaled 28x28 digit, pixels
MAX_OVERLAP = 0.3  # IoU between two digits' boxes in one scene
INK = 64
PLACEMENT_TRIES = 30
DIGITS = tuple(str(i) for i in range(10))
MNIST_STATS = ((0.1307,), (0.3081,))  # MNIST's mean and spread: how its scenes are normalised


@dataclass(frozen=True)
class Scenes:
    """N scenes: images N x S x S x C uint8 (mnist-detect: 96 x 96 x 1); the boxes of scene
    i are boxes[starts[i]:starts[i + 1]] (x, y, w, h in pixels, float32) with their class
    indexes in classes (int64) and, in sources, where each object came from (mnist-detect:
    the digit's index in its MNIST split; your own data: the picture's number in the import).
    `names` are the classes' names and `stats` the per-channel mean and spread the pictures
    are normalised with (both the dataset's, not arrays: kept out of the cache files)."""

    images: np.ndarray
    boxes: np.ndarray
    classes: np.ndarray
    starts: np.ndarray
    sources: np.ndarray
    names: tuple[str, ...] = DIGITS
    stats: tuple[tuple[float, ...], tuple[float, ...]] = MNIST_STATS

    def __len__(self) -> int:
        return len(self.images)

    def targets(self, index: int) -> tuple[np.ndarray, np.ndarray]:
        low, high = self.starts[index], self.starts[index + 1]
        return self.boxes[low:high], self.classes[low:high]

    def first(self, count: int) -> Scenes:
        end = self.starts[count]
        return replace(self, images=self.images[:count], boxes=self.boxes[:end],
                       classes=self.classes[:end], starts=self.starts[:count + 1],
                       sources=self.sources[:end])

    def pick(self, indexes: np.ndarray) -> Scenes:
        """The scenes at `indexes`, in that order (a split of a dataset)."""
        spans = [np.arange(self.starts[i], self.starts[i + 1]) for i in indexes]
        objects = np.concatenate(spans) if spans else np.zeros(0, np.int64)
        starts = np.concatenate([[0], np.cumsum([len(s) for s in spans])]).astype(np.int64)
        return replace(self, images=self.images[indexes], boxes=self.boxes[objects],
                       classes=self.classes[objects], starts=starts,
                       sources=self.sources[objects])

    @property
    def size(self) -> int:
        return int(self.images.shape[1])

    def arrays(self) -> dict[str, np.ndarray]:
        return {"images": self.images, "boxes": self.boxes, "classes": self.classes,
                "starts": self.starts, "sources": self.sources}


def make_scenes(digits: np.ndarray, labels: np.ndarray, count: int, seed: int) -> Scenes:
    """`count` scenes from `digits` (M x 28 x 28 uint8) and their `labels`."""
    rng = np.random.default_rng(seed)
    images = np.zeros((count, SIZE, SIZE, 1), np.uint8)
    boxes: list[list[float]] = []
    classes: list[int] = []
    sources: list[int] = []
    starts = [0]
    for n in range(count):
        placed: list[list[float]] = []
        for _ in range(int(rng.integers(DIGITS_PER_SCENE[0], DIGITS_PER_SCENE[1] + 1))):
            pick = int(rng.integers(len(digits)))
            side = int(rng.integers(SCALE[0], SCALE[1] + 1))
            glyph = _scaled(digits[pick], side)
            ink = np.argwhere(glyph >= INK)
            if len(ink) == 0:
                continue  # a blank digit (never in MNIST, but a subset could hold one)
            (top, left), (bottom, right) = ink.min(0), ink.max(0) + 1
            spot = _free_spot(rng, side, [left, top, right - left, bottom - top], placed)
            if spot is None:
                continue
            x, y = spot
            region = images[n, y:y + side, x:x + side, 0]
            np.maximum(region, glyph, out=region)
            box = [float(x + left), float(y + top), float(right - left), float(bottom - top)]
            placed.append(box)
            boxes.append(box)
            classes.append(int(labels[pick]))
            sources.append(pick)
        starts.append(len(boxes))
    return Scenes(images, np.asarray(boxes, np.float32).reshape(-1, 4),
                  np.asarray(classes, np.int64), np.asarray(starts, np.int64),
                  np.asarray(sources, np.int64))


def _scaled(digit: np.ndarray, side: int) -> np.ndarray:
    tensor = torch.from_numpy(digit.astype(np.float32))[None, None]  # a copy: writable
    scaled = functional.interpolate(tensor, size=(side, side), mode="bilinear", align_corners=False)
    return scaled[0, 0].round().clamp(0, 255).to(torch.uint8).numpy()


def _free_spot(rng: np.random.Generator, side: int, ink: list[int],
               placed: list[list[float]]) -> tuple[int, int] | None:
    """A top-left corner for a side x side glyph inside the canvas whose ink box overlaps
    every placed box by at most MAX_OVERLAP; None after PLACEMENT_TRIES tries."""
    for _ in range(PLACEMENT_TRIES):
        x, y = (int(v) for v in rng.integers(0, SIZE - side + 1, size=2))
        box = [x + ink[0], y + ink[1], ink[2], ink[3]]
        if all(pair_iou(box, other) <= MAX_OVERLAP for other in placed):
            return x, y
    return None


def pair_iou(a: Sequence[float], b: Sequence[float]) -> float:
    """IoU of two xywh boxes (plain floats: used while placing digits)."""
    width = min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0])
    height = min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1])
    inter = max(width, 0.0) * max(height, 0.0)
    return inter / (a[2] * a[3] + b[2] * b[3] - inter)
