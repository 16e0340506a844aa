"""Decoded datasets on disk, memory-mapped: decoded once, shared by every process.

Each warm worker maps the same `.npy` files (copy-on-write), so the operating system keeps one
copy of the pixels in its page cache however many workers train on them. A file is named
after the source folder's files (names, sizes, modification times), so a dataset that is
downloaded again is decoded again; files are written to a temporary name and renamed.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from pathlib import Path

import numpy as np

Arrays = tuple[np.ndarray, np.ndarray]


def stamp(folder: Path) -> str:
    """A short fingerprint of the files in `folder` (not their bytes: that would mean
    reading them all, which is what the cache exists to avoid)."""
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        info = path.stat()
        digest.update(f"{path.relative_to(folder)}:{info.st_size}:{info.st_mtime_ns};".encode())
    return digest.hexdigest()[:16]


def _save(path: Path, array: np.ndarray) -> None:
    tmp = path.with_name(f".tmp-{os.getpid()}-{path.name}")
    with open(tmp, "wb") as handle:
        np.save(handle, np.ascontiguousarray(array), allow_pickle=False)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


def load_decoded(cache_dir: Path, name: str, split: str, folder: Path,
                 decode: Callable[[Path, str], Arrays]) -> Arrays:
    """(images, labels) memory-mapped from the cache, decoding into it the first time."""
    base = cache_dir / f"{name}-{split}-{stamp(folder)}"
    images_path, labels_path = base.with_suffix(".images.npy"), base.with_suffix(".labels.npy")
    if not (images_path.is_file() and labels_path.is_file()):
        images, labels = decode(folder, split)
        cache_dir.mkdir(parents=True, exist_ok=True)
        _save(images_path, images)
        _save(labels_path, labels)
    # Copy-on-write maps: shared pages until a process writes (none does), and writable
    # arrays for torch.from_numpy.
    return (np.load(images_path, mmap_mode="c", allow_pickle=False),
            np.load(labels_path, mmap_mode="c", allow_pickle=False))
