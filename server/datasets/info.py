"""What a dataset is, to the registry and the training code: its classes, its preprocessing
(applied identically in training and prediction) and a reader of its splits."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

Arrays = tuple[np.ndarray, np.ndarray]  # (N, H, W, C) uint8, (N,) int64


@dataclass(frozen=True)
class Preprocessing:
    """Applied identically in training and prediction; stored with every trained model."""

    channels: int
    height: int
    width: int
    mean: tuple[float, ...]
    std: tuple[float, ...]
    scale: float = 1 / 255  # uint8 -> 0..1 before mean/std
    # Other image sizes: converted to `channels` (luma or replicated gray), then resized
    # to height x width keeping the aspect ratio and padding with the background.
    resize: str = "fit_pad"
    # How the dataset's images look, so prediction can make a user's photo look the same:
    # "dark": light strokes on black (MNIST); a photo of dark ink on paper is inverted.
    background: str = "any"
    # "digit": the content is cropped and its long side fills `content_fraction` of the frame,
    # centred by its centre of mass (how MNIST was made: 20x20 in 28x28); "object": cropped
    # and fitted to the frame; "photo": the whole image is fitted (no crop).
    content: str = "photo"
    content_fraction: float = 1.0

    def describe(self) -> dict[str, Any]:
        return {"channels": self.channels, "height": self.height, "width": self.width,
                "scale": self.scale, "mean": list(self.mean), "std": list(self.std),
                "resize": self.resize, "background": self.background,
                "content": self.content, "content_fraction": self.content_fraction}


@dataclass(frozen=True)
class DatasetInfo:
    name: str
    title: str
    classes: tuple[str, ...]
    preprocessing: Preprocessing
    licence: str
    full_counts: dict[str, int]
    folder_name: str
    reader: Callable[[Path, str], Arrays]
    task: str = "classification"  # or "detection": pictures with boxes (read as scenes)
