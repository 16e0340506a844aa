"""mnist-detect on disk: generated on first use from the built-in MNIST, then read back.

The file names hold the seed, split and count, so a different request never reads another's
scenes. Two files: the pictures (.images.npy, read memory-mapped) and the boxes, classes
and sources (.npz). Each is written to a temporary name and renamed, the pictures first
(two processes generating at once each write their own files; the last rename wins, with
identical content). Both are read with allow_pickle=False: only plain arrays come back; a
file cut short or of the wrong shape is generated again.
"""

from __future__ import annotations

import threading
from pathlib import Path

from server.datasets.registry import DatasetRegistry
from server.detection.scene_files import read_scenes, signature, write_scenes
from server.detection.scenes import DIGITS, Scenes, make_scenes

NAME = "mnist-detect"
SEED = 2026
COUNTS = {"train": 6000, "test": 1000}
CLASSES = DIGITS
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


def load_scenes(folder: Path, datasets: DatasetRegistry, split: str, seed: int = SEED,
                count: int | None = None) -> Scenes:
    """The scenes of `split`, generated from MNIST's own `split` (held out by source
    digit) the first time and cached in `folder`."""
    count = COUNTS[split] if count is None else count
    found = datasets.folder("mnist")
    path = scenes_file(folder, split, seed, count, found[1] if found else "built-in subset")
    with _lock:
        held = _held.get(path)
        if held is not None and held[0] == signature(path):
            return held[1]
        scenes = read_scenes(path)
        if scenes is None:
            images, labels = datasets.load("mnist", split)
            # A different stream per split: test scenes do not repeat train scenes' layouts.
            write_scenes(path, make_scenes(images[..., 0], labels, count,
                                     seed * 2 + (split == "test")))
            scenes = read_scenes(path)
            if scenes is None:
                raise OSError(f"the {NAME} cache in {folder} could not be read back after "
                              "writing it; check the disk")
        _held[path] = (signature(path), scenes)
        return scenes
