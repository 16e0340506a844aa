"""A detection dataset of your own on disk, in its dataset folder (beside dataset.json):

    scenes.npz          boxes (xywh pixels), classes, starts, sources, and per picture its
                        file name in the zip and whether it is held out; the channels' mean
                        and spread over the training pictures
    scenes.images.npy   the pictures, N x S x S x C uint8, read memory-mapped

Pictures are kept in the order of their files' hashes, so the same zip gives the same
dataset. Written whole or not at all (server/detection/scene_files.py).
"""

from __future__ import annotations

import threading
from dataclasses import replace
from pathlib import Path

import numpy as np

from server.detection.own_import import Imported
from server.detection.scene_files import images_file, read_with_extra, signature, write_scenes
from server.detection.scenes import Scenes
from server.errors import NotFound

FILE = "scenes.npz"
EXTRA = ("files", "held_out", "mean", "std")
HOLD_OUT = 0.1
_lock = threading.Lock()
_held: dict[Path, tuple[tuple[int, ...], Scenes, dict[str, np.ndarray]]] = {}


def hold_out(imported: Imported) -> None:
    """Without split folders: the last tenth of the pictures in hash order (one of five or
    more) are held out."""
    if any(p.held_out for p in imported.pictures):
        return
    count = len(imported.pictures)
    held = max(1, round(count * HOLD_OUT)) if count >= 5 else 0
    ordered = sorted(imported.pictures, key=lambda p: p.digest)
    for picture in ordered[count - held:]:
        picture.held_out = True


def save(folder: Path, imported: Imported, size: int, channels: int) -> None:
    hold_out(imported)
    pictures = sorted(imported.pictures, key=lambda p: p.digest)
    images = (np.stack([p.pixels for p in pictures]) if pictures
              else np.zeros((0, size, size, channels), np.uint8))
    held = np.array([p.held_out for p in pictures], bool)
    sizes = [len(p.classes) for p in pictures]
    scenes = Scenes(
        images, np.concatenate([p.boxes for p in pictures]).astype(np.float32).reshape(-1, 4)
        if pictures else np.zeros((0, 4), np.float32),
        np.concatenate([p.classes for p in pictures]).astype(np.int64) if pictures
        else np.zeros(0, np.int64),
        np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64),
        np.repeat(np.arange(len(pictures)), sizes).astype(np.int64))
    train = images[~held].reshape(-1, channels).astype(np.float64) / 255
    mean = train.mean(axis=0) if len(train) else np.full(channels, 0.5)
    std = np.maximum(train.std(axis=0), 1e-3) if len(train) else np.full(channels, 0.25)
    write_scenes(folder / FILE, scenes, files=np.array([p.file for p in pictures], str),
                 held_out=held, mean=mean.round(4), std=std.round(4))


def _read(folder: Path) -> tuple[Scenes, dict[str, np.ndarray]]:
    path = folder / FILE
    with _lock:
        held = _held.get(path)
        if held is not None and held[0] == signature(path):
            return held[1], held[2]
        found = read_with_extra(path, EXTRA)
        if found is None:
            raise NotFound(f"dataset {folder.name} has no readable pictures yet; import its "
                           "zip again", ["dataset"])
        _held[path] = (signature(path), *found)
        while len(_held) > 8:
            _held.pop(next(iter(_held)))
        return found


def load(folder: Path, split: str, names: list[str]) -> Scenes:
    """The `split` ("train", "test" or "all") of the dataset, named and normalised as it
    is."""
    scenes, extra = _read(folder)
    held = extra["held_out"]
    pick = {"train": ~held, "test": held, "all": np.ones_like(held)}[split]
    chosen = scenes.pick(np.flatnonzero(pick)) if split != "all" else scenes
    return replace(chosen, names=tuple(names), stats=stats(folder))


def stats(folder: Path) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """The channels' mean and spread over the training pictures (saved with them)."""
    extra = _read(folder)[1]
    return tuple(map(float, extra["mean"])), tuple(map(float, extra["std"]))


def box_counts(folder: Path, names: list[str]) -> dict[str, int]:
    """How many boxes of each class the dataset holds (0s before its pictures are in)."""
    if not stored_bytes(folder):
        return dict.fromkeys(names, 0)
    found = np.bincount(_read(folder)[0].classes, minlength=len(names))
    return {name: int(found[i]) for i, name in enumerate(names)}


def picture_count(folder: Path) -> int:
    return len(_read(folder)[0]) if stored_bytes(folder) else 0


def files(folder: Path) -> np.ndarray:
    """Each picture's file name in the zip it came from, in the dataset's order."""
    return _read(folder)[1]["files"]


def held_out(folder: Path) -> np.ndarray:
    return _read(folder)[1]["held_out"]


def stored_bytes(folder: Path) -> int:
    total = 0
    for path in (folder / FILE, images_file(folder / FILE)):
        if path.is_file():
            total += path.stat().st_size
    return total
