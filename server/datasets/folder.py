"""Image-folder datasets: one sub-folder per class, on disk or uploaded as a zip.

Files that are not readable images are skipped and counted, never fatal. Zip entries that
would escape the folder (absolute paths, '..', links) are refused, and the archive's
declared sizes are checked before anything is extracted (zip bombs).
"""

from __future__ import annotations

import io
import stat
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import IO

import cv2
import numpy as np

from server.errors import InvalidInput, PlaygroundError, TooLarge
from server.imaging import IntakeLimits, decode_image

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".webp", ".bmp", ".gif", ".tif", ".tiff"}


@dataclass
class FolderData:
    images: np.ndarray  # (N, H, W, C) uint8, resized to one size
    labels: np.ndarray  # (N,) int64
    classes: list[str]
    skipped: dict[str, int] = field(default_factory=dict)  # reason -> count


@dataclass(frozen=True)
class ZipLimits:
    max_entries: int = 100_000
    max_total_bytes: int = 2 * 1024**3
    max_ratio: int = 200  # uncompressed / compressed, per entry


def _fit(pixels: np.ndarray, size: tuple[int, int], channels: int) -> np.ndarray:
    """Resize (area interpolation, aspect not kept) and match the channel count."""
    height, width = size
    out = cv2.resize(pixels, (width, height), interpolation=cv2.INTER_AREA)
    out = out[..., None] if out.ndim == 2 else out
    if channels == 1 and out.shape[2] == 3:
        out = cv2.cvtColor(out, cv2.COLOR_RGB2GRAY)[..., None]
    elif channels == 3 and out.shape[2] == 1:
        out = np.repeat(out, 3, axis=2)
    return out


def _collect(entries: list[tuple[str, str, bytes]], size: tuple[int, int], channels: int,
             limits: IntakeLimits) -> FolderData:
    """entries: (class name, file name, bytes)."""
    classes = sorted({c for c, _, _ in entries})
    index = {c: i for i, c in enumerate(classes)}
    images: list[np.ndarray] = []
    labels: list[int] = []
    skipped: dict[str, int] = {}
    for cls, name, data in entries:
        if PurePosixPath(name).suffix.lower() not in IMAGE_SUFFIXES:
            skipped["not an image file"] = skipped.get("not an image file", 0) + 1
            continue
        try:
            decoded = decode_image(data, limits)
        except PlaygroundError:
            skipped["unreadable image"] = skipped.get("unreadable image", 0) + 1
            continue
        images.append(_fit(decoded.pixels, size, channels))
        labels.append(index[cls])
    if len(classes) < 2 or not images:
        raise InvalidInput(f"an image folder needs at least 2 class sub-folders with images; "
                           f"found {len(classes)} classes and {len(images)} readable images",
                           ["file"])
    return FolderData(np.stack(images), np.array(labels, dtype=np.int64), classes, skipped)


def read_image_folder(root: Path, size: tuple[int, int], channels: int,
                      limits: IntakeLimits) -> FolderData:
    entries = []
    for class_dir in sorted(p for p in root.iterdir() if p.is_dir() and not p.is_symlink()):
        for path in sorted(class_dir.iterdir()):
            if path.is_file() and not path.is_symlink():
                entries.append((class_dir.name, path.name, path.read_bytes()))
    return _collect(entries, size, channels, limits)


def safe_parts(info: zipfile.ZipInfo) -> tuple[str, ...]:
    name = info.filename
    path = PurePosixPath(name)
    mode = info.external_attr >> 16
    if name.startswith(("/", "\\")) or ":" in path.parts[0] or ".." in path.parts or (
            "\\" in name) or stat.S_ISLNK(mode):
        raise InvalidInput(f"zip entry {name!r} would escape the dataset folder; refused",
                           ["file"], code="zip_entry_escapes", params={"entry": name})
    return path.parts


