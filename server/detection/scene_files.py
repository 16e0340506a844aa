"""Scenes on disk: the pictures as one plain .npy (read memory-mapped: a process pays in
memory only for the pictures it looks at) and the boxes, classes and sources, with any extra
arrays, in an .npz beside it. Each file is written to a temporary name and renamed, the
pictures first; both are read with allow_pickle=False, so only plain arrays come back, and
a file cut short or of the wrong shape reads as missing."""

from __future__ import annotations

import os
import threading
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO, Any

import numpy as np

from server.datasets.user_files import fsync_dir
from server.detection.scenes import Scenes

FIELDS = ("images", "boxes", "classes", "starts", "sources")


def images_file(path: Path) -> Path:
    """The pictures beside the .npz."""
    return path.with_name(path.name.removesuffix(".npz") + ".images.npy")


def signature(path: Path) -> tuple[int, ...]:
    try:
        stats = [path.stat(), images_file(path).stat()]
    except OSError:
        return (-1,)
    return tuple(v for stat in stats for v in (stat.st_mtime_ns, stat.st_size))


def read_scenes(path: Path, extra: Sequence[str] = ()) -> Scenes | None:
    """The scenes at `path` (None when missing or damaged); read_extra gives `extra`."""
    found = read_with_extra(path, extra)
    return None if found is None else found[0]


def read_with_extra(path: Path, extra: Sequence[str]
                    ) -> tuple[Scenes, dict[str, np.ndarray]] | None:
    if not path.is_file():
        return None
    try:
        with path.open("rb") as stream, np.load(stream, allow_pickle=False) as data:
            small = {key: data[key] for key in (*FIELDS[1:], *extra)}
        images = np.load(images_file(path), mmap_mode="r", allow_pickle=False)
    except (OSError, ValueError, KeyError, zipfile.BadZipFile):
        return None  # a damaged file: made again, or reported missing
    if images.dtype != np.uint8 or images.ndim != 4 or (
            images.shape[0] != len(small["starts"]) - 1):
        return None
    more = {key: small.pop(key) for key in extra}
    return Scenes(images=images, **small), more


def write_scenes(path: Path, scenes: Scenes, **extra: np.ndarray) -> None:
    """Pictures first, then the boxes: a reader that finds the .npz finds whole pictures."""
    path.parent.mkdir(parents=True, exist_ok=True)
    arrays: dict[str, Any] = scenes.arrays() | extra
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
