"""mnist-detect on disk: generated on first use from the built-in MNIST, then read back.

The file name holds the seed, split and count, so a different request never reads another's
scenes. It is written to a temporary name and renamed (two processes generating at once
each write their own file; the last rename wins, with identical content). It is read with
allow_pickle=False: only plain arrays come back.
"""

from __future__ import annotations

import os
import threading
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from server.datasets.registry import DatasetRegistry
from server.detection.scenes import Scenes, make_scenes
from server.store.files import fsync_dir

NAME = "mnist-detect"
SEED = 2026
COUNTS = {"train": 6000, "test": 1000}
CLASSES = tuple(str(i) for i in range(10))
FIELDS = ("images", "boxes", "classes", "starts", "sources")
_lock = threading.Lock()
# Read once per process (test: 9 MB, train: 55 MB), again if the file changes.
_held: dict[Path, tuple[tuple[int, int], Scenes]] = {}


def scenes_file(folder: Path, split: str, seed: int = SEED, count: int | None = None) -> Path:
    count = COUNTS[split] if count is None else count
    return folder / f"{NAME}-seed{seed}-{split}-{count}.npz"


def load_scenes(folder: Path, datasets: DatasetRegistry, split: str, seed: int = SEED,
                count: int | None = None) -> Scenes:
    """The scenes of `split`, generated from MNIST's own `split` (held out by source
    digit) the first time and cached in `folder`."""
    count = COUNTS[split] if count is None else count
    path = scenes_file(folder, split, seed, count)
    with _lock:
        held = _held.get(path)
        if held is not None and held[0] == _signature(path):
            return held[1]
        scenes = _read(path)
        if scenes is None:
            images, labels = datasets.load("mnist", split)
            # A different stream per split: test scenes do not repeat train scenes' layouts.
            scenes = make_scenes(images[..., 0], labels, count, seed * 2 + (split == "test"))
            _write(path, scenes)
        _held[path] = (_signature(path), scenes)
        return scenes


def _signature(path: Path) -> tuple[int, int]:
    try:
        stat = path.stat()
    except OSError:
        return (-1, -1)
    return (stat.st_mtime_ns, stat.st_size)


def _read(path: Path) -> Scenes | None:
    if not path.is_file():
        return None
    try:
        with path.open("rb") as stream, np.load(stream, allow_pickle=False) as data:
            return Scenes(*(data[key] for key in FIELDS))
    except (OSError, ValueError, KeyError, zipfile.BadZipFile):
        return None  # a damaged cache file: generate it again


def _write(path: Path, scenes: Scenes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".tmp-{os.getpid()}-{threading.get_ident()}-{path.name}")
    with temporary.open("wb") as stream:
        arrays: dict[str, Any] = scenes.arrays()
        np.savez(stream, **arrays)
        stream.flush()
        os.fsync(stream.fileno())
    os.replace(temporary, path)
    fsync_dir(path.parent)
