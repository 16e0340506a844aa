"""Files into a user dataset: a zip of class folders, or a batch of files for one class.
A file that cannot be stored is skipped with its reason; it never fails the rest. The zip
is read entry by entry from its (spooled) file, so an import of 20,000 pictures never holds
their originals in memory at once."""

from __future__ import annotations

import zipfile
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import IO, Any

import numpy as np

from server.datasets.folder import IMAGE_SUFFIXES, ZipLimits, checked_entries, open_zip
from server.datasets.user_files import DatasetRecord
from server.datasets.user_store import Skipped, UserDatasets
from server.errors import InvalidInput, PlaygroundError
from server.text.clean import clean_text

Made = tuple[str, np.ndarray] | Skipped  # a picture ready to keep (id, pixels), or why not


def prepared(store: UserDatasets, record: DatasetRecord, data: bytes) -> Made:
    if len(data) > store.limits.max_bytes:
        return Skipped(f"over a limit: larger than {store.limits.max_bytes} bytes "
                       "(CNNPG_MAX_UPLOAD_BYTES)", code="skip_too_large",
                       params={"limit": store.limits.max_bytes})
    try:
        return store.prepare_pixels(record, data)
    except Skipped as why:
        return why


# Pictures are prepared in chunks (one task per chunk, not per picture: a 28x28 PNG
# decodes in less time than a thread pool takes to hand over a task), a few chunks ahead
# of the one writer; their originals are held meanwhile, so a chunk ends at CHUNK_BYTES.
CHUNK, CHUNK_BYTES, AHEAD = 64, 4 * 2**20, 3
Chunk = list[tuple[str, str, bytes]]  # (class, file name, the file's bytes)


def _prepare_chunk(store: UserDatasets, record: DatasetRecord, chunk: Chunk) -> list[
        tuple[str, str, Made]]:
    return [(label, name, prepared(store, record, data)) for label, name, data in chunk]


@dataclass
class Outcome:
    stored: list[dict[str, str]] = field(default_factory=list)  # {file, class, image_id}
    skipped: list[dict[str, Any]] = field(default_factory=list)  # {file, reason, type?, ctx?}

    def add(self, store: UserDatasets, record: DatasetRecord, label: str, name: str,
            data: bytes) -> None:
        self.keep(store, record, label, name, prepared(store, record, data))

    def keep(self, store: UserDatasets, record: DatasetRecord, label: str, name: str,
             made: Made) -> None:
        """Store a prepared picture, or note why not."""
        try:
            if isinstance(made, Skipped):
                raise made
            image_id = store.put_pixels(record, label, *made)
        except Skipped as why:
            self.skipped.append(why.entry(name))
        else:
            self.stored.append({"file": name, "class": label, "image_id": image_id})

    def answer(self, store: UserDatasets, record: DatasetRecord) -> dict[str, Any]:
        """What was stored and skipped; the pictures are made durable first."""
        fresh = store.get(record.id)
        store.flush(fresh)
        return {"id": fresh.id, "name": fresh.name, "classes": [c.name for c in fresh.classes],
                "counts": store.counts(fresh), "stored": len(self.stored),
                "images": self.stored[:1000], "skipped": self.skipped[:1000],
                "skipped_count": len(self.skipped)}


def _entries(archive: zipfile.ZipFile, limits: ZipLimits) -> list[tuple[str, zipfile.ZipInfo]]:
    """(class folder, entry) for every file two levels deep (under one shared top folder,
    if the zip has one)."""
    parts = checked_entries(archive, limits)
    depth = min((len(p) for p, _ in parts), default=0)
    strip = 1 if depth >= 3 and len({p[0] for p, _ in parts}) == 1 else 0
    return [(p[strip], info) for p, info in parts if len(p) - strip == 2]


def import_zip(store: UserDatasets, record: DatasetRecord, stream: IO[bytes],
               limits: ZipLimits | None = None) -> Outcome:
    archive = open_zip(stream, "make one of class folders (cats/1.jpg, dogs/2.jpg, ...)")
    entries = _entries(archive, limits or ZipLimits())
    if not entries:
        raise InvalidInput("the zip holds no class folders with files: lay it out as "
                           "class_name/picture.png (the layout of torchvision's "
                           "ImageFolder and Keras)", ["file"], code="zip_no_class_folders")
    outcome = Outcome()
    # Decoding and resizing run on two threads, chunk by chunk, ahead of the one writer;
    # the zip is read in order by this thread (zipfile reads are not thread-safe).
    with ThreadPoolExecutor(2, thread_name_prefix="dataset-import") as pool:
        waiting: deque[Future[list[tuple[str, str, Made]]]] = deque()
        chunk: Chunk = []
        held = 0
        for label, info in entries:
            name = info.filename
            if PurePosixPath(name).suffix.lower() not in IMAGE_SUFFIXES:
                outcome.skipped.append({"file": name, "reason": (
                    "not an image: its name does not end in .png, .jpg, .jpeg, .webp, .bmp, "
                    ".gif or .tif"), "type": "skip_not_image_name", "ctx": {}})
                continue
            try:
                label = clean_text("class", label, limit=64, required=True)
            except PlaygroundError as bad:
                outcome.skipped.append({"file": name, "reason": f"its folder name: {bad.msg}",
                                        "type": "skip_folder_name", "ctx": {"reason": bad.msg}})
                continue
            with archive.open(info) as member:  # one file's bytes at a time
                chunk.append((label, name, member.read(store.limits.max_bytes + 1)))
            held += len(chunk[-1][2])
            if len(chunk) >= CHUNK or held >= CHUNK_BYTES:
                waiting.append(pool.submit(_prepare_chunk, store, record, chunk))
                chunk, held = [], 0
                while len(waiting) > AHEAD:
                    _keep_all(outcome, store, record, waiting.popleft())
        waiting.append(pool.submit(_prepare_chunk, store, record, chunk))
        while waiting:
            _keep_all(outcome, store, record, waiting.popleft())
    return outcome


def _keep_all(outcome: Outcome, store: UserDatasets, record: DatasetRecord,
              future: Future[list[tuple[str, str, Made]]]) -> None:
    for label, name, made in future.result():
        outcome.keep(store, record, label, name, made)
