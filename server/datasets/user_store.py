"""Datasets that sessions make: a folder per dataset, a pack of pictures per class.

    <root>/<id>/dataset.json        what it is: name, owner, classes, size, channels, fit
    <root>/<id>/packs.json          how many pictures of each class's pack are whole
    <root>/<id>/<class id>/pack     its pictures, already the dataset's size and channels

A detection dataset keeps its pictures and boxes in scenes files instead (own_scenes.py).
An image id is the first 32 hex digits of the SHA-256 of the file as uploaded: a duplicate
is found and skipped. Class folders are named by id (`c0`, ...), not by the user's class
name. The root is under the models folder, which every replica and node shares. Pictures
put wait in memory until `flush` (or BATCH_BYTES), then go in one write per class.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import threading
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from server.datasets import user_packs, user_refusals
from server.datasets.normalize import Fit
from server.datasets.user_files import ClassEntry, DatasetRecord, Task, load_record, write_atomic
from server.datasets.user_pictures import Skipped, StoredImage, prepare_pixels
from server.datasets.user_retention import Retention
from server.detection import own_scenes
from server.detection.own_import import Imported
from server.errors import NotFound
from server.imaging import IntakeLimits
from server.imaging.codec import decode_png

__all__ = ["Quotas", "Skipped", "StoredImage", "UserDatasets"]
BATCH_BYTES = 8 * 2**20  # pictures held before they are appended to the packs


@dataclass(frozen=True)
class Quotas:
    datasets: int  # per session
    images: int  # per dataset
    bytes: int  # stored, per session


class UserDatasets(Retention):
    def __init__(self, root: Path, quotas: Quotas, limits: IntakeLimits):
        self.root, self.quotas, self.limits = root, quotas, limits
        self._lock = threading.RLock()  # record rewrites and the byte tallies
        # Tallies, counted from the files once and then kept up to date (an import of
        # 20,000 pictures must not recount the folder for each one). Another replica's adds
        # are not seen here: a quota is exact per replica, approximate across them.
        self._bytes: dict[str, int] = {}  # dataset id -> stored bytes
        self._totals: dict[str, int] = {}  # dataset id -> images
        self._owners: dict[str, int] = {}  # session -> stored bytes of all its datasets
        self._digests: dict[str, dict[str, str]] = {}  # dataset id -> {image id: class id}
        # Pictures put but not yet in the packs: dataset id -> ({class id: records}, bytes).
        self._pending: dict[str, tuple[dict[str, list[bytes]], list[int]]] = {}

    # -- datasets -------------------------------------------------------------------
    def create(self, owner: str, name: str, classes: list[str], size: int, channels: int,
               fit: Fit, task: Task = "classification") -> DatasetRecord:
        with self._lock:
            mine = self.owned_by(owner)
            if len(mine) >= self.quotas.datasets:
                raise user_refusals.too_many_datasets(len(mine), self.quotas.datasets)
            record = DatasetRecord(f"ds-{secrets.token_hex(6)}", name, owner, size,
                                   channels, fit, task=task)
            for label in classes:
                record.new_class(label)
            folder = self.root / record.id
            folder.mkdir(parents=True)
            for entry in record.classes:
                (folder / entry.id).mkdir()
            user_packs.start(self.root, record)  # before dataset.json: it is never without
            self._save(record)
        return record

    def _save(self, record: DatasetRecord) -> None:
        data = json.dumps(asdict(record), ensure_ascii=False, indent=1).encode()
        write_atomic(self.root / record.id / "dataset.json", data)

    def get(self, dataset_id: str) -> DatasetRecord:
        record = load_record(self.root, dataset_id)
        user_packs.migrate(self.root, record)  # the first layout: once, on first open
        return record

    def owned_by(self, owner: str) -> list[DatasetRecord]:
        if not self.root.is_dir():
            return []
        found = []
        for folder in sorted(self.root.glob("ds-*")):
            with contextlib.suppress(NotFound, OSError, ValueError, TypeError):
                record = self.get(folder.name)
                if record.owner == owner:
                    found.append(record)
        return found

    def put_scenes(self, record: DatasetRecord, imported: Imported) -> None:
        """A detection dataset's pictures and boxes; 429 past the byte quota."""
        with self._lock:
            more, held = imported.nbytes(), self.held_bytes(record.owner)
            if held + more > self.quotas.bytes:
                raise user_refusals.no_room_for_scenes(more, held, self.quotas.bytes)
            record.classes[:] = [ClassEntry(f"c{i}", n) for i, n in enumerate(imported.names)]
            own_scenes.save(self.root / record.id, imported, record.size, record.channels)
            self._save(record)
            self._forget(record.id)

    def delete(self, dataset_id: str) -> None:
        with self._lock:
            self.get(dataset_id)
            trash = self.root / f".trash-{secrets.token_hex(6)}"
            os.replace(self.root / dataset_id, trash)  # gone at once, removed after
            self._pending.pop(dataset_id, None)
            self._forget(dataset_id)
        shutil.rmtree(trash, ignore_errors=True)

    # -- classes --------------------------------------------------------------------
    def add_class(self, dataset_id: str, name: str) -> DatasetRecord:
        with self._lock:
            record = self.get(dataset_id)
            if record.class_named(name) is None:
                entry = record.new_class(name)
                (self.root / dataset_id / entry.id).mkdir(exist_ok=True)
                self._save(record)
            return record

    def delete_class(self, dataset_id: str, name: str) -> int:
        """Returns how many images went with it."""
        with self._lock:
            record = self.get(dataset_id)
            entry = record.class_named(name)
            if entry is None:
                raise NotFound(f"dataset {dataset_id} has no class {name!r}; its classes: "
                               f"{', '.join(c.name for c in record.classes)}", ["class_name"])
            self._commit(record)
            count = user_packs.counts(self.root, record)[entry.id]
            record.classes.remove(entry)
            self._save(record)
            folder = self.root / dataset_id / entry.id
            self._forget(dataset_id)
        shutil.rmtree(folder, ignore_errors=True)
        return count

    # -- images ---------------------------------------------------------------------
    def counts(self, record: DatasetRecord) -> dict[str, int]:
        if record.task == "detection":  # boxes per class
            return own_scenes.box_counts(self.root / record.id, [c.name for c in record.classes])
        self._commit(record)
        found = user_packs.counts(self.root, record)
        return {c.name: found[c.id] for c in record.classes}

    def images(self, record: DatasetRecord, name: str) -> list[StoredImage]:
        """The pictures of a class, oldest first."""
        entry = record.class_named(name)
        if entry is None:
            return []
        self._commit(record)
        ids, pixels = user_packs.read_class(self.root, record, entry.id)
        return [StoredImage(i, p) for i, p in zip(ids, pixels, strict=True)]

    def held_bytes(self, owner: str) -> int:
        with self._lock:
            if owner not in self._owners:
                self._owners[owner] = sum(self.stored_bytes(r)
                                          for r in self.owned_by(owner))
            return self._owners[owner]

    def _total(self, record: DatasetRecord) -> int:
        if record.id not in self._totals:
            self._totals[record.id] = sum(user_packs.counts(self.root, record).values())
        return self._totals[record.id]

    def _forget(self, dataset_id: str) -> None:
        """Under the lock, nothing pending: the tallies are counted again when needed."""
        self._bytes.pop(dataset_id, None)
        self._totals.pop(dataset_id, None)
        self._digests.pop(dataset_id, None)
        self._owners.clear()

    def _index(self, record: DatasetRecord) -> dict[str, str]:
        """Under the lock: every image id of the dataset and its class id."""
        if record.id not in self._digests:
            self._digests[record.id] = {
                i: c.id for c in record.classes
                for i in user_packs.read_class(self.root, record, c.id)[0]}
        return self._digests[record.id]

    def flush(self, record: DatasetRecord) -> None:
        self._commit(record)

    def _commit(self, record: DatasetRecord) -> None:
        with self._lock:
            batches, _ = self._pending.pop(record.id, ({}, []))
            if batches:
                with contextlib.suppress(NotFound, FileNotFoundError):  # deleted meanwhile
                    user_packs.append(self.root, self.get(record.id), batches)

    def stored_bytes(self, record: DatasetRecord) -> int:
        """The bytes a dataset holds against its owner's quota (pixels and ids)."""
        if record.id not in self._bytes:
            self._bytes[record.id] = (
                own_scenes.stored_bytes(self.root / record.id) if record.task == "detection"
                else self._total(record) * user_packs.record_bytes(record))
        return self._bytes[record.id]

    def add(self, record: DatasetRecord, label: str, data: bytes) -> str:
        """Store one file in class `label` (made if new); its image id, or Skipped with why.
        Call `flush` after a batch. `record` must be current."""
        digest, pixels = self.prepare_pixels(record, data)
        return self.put_pixels(record, label, digest, pixels)

    def prepare(self, record: DatasetRecord, data: bytes) -> tuple[str, bytes]:
        """(image id, the picture to keep as a PNG) of one uploaded file."""
        digest, pixels = self.prepare_pixels(record, data)
        return digest, user_packs.png(pixels)

    def prepare_pixels(self, record: DatasetRecord, data: bytes) -> tuple[str, np.ndarray]:
        """(image id, its pixels as the dataset keeps them) of one uploaded file: CPU work
        only, no lock, so an import runs it on several threads."""
        return prepare_pixels(record, data, self.limits)

    def put(self, record: DatasetRecord, label: str, digest: str, png: bytes) -> str:
        """Keep a prepared picture (a PNG of the dataset's size and channels) in class
        `label` (made if new); Skipped when it is a duplicate or over a limit."""
        try:
            pixels = decode_png(png, record.channels)
        except ValueError:
            raise Skipped("not an image we can read: not a PNG") from None
        return self.put_pixels(record, label, digest, pixels)

    def put_pixels(self, record: DatasetRecord, label: str, digest: str,
                   pixels: np.ndarray) -> str:
        """Keep prepared pixels (size, size, channels) uint8 in class `label` (made if
        new); Skipped when it is a duplicate or over a limit."""
        if pixels.shape != (record.size, record.size, record.channels):
            raise Skipped(f"not {record.size}x{record.size} pixels with {record.channels} "
                          f"channel(s), the dataset's size: {pixels.shape}")
        row = bytes.fromhex(digest) + pixels.tobytes()
        with self._lock:
            if record.class_named(label) is None:  # a new class, kept in the caller's copy
                fresh = self.add_class(record.id, label)
                record.classes[:], record.next_class = fresh.classes, fresh.next_class
            index = self._index(record)
            if digest in index:
                held = next((c.name for c in record.classes if c.id == index[digest]), "?")
                raise user_refusals.duplicate(held)
            self._check_room(record, len(row))  # counts the tallies, before the write
            target = record.class_named(label)
            assert target is not None
            batches, waiting = self._pending.setdefault(record.id, ({}, [0]))
            batches.setdefault(target.id, []).append(row)
            waiting[0] += len(row)
            index[digest] = target.id
            self._bytes[record.id] = self.stored_bytes(record) + len(row)
            self._totals[record.id] = self._total(record) + 1
            self._owners[record.owner] = self.held_bytes(record.owner) + len(row)
            if waiting[0] >= BATCH_BYTES:
                self._commit(record)
        return digest

    def _check_room(self, record: DatasetRecord, more: int) -> None:
        total = self._total(record)
        if total >= self.quotas.images:
            raise user_refusals.dataset_full(total)
        held = self.held_bytes(record.owner)
        if held + more > self.quotas.bytes:
            raise user_refusals.storage_full(held, self.quotas.bytes)

    def delete_image(self, record: DatasetRecord, image_id: str) -> None:
        with self._lock:
            self._commit(record)
            if user_packs.is_id(image_id):
                held = self._index(record).get(image_id)
                for entry in record.classes:
                    if (held in (None, entry.id) and user_packs.remove(
                            self.root, record, entry.id, image_id)):
                        self._forget(record.id)
                        return
        raise NotFound(f"dataset {record.id} has no image {image_id!r}", ["image_id"])

    def walk(self, record: DatasetRecord) -> Iterator[tuple[str, StoredImage]]:
        """(class name, image) for every image, class by class, by image id (the export)."""
        self._commit(record)
        for entry in record.classes:
            ids, pixels = user_packs.read_class(self.root, record, entry.id)
            for n in sorted(range(len(ids)), key=ids.__getitem__):
                yield entry.name, StoredImage(ids[n], pixels[n])
