"""Known datasets: where their files are, their classes, and their preprocessing.

The built-in subsets of MNIST and Fashion-MNIST ship inside the package, so the app works
offline. A full download (`cnn-playground datasets download NAME`) in the datasets folder
takes precedence over the built-in subset of the same name.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from pathlib import Path
from typing import Any

from server.config import DATA_DIR
from server.datasets.cifar import CLASSES as CIFAR_CLASSES
from server.datasets.cifar import read_cifar_folder
from server.datasets.decoded import load_decoded
from server.datasets.folder import read_image_folder
from server.datasets.idx import read_idx_split
from server.datasets.info import Arrays, DatasetInfo, Preprocessing
from server.datasets.user_files import load_record
from server.datasets.user_packs import stamp
from server.datasets.user_source import user_dataset
from server.errors import InvalidInput, NotFound
from server.imaging import IntakeLimits
from server.text.marks import translatable


def _idx(folder: Path, split: str) -> Arrays:
    images, labels = read_idx_split(folder, "train" if split == "train" else "t10k")
    return images[..., None], labels


KNOWN: dict[str, DatasetInfo] = {d.name: d for d in (
    DatasetInfo("mnist", translatable("MNIST handwritten digits"), tuple(str(i) for i in range(10)),
                Preprocessing(1, 28, 28, (0.1307,), (0.3081,), background="dark", content="digit",
                              content_fraction=20 / 28),
                "CC BY-SA 3.0 (Yann LeCun, Corinna Cortes)", {"train": 60000, "test": 10000},
                "mnist", _idx),
    DatasetInfo("fashion-mnist", translatable("Fashion-MNIST clothing"),
                ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt",
                 "Sneaker", "Bag", "Ankle boot"),
                Preprocessing(1, 28, 28, (0.2860,), (0.3530,), background="dark",
                              content="object"), "MIT (c) 2017 Zalando SE",
                {"train": 60000, "test": 10000}, "fashion-mnist", _idx),
    DatasetInfo("cifar10", translatable("CIFAR-10 tiny colour photos"), CIFAR_CLASSES,
                Preprocessing(3, 32, 32, (0.4914, 0.4822, 0.4465), (0.2470, 0.2435, 0.2616)),
                translatable("no licence stated: download only, never redistributed"),
                {"train": 50000, "test": 10000}, "cifar-10-batches-py", read_cifar_folder),
)}
BUILTIN_DIR = DATA_DIR / "datasets"
__all__ = ["KNOWN", "Arrays", "DatasetInfo", "DatasetRegistry", "Preprocessing"]


def _cats_vs_dogs(folder: Path, split: str) -> Arrays:
    """cats_and_dogs_filtered/{train,validation}/{cats,dogs}, resized to 64x64 RGB."""
    limits = IntakeLimits(max_bytes=20 * 2**20, max_pixels=40_000_000)
    data = read_image_folder(folder / ("train" if split == "train" else "validation"),
                             (64, 64), 3, limits)
    return data.images, data.labels


KNOWN["cats-vs-dogs"] = DatasetInfo(
    "cats-vs-dogs", translatable("Cats vs dogs (photos, 64x64)"), ("cat", "dog"),
    Preprocessing(3, 64, 64, (0.5, 0.5, 0.5), (0.25, 0.25, 0.25)),
    translatable("download only, never redistributed"), {"train": 2000, "test": 1000},
    "cats_and_dogs_filtered", _cats_vs_dogs)


class DatasetRegistry:
    """Finds dataset files and caches decoded arrays (MNIST is 47 MB, CIFAR-10 180 MB),
    at most `cache_bytes` of them: the least recently used split goes first (the newest
    always stays; it is decoded again when asked for again)."""

    def __init__(self, download_dir: Path, builtin_dir: Path = BUILTIN_DIR,
                 decoded_dir: Path | None = None, cache_bytes: int = 512 * 1024 * 1024,
                 user_dir: Path | None = None):
        """decoded_dir: where decoded arrays are kept memory-mapped and shared between
        processes (the warm training workers); None decodes into this process's memory.
        user_dir: the sessions' own datasets (ids "ds-..."; server/datasets/user_store.py)."""
        self._user_dir = user_dir
        self._users: OrderedDict[tuple[str, tuple[int, ...]], tuple[
            DatasetInfo, dict[str, Arrays]]] = OrderedDict()
        self._download_dir = download_dir
        self._builtin_dir = builtin_dir
        self._decoded_dir = decoded_dir
        self._cache: OrderedDict[tuple[str, str], Arrays] = OrderedDict()
        self._cache_bytes = cache_bytes
        self._lock = threading.Lock()

    @property
    def scenes_dir(self) -> Path:
        """Where generated scene datasets (mnist-detect) are cached, beside the downloads."""
        return self._download_dir / ".scenes"

    def held_bytes(self) -> int:
        with self._lock:
            return sum(a.nbytes + b.nbytes for a, b in self._cache.values())

    def is_user(self, name: str) -> bool:
        return self._user_dir is not None and name.startswith("ds-")

    def _user(self, name: str) -> tuple[DatasetInfo, dict[str, Arrays]]:
        """A session's dataset, read once per version of it (its stamp)."""
        assert self._user_dir is not None
        key = (name, stamp(self._user_dir, load_record(self._user_dir, name)))
        with self._lock:
            if key in self._users:
                self._users.move_to_end(key)
                return self._users[key]
        made = user_dataset(self._user_dir, name)
        with self._lock:
            self._users[key] = made
            while len(self._users) > 4:  # a few datasets in use at once
                self._users.popitem(last=False)
        return made

    def info(self, name: str) -> DatasetInfo:
        if self.is_user(name):
            return self._user(name)[0]
        if name not in KNOWN:
            raise NotFound(f"unknown dataset {name!r}; datasets: {', '.join(KNOWN)}",
                           ["dataset"])
        return KNOWN[name]

    def folder(self, name: str) -> tuple[Path, str] | None:
        """(folder, 'full' | 'built-in subset' | 'yours') or None when the dataset is not
        on disk."""
        if self.is_user(name):
            assert self._user_dir is not None
            found = self._user_dir / name
            return (found, translatable("yours")) if (found / "dataset.json").is_file() else None
        info = self.info(name)
        for base, variant in ((self._download_dir, translatable("full")),
                              (self._builtin_dir, translatable("built-in subset"))):
            candidate = base / info.folder_name
            if candidate.is_dir() and any(candidate.iterdir()):
                return candidate, variant
        return None

    def load(self, name: str, split: str) -> Arrays:
        if split not in ("train", "test"):
            raise InvalidInput(f"split {split!r} is not 'train' or 'test'", ["split"])
        if self.is_user(name):
            info, splits = self._user(name)
            if info.task == "detection":
                return info.reader(self._user_dir or Path(), split)  # says why not
            return splits[split]
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
                self._evict()
            self._cache.move_to_end(key)
            return self._cache[key]

    def _evict(self) -> None:
        """Under the lock. Memory-mapped arrays count too: their pages are the OS's to drop,
        but a split that is not used should not pin them."""
        held = sum(a.nbytes + b.nbytes for a, b in self._cache.values())
        while held > self._cache_bytes and len(self._cache) > 1:
            _, (images, labels) = self._cache.popitem(last=False)
            held -= images.nbytes + labels.nbytes

    def describe(self, name: str) -> dict[str, Any]:
        info = self.info(name)
        found = self.folder(name)
        counts = info.full_counts
        if found is not None and info.task == "classification":
            counts = {split: len(self.load(name, split)[1]) for split in ("train", "test")}
        pre = info.preprocessing
        return {"name": name, "title": info.title, "present": found is not None,
                "variant": found[1] if found else None,
                "classes": [{"index": i, "name": c} for i, c in enumerate(info.classes)],
                "counts": counts, "input_shape": [pre.channels, pre.height, pre.width],
                "licence": info.licence, "preprocessing": pre.describe(), "task": info.task}
