"""mnist-detect on disk: generated on first use from the built-in MNIST, then read back.

The file names hold the seed, split and count, so a different request never reads another's
scenes. Two files: the pictures (.images.npy, read memory-mapped) and the boxes, classes
and sources (.npz). Each is written to a temporary name and renamed, the pictures first
(two processes generating at once each write their own files; the last rename wins, with
identical content). Both are read with allow_pickle=False: only plain arrays come back; a
file cut short or of the wrong shape is generated again.
"""

from __future__ import annotations

import os
import threading
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

import numpy as np

from server.datasets.registry import DatasetRegistry
from server.datasets.user_files import fsync_dir
from server.detection.scenes import Scenes, make_scenes

NAME = "mnist-detect"
SEED = 2026
COUNTS = {"train": 6000, "test": 1000}
CLASSES = tuple(str(i) for i in range(10))
FIELDS = ("images", "boxes", "classes", "starts", "sources")
_lock = threading.Lock()
# Read once per process (the pictures memory-mapped), again if the files change.
_held: dict[Path, tuple[tuple[int, ...], Scenes]] = {}


def scenes_file(folder: Path, split: str, seed: int = SEED, count: int | None = None,
                variant: str = "built-in subset") -> Path:
    """The boxes, classes and sources (an .npz); the pictures are beside it (images_file).
    `variant`: which MNIST the digits come from (the built-in subset, or the full download
    where there is one): different digits make different scenes, so each has its files."""
    count = COUNTS[split] if count is None else count
    source = "" if variant == "built-in subset" else f"-{variant.replace(' ', '-')}"
    return folder / f"{NAME}{source}-seed{seed}-{split}-{count}.npz"


def images_file(path: Path) -> Path:
    """The pictures, one plain .npy read memory-mapped: a process pays in memory only for the
    scenes it looks at (the API shows one at a time; train is 55 MB)."""
    return path.with_name(path.name.removesuffix(".npz") + ".images.npy")


def load_scenes(folder: Path, datasets: DatasetRegistry, split: str, seed: int = SEED,
                count: int | None = None) -> Scenes:
    """The scenes of `split`, generated from MNIST's own `split` (held out by source
    digit) the first time and cached in `folder`."""
    count = COUNTS[split] if count is None else count
    found = datasets.folder("mnist")
    path = scenes_file(folder, split, seed, count, found[1] if found else "built-in subset")
    with _lock:
        held = _held.get(path)
        if held is not None and held[0] == _signature(path):
            return held[1]
        scenes = _read(path)
        if scenes is None:
            images, labels = datasets.load("mnist", split)
            # A different stream per split: test scenes do not repeat train scenes' layouts.
            _write(path, make_scenes(images[..., 0], labels, count,
                                     seed * 2 + (split == "test")))
            scenes = _read(path)
            if scenes is None:
                raise OSError(f"the {NAME} cache in {folder} could not be read back after "
                              "writing it; check the disk")
        _held[path] = (_signature(path), scenes)
        return scenes


def _signature(path: Path) -> tuple[int, ...]:
    try:
        stats = [path.stat(), images_file(path).stat()]
    except OSError:
        return (-1,)
    return tuple(v for stat in stats for v in (stat.st_mtime_ns, stat.st_size))


def _read(path: Path) -> Scenes | None:
    if not path.is_file():
        return None
    try:
        with path.open("rb") as stream, np.load(stream, allow_pickle=False) as data:
            small = {key: data[key] for key in FIELDS if key != "images"}
        images = np.load(images_file(path), mmap_mode="r", allow_pickle=False)
    except (OSError, ValueError, KeyError, zipfile.BadZipFile):
        return None  # a damaged cache file: generate it again
    if images.dtype != np.uint8 or images.shape[0] != len(small["starts"]) - 1:
        return None
    return Scenes(images=images, **small)


def _write(path: Path, scenes: Scenes) -> None:
    """Pictures first, then the boxes: a reader that finds the .npz finds whole pictures."""
    path.parent.mkdir(parents=True, exist_ok=True)
    arrays: dict[str, Any] = scenes.arrays()
    _replace(images_file(path), lambda stream: np.save(stream, arrays.pop("images")))
    _replace(path, lambda stream: np.savez(stream, **arrays))
    fsync_dir(path.parent)


def _replace(path: Path, write: Callable[[IO[bytes]], None]) -> None:
    temporary = path.with_name(f".tmp-{os.getpid()}-{threading.get_ident()}-{path.name}")
    with temporary.open("wb") as stream:
        write(stream)
        stream.flush()
        os.fsync(stream.fileno())
    os.replace(temporary, path)
