"""Fork a dataset: a private copy, owned by another session, with the same classes (in the
same order) and the same pictures (the same image ids and bytes), on UserDatasets' public
methods only. The pictures are already the dataset's size and channels, so their pixels are
read from the source's packs and appended to the copy's as they are: no decoding, no
resizing, no PNG.

The copy is whole or not at all: when a quota runs out half-way (an upload of the same
session took the room meanwhile), the half-made copy is deleted and the answer is 429. One
session's forks run one at a time, so that several at once cannot each pass the byte check
and then all run out half-way; different sessions (a class forking together) copy at once.
Blocking (file work): call it from a thread.
"""

from __future__ import annotations

import threading

from server.datasets.user_files import DatasetRecord
from server.datasets.user_store import Skipped, UserDatasets
from server.detection.own_dataset import fork_detection
from server.errors import OverLimit, human_bytes

SUFFIX = " (fork)"
NAME_LIMIT = 200  # as POST /api/datasets takes a name
_locks_lock = threading.Lock()
_owner_locks: dict[str, threading.Lock] = {}  # a lock per session that forked


def _owner_lock(owner: str) -> threading.Lock:
    with _locks_lock:
        return _owner_locks.setdefault(owner, threading.Lock())


def fork_name(name: str) -> str:
    """`name (fork)`, within the name limit."""
    return name[:NAME_LIMIT - len(SUFFIX)] + SUFFIX


def _check_bytes(store: UserDatasets, source: DatasetRecord, owner: str) -> None:
    """429 when the copy cannot fit in the owner's byte quota (before anything is made)."""
    needed = store.stored_bytes(source)
    held, limit = store.held_bytes(owner), store.quotas.bytes
    if held + needed > limit:
        raise OverLimit(f"the fork needs {human_bytes(needed)} and your datasets hold "
                        f"{human_bytes(held)} of {human_bytes(limit)} "
                        "(CNNPG_SESSION_MAX_DATASET_BYTES): delete a dataset with DELETE "
                        "/api/datasets/{id}, or pictures you no longer need", ["what"])


def fork_dataset(store: UserDatasets, source: DatasetRecord, owner: str) -> DatasetRecord:
    """A new private dataset of `owner`'s holding a copy of `source`."""
    with _owner_lock(owner):
        return _copy(store, source, owner)


def _copy(store: UserDatasets, source: DatasetRecord, owner: str) -> DatasetRecord:
    _check_bytes(store, source, owner)
    if source.task == "detection":
        return fork_detection(store, source, owner, fork_name(source.name))
    names = [entry.name for entry in source.classes]
    copy = store.create(owner, fork_name(source.name), names, source.size, source.channels,
                        source.fit)  # 429 past CNNPG_SESSION_MAX_DATASETS
    try:
        for name in names:
            for image in store.images(source, name):  # oldest first: the same newest-first
                store.put_pixels(copy, name, image.stem, image.pixels)  # thumbnails
        store.flush(copy)
    except Skipped as exc:
        store.delete(copy.id)
        raise OverLimit(f"the fork stopped and was removed: {exc}", ["what"]) from None
    except BaseException:
        store.delete(copy.id)
        raise
    return copy