def open_zip(stream: IO[bytes], layout: str, task: str = "classification") -> zipfile.ZipFile:
    """The uploaded zip, or a 422 at `file` saying how to lay one out (`layout`, for `task`:
    the error's params name the task, so a page can say the layout in its language)."""
    try:
        return zipfile.ZipFile(stream)
    except (zipfile.BadZipFile, OSError) as exc:
        raise InvalidInput(f"file: not a readable zip archive ({exc}); {layout}",
                           ["file"], code="zip_unreadable",
                           params={"reason": str(exc), "task": task}) from exc


def checked_entries(archive: zipfile.ZipFile, limits: ZipLimits
                    ) -> list[tuple[tuple[str, ...], zipfile.ZipInfo]]:
    """(path parts, entry) of every file but hidden ones and macOS's __MACOSX/ folder; the
    archive's declared sizes checked before anything is read (413 for a zip bomb)."""
    infos = [i for i in archive.infolist() if not i.is_dir()]
    if len(infos) > limits.max_entries:
        raise TooLarge(f"the zip holds {len(infos)} files; the limit is {limits.max_entries}"
                       " (split it, or add the rest with POST /api/datasets/{id}/images)",
                       ["file"], code="zip_too_many_files",
                       params={"count": len(infos), "limit": limits.max_entries})
    total = sum(i.file_size for i in infos)
    if total > limits.max_total_bytes:
        raise TooLarge(f"the zip unpacks to {total / 2**20:.0f} MB; the limit is "
                       f"{limits.max_total_bytes / 2**20:.0f} MB", ["file"],
                       code="zip_too_big", params={"size": round(total / 2**20),
                                                   "limit": round(limits.max_total_bytes / 2**20)})
    parts = [(safe_parts(i), i) for i in infos]
    parts = [(p, i) for p, i in parts if not any(s.startswith((".", "__MACOSX")) for s in p)]
    for _, info in parts:
        if info.compress_size and info.file_size / info.compress_size > limits.max_ratio:
            raise TooLarge(f"zip entry {info.filename!r} expands "
                           f"{info.file_size // info.compress_size}x: refused as a zip bomb",
                           ["file"], code="zip_bomb",
                           params={"entry": info.filename,
                                   "ratio": info.file_size // info.compress_size})
    return parts


def read_image_zip(data: bytes, size: tuple[int, int], channels: int, limits: IntakeLimits,
                   zip_limits: ZipLimits | None = None) -> FolderData:
    """A zip of class folders (optionally inside one top folder)."""
    zip_limits = zip_limits or ZipLimits()
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise InvalidInput(f"not a readable zip archive ({exc})", ["file"]) from exc
    infos = [i for i in archive.infolist() if not i.is_dir()]
    if len(infos) > zip_limits.max_entries:
        raise TooLarge(f"the zip holds {len(infos)} files; the limit is "
                       f"{zip_limits.max_entries}", ["file"])
    total = sum(i.file_size for i in infos)
    if total > zip_limits.max_total_bytes:
        raise TooLarge(f"the zip unpacks to {total / 2**20:.0f} MB; the limit is "
                       f"{zip_limits.max_total_bytes / 2**20:.0f} MB", ["file"])
    parts = [(safe_parts(i), i) for i in infos]
    for _, info in parts:
        if info.compress_size and info.file_size / info.compress_size > zip_limits.max_ratio:
            ratio = info.file_size // info.compress_size
            raise TooLarge(f"zip entry {info.filename!r} expands {ratio}x: refused as a zip "
                           "bomb", ["file"])
    depth = min(len(p) for p, _ in parts) if parts else 0
    # Skip one shared top folder ("mydata/cats/1.jpg"), so classes are the next level.
    strip = 1 if depth >= 3 and len({p[0] for p, _ in parts}) == 1 else 0
    entries = [(p[strip], p[-1], archive.read(info)) for p, info in parts
               if len(p) - strip == 2 and not p[-1].startswith(".")]
    return _collect(entries, size, channels, limits)
