"""A session dataset's pictures on disk: one append-only pack per class, not a file each.

    <root>/<id>/packs.json        {"c0": 1200, "c1": 980}: how many records of each pack
                                  are whole (written, fsynced); replaced atomically
    <root>/<id>/<class id>/pack   records of 16 + size*size*channels bytes: the image id
                                  (the first 32 hex digits of the SHA-256 of the file as
                                  uploaded, as 16 bytes), then the pixels, uint8, row-major

A batch is appended to the packs, the packs are fsynced, and only then is packs.json
replaced to name the new lengths: a process killed mid-write leaves bytes past those
lengths, which readers ignore and the next writer truncates. Deleting a picture rewrites
its class's pack (a temp file renamed over) and then packs.json; a pack shorter than its
recorded length is read to its last whole record. Writers take an exclusive flock on the
dataset's lock file, readers a shared one, so API replicas and cluster nodes that share the
folder never see a pack mid-rewrite. Nothing here is pickled: packs are raw bytes.

A dataset stored in the first layout (a PNG file per picture, no packs.json) is migrated
the first time it is opened: its PNGs are appended to packs, packs.json is written, and
only then are the PNGs removed (a kill before that migrates again from the PNGs).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from server.datasets.user_files import DatasetRecord, fsync_dir, write_atomic
from server.imaging.codec import decode_png, encode_png

PACKS = "packs.json"
PACK = "pack"
LOCK = "lock"
ID_BYTES = 16  # an image id: 32 hex digits


def record_bytes(record: DatasetRecord) -> int:
    return ID_BYTES + record.size * record.size * record.channels


@contextlib.contextmanager
def locked(folder: Path, shared: bool = False) -> Iterator[None]:
    """flock on the dataset's lock file: exclusive for writers, shared for readers. A file
    opened for writing, not the folder: NFS emulates flock with POSIX locks, which need
    that. Where the file system has no locks at all, writes go on unordered."""
    fd = os.open(folder / LOCK, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        with contextlib.suppress(OSError):
            fcntl.flock(fd, fcntl.LOCK_SH if shared else fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # releases the lock


def _lengths(folder: Path) -> dict[str, int]:
    try:
        raw = json.loads((folder / PACKS).read_text())
    except FileNotFoundError:  # a dataset being deleted, or a migration's first write
        return {}
    return {str(k): int(v) for k, v in raw.items() if isinstance(v, int) and v >= 0}


def _whole(folder: Path, class_id: str, lengths: dict[str, int], size: int) -> int:
    """Records of a class's pack that are whole: its recorded length, or fewer if the file
    is shorter (a delete's rewrite landed, its packs.json not yet)."""
    path = folder / class_id / PACK
    on_disk = path.stat().st_size // size if path.exists() else 0
    return min(lengths.get(class_id, 0), on_disk)


def _write_lengths(folder: Path, lengths: dict[str, int]) -> None:
    write_atomic(folder / PACKS, json.dumps(lengths, sort_keys=True).encode())
    fsync_dir(folder)


def start(root: Path, record: DatasetRecord) -> None:
    """A new dataset's empty packs.json (a dataset with none is in the first layout)."""
    _write_lengths(root / record.id, {})


def append(root: Path, record: DatasetRecord, batches: dict[str, list[bytes]]) -> None:
    """Add records (id + pixels) to the end of class packs, durably, all or none."""
    folder = root / record.id
    with locked(folder):
        _append_locked(folder, record, batches, _lengths(folder))


def _append_locked(folder: Path, record: DatasetRecord, batches: dict[str, list[bytes]],
                   lengths: dict[str, int]) -> None:
    size, live = record_bytes(record), {c.id for c in record.classes}
    lengths = {k: _whole(folder, k, lengths, size) for k in lengths if k in live}
    for class_id, records in batches.items():
        if not records or class_id not in live:
            continue
        (folder / class_id).mkdir(exist_ok=True)
        fd = os.open(folder / class_id / PACK, os.O_RDWR | os.O_CREAT, 0o644)
        with os.fdopen(fd, "r+b") as stream:
            stream.truncate(lengths.get(class_id, 0) * size)  # a killed write's tail
            stream.seek(0, os.SEEK_END)
            stream.write(b"".join(records))
            stream.flush()
            os.fsync(stream.fileno())
        lengths[class_id] = lengths.get(class_id, 0) + len(records)
    _write_lengths(folder, lengths)


def read_class(root: Path, record: DatasetRecord, class_id: str) -> tuple[
        list[str], np.ndarray]:
    """(image ids, pixels (N, size, size, channels) uint8) of one class, in the order they
    were added. The pixels are mapped read-only, not read: a rewrite renames a new pack
    over, so this mapping stays the pack as it was."""
    folder, size = root / record.id, record_bytes(record)
    shape = (record.size, record.size, record.channels)
    with locked(folder, shared=True):
        count = _whole(folder, class_id, _lengths(folder), size)
        if not count:
            return [], np.zeros((0, *shape), np.uint8)
        raw = np.memmap(folder / class_id / PACK, np.uint8, mode="r", shape=(count, size))
    ids = [row.tobytes().hex() for row in raw[:, :ID_BYTES]]
    return ids, raw[:, ID_BYTES:].reshape(count, *shape)


def counts(root: Path, record: DatasetRecord) -> dict[str, int]:
    """Whole records per class id."""
    folder, size = root / record.id, record_bytes(record)
    with locked(folder, shared=True):
        lengths = _lengths(folder)
        return {c.id: _whole(folder, c.id, lengths, size) for c in record.classes}


def remove(root: Path, record: DatasetRecord, class_id: str, image_id: str) -> bool:
    """Rewrite a class's pack without one picture; False when it holds no such picture."""
    folder, size = root / record.id, record_bytes(record)
    pack = folder / class_id / PACK
    with locked(folder):
        lengths = _lengths(folder)
        count = _whole(folder, class_id, lengths, size)
        if not count:
            return False
        raw = np.fromfile(pack, np.uint8, count=count * size).reshape(count, size)
        keep = raw[[row.tobytes().hex() != image_id for row in raw[:, :ID_BYTES]]]
        if len(keep) == count:
            return False
        write_atomic(pack, keep.tobytes())
        fsync_dir(pack.parent)
        lengths[class_id] = len(keep)
        _write_lengths(folder, lengths)
        return True


def arrays(root: Path, record: DatasetRecord) -> tuple[np.ndarray, np.ndarray]:
    """Every image (N, size, size, channels) uint8 and its class index, class by class
    and in image-id order within a class (the same order on every replica and node, and
    "the last tenth" of a class is a fixed random pick, not the latest added)."""
    migrate(root, record)
    pixels, labels = [], []
    for index, entry in enumerate(record.classes):
        ids, images = read_class(root, record, entry.id)
        pixels.append(images[np.argsort(np.array(ids, dtype=object), kind="stable")])
        labels.append(np.full(len(ids), index, np.int64))
    if not pixels:
        return (np.zeros((0, record.size, record.size, record.channels), np.uint8),
                np.zeros(0, np.int64))
    return np.concatenate(pixels), np.concatenate(labels)


def stamp(root: Path, record: DatasetRecord) -> tuple[int, ...]:
    """Changes whenever a picture is added or deleted (packs.json is replaced each time):
    a cached copy of the arrays is stale then."""
    migrate(root, record)
    with contextlib.suppress(OSError):
        path = root / record.id / PACKS
        return (path.stat().st_mtime_ns, *counts(root, record).values())
    return ()


def migrate(root: Path, record: DatasetRecord) -> None:
    """A dataset in the first layout (a PNG per picture): into packs, once."""
    folder = root / record.id
    if (folder / PACKS).exists() or not folder.is_dir():
        return
    with locked(folder):
        if (folder / PACKS).exists():  # another process did it meanwhile
            return
        pngs = {c.id: sorted((folder / c.id).glob("*.png")) for c in record.classes}
        batches = {c: [bytes.fromhex(p.stem) + decode_png(p.read_bytes(), record.channels)
                       .tobytes() for p in paths if is_id(p.stem)]
                   for c, paths in pngs.items()}
        _append_locked(folder, record, batches, {})  # packs.json last: a kill redoes it
        for paths in pngs.values():
            for path in paths:
                path.unlink(missing_ok=True)


def is_id(text: str) -> bool:
    return len(text) == 2 * ID_BYTES and all(c in "0123456789abcdef" for c in text)


def png(pixels: np.ndarray) -> bytes:
    """A stored picture as a PNG (thumbnails, the export)."""
    return encode_png(np.ascontiguousarray(pixels), compression=6)
