"""The files of a session's dataset: its record (dataset.json), and files written whole or
not at all (see server/datasets/user_store.py; the pictures: user_packs.py)."""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from server.datasets.normalize import Fit
from server.errors import NotFound

Task = Literal["classification", "detection"]  # detection: pictures with boxes


@dataclass
class ClassEntry:
    id: str
    name: str


@dataclass
class DatasetRecord:
    id: str
    name: str
    owner: str
    size: int
    channels: int
    fit: Fit
    classes: list[ClassEntry] = field(default_factory=list)
    created: float = field(default_factory=time.time)
    next_class: int = 0
    task: Task = "classification"

    def class_named(self, name: str) -> ClassEntry | None:
        return next((c for c in self.classes if c.name == name), None)

    def new_class(self, name: str) -> ClassEntry:
        entry = ClassEntry(f"c{self.next_class}", name)
        self.next_class += 1
        self.classes.append(entry)
        return entry


def write_atomic(path: Path, data: bytes, sync: bool = True) -> None:
    """Whole or not at all (a temp file renamed over; sync=False: not fsynced)."""
    temp = path.with_name(f".tmp-{secrets.token_hex(6)}-{path.name}")
    with temp.open("wb") as stream:
        stream.write(data)
        if sync:
            stream.flush()
            os.fsync(stream.fileno())
    os.replace(temp, path)


def fsync_dir(folder: Path) -> None:
    """Makes the renames inside `folder` durable (where the platform allows it)."""
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def load_record(root: Path, dataset_id: str) -> DatasetRecord:
    path = root / dataset_id / "dataset.json"
    if not dataset_id.startswith("ds-") or "/" in dataset_id or not path.is_file():
        raise NotFound(f"no dataset {dataset_id!r}; list yours with GET /api/datasets",
                       ["dataset_id"])
    raw = json.loads(path.read_text())
    raw["classes"] = [ClassEntry(**c) for c in raw["classes"]]
    return DatasetRecord(**raw)
