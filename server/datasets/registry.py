"""Known datasets: where their files are, their classes, and their preprocessing.

The built-in subsets of MNIST and Fashion-MNIST ship inside the package, so the app works
offline. A full download (`cnn-playground datasets download NAME`) in the datasets folder
takes precedence over the built-in subset of the same name.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from server.config import DATA_DIR
from server.datasets.cifar import CLASSES as CIFAR_CLASSES
from server.datasets.cifar import read_cifar_folder
from server.datasets.decoded import load_decoded
from server.datasets.folder import read_image_folder
from server.datasets.idx import read_idx_split
from server.errors import InvalidInput, NotFound
from server.imaging import IntakeLimits

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


def _idx(folder: Path, split: str) -> Arrays:
    images, labels = read_idx_split(folder, "train" if split == "train" else "t10k")
    return images[..., None], labels


KNOWN: dict[str, DatasetInfo] = {d.name: d for d in (
    DatasetInfo("mnist", "MNIST handwritten digits", tuple(str(i) for i in range(10)),
                Preprocessing(1, 28, 28, (0.1307,), (0.3081,), background="dark", content="digit",
                              content_fraction=20 / 28),
                "CC BY-SA 3.0 (Yann LeCun, Corinna Cortes)", {"train": 60000, "test": 10000},
                "mnist", _idx),
    DatasetInfo("fashion-mnist", "Fashion-MNIST clothing",
                ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
                 "Sneaker", "Bag", "Ankle boot"),
                Preprocessing(1, 28, 28, (0.2860,), (0.3530,), background="dark",
                              content="object"), "MIT (c) 2017 Zalando SE",
                {"train": 60000, "test": 10000}, "fashion-mnist", _idx),
    DatasetInfo("cifar10", "CIFAR-10 tiny colour photos", CIFAR_CLASSES,
                Preprocessing(3, 32, 32, (0.4914, 0.4822, 0.4465), (0.2470, 0.2435, 0.2616)),
                "no licence stated: download only, never redistributed",
                {"train": 50000, "test": 10000}, "cifar-10-batches-py", read_cifar_folder),
)}
BUILTIN_DIR = DATA_DIR / "datasets"


def _cats_vs_dogs(folder: Path, split: str) -> Arrays:
    """cats_and_dogs_filtered/{train,validation}/{cats,dogs}, resized to 64x64 RGB."""
    limits = IntakeLimits(max_bytes=20 * 2**20, max_pixels=40_000_000)
    data = read_image_folder(folder / ("train" if split == "train" else "validation"),
                             (64, 64), 3, limits)
    return data.images, data.labels


KNOWN["cats-vs-dogs"] = DatasetInfo(
    "cats-vs-dogs", "Cats vs dogs (photos, 64x64)", ("cat", "dog"),
    Preprocessing(3, 64, 64, (0.5, 0.5, 0.5), (0.25, 0.25, 0.25)),
    "download only, never redistributed", {"train": 2000, "test": 1000},
    "cats_and_dogs_filtered", _cats_vs_dogs)


class DatasetRegistry:
    """Finds dataset files and caches decoded arrays (they are small: MNIST is 47 MB)."""

    def __init__(self, download_dir: Path, builtin_dir: Path = BUILTIN_DIR,
                 decoded_dir: Path | None = None):
        """decoded_dir: where decoded arrays are kept memory-mapped and shared between
        processes (the warm training workers); None decodes into this process's memory."""
        self._download_dir = download_dir
        self._builtin_dir = builtin_dir
        self._decoded_dir = decoded_dir
        self._cache: dict[tuple[str, str], Arrays] = {}
        self._lock = threading.Lock()

    def info(self, name: str) -> DatasetInfo:
        if name not in KNOWN:
            raise NotFound(f"unknown dataset {name!r}; datasets: {', '.join(KNOWN)}",
                           ["dataset"])
        return KNOWN[name]

    def folder(self, name: str) -> tuple[Path, str] | None:
        """(folder, 'full' | 'built-in subset') or None when the dataset is not on disk."""
        info = self.info(name)
        for base, variant in ((self._download_dir, "full"), (self._builtin_dir,
                                                               "built-in subset")):
            candidate = base / info.folder_name
            if candidate.is_dir() and any(candidate.iterdir()):
                return candidate, variant
        return None

    def load(self, name: str, split: str) -> Arrays:
        if split not in ("train", "test"):
            raise InvalidInput(f"split {split!r} is not 'train' or 'test'", ["split"])
        found = self.folder(name)
        if found is None:
            raise NotFound(f"dataset {name!r} is not on this machine; run `cnn-playground "
                           f"datasets download {name}`", ["dataset"])
        with self._lock:
            key = (name, split)
            if key not in self._cache:
                reader = self.info(name).reader
                self._cache[key] = (reader(found[0], split) if self._decoded_dir is None else
                                    load_decoded(self._decoded_dir, name, split, found[0],
                                                 reader))
            return self._cache[key]

    def describe(self, name: str) -> dict[str, Any]:
        info = self.info(name)
        found = self.folder(name)
        counts = info.full_counts
        if found is not None:
            counts = {split: len(self.load(name, split)[1]) for split in ("train", "test")}
        pre = info.preprocessing
        return {"name": name, "title": info.title, "present": found is not None,
                "variant": found[1] if found else None,
                "classes": [{"index": i, "name": c} for i, c in enumerate(info.classes)],
                "counts": counts, "input_shape": [pre.channels, pre.height, pre.width],
                "licence": info.licence, "preprocessing": pre.describe()}
