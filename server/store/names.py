"""Model names, their numbered versions and their aliases.

A name belongs to an owner: a session's models (private or published) are numbered in that
session's namespace, the models without an owner (shipped, trained with the CLI, copied in
by the operator) in the one global namespace. Saving a model under a name gives it the next
version of (owner, name): the highest version there + 1, decided under names_lock (a thread
lock per owner, and an flock for other processes sharing the store) together with the
rename that makes the model visible, so concurrent saves never get the same number.
Renaming a model gives it the next version of its new name.

Models saved before versions existed have none in their manifest and are not rewritten:
they are numbered by creation order (then id) among the unnumbered models of their name,
skipping the numbers that numbered models hold.

Aliases: `default` is the newest version and `best` the version with the highest test
accuracy (the newer on a tie; none while no version has one), until they are moved by hand.
Moved aliases and your own ones are kept in _names/<owner key>.json (JSON, written
atomically; the folder appears with the first hand-set alias):
{"names": {name: {alias: version}}}. When the model an alias points to is deleted, a
hand-set alias is removed: `default` and `best` then follow their automatic rule again
(default: the newest remaining version).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import re
import secrets
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Protocol

from server.store.files import fsync_dir, write
from server.store.manifest import Manifest

FOLDER = "_names"  # not an id (ids start with a letter or digit) and holds no model files
ALIAS_PATTERN = re.compile(r"^[a-z][a-z0-9_-]{0,31}$")
AUTOMATIC = ("default", "best")
_locks: dict[str, threading.Lock] = {}
_locks_guard = threading.Lock()


class Listed(Protocol):
    """A store entry as names need it (store.disk.Entry)."""

    @property
    def id(self) -> str: ...
    @property
    def manifest(self) -> Manifest | None: ...


def owner_key(owner: str | None) -> str:
    """The file name of an owner's namespace: session ids are never written as such."""
    if not owner:
        return "public"
    return "s-" + hashlib.sha256(owner.encode()).hexdigest()[:32]


@contextlib.contextmanager
def names_lock(root: Path, owner: str | None) -> Iterator[None]:
    """Held while a version is chosen and its model made visible, or aliases are changed,
    in one namespace: a thread lock per owner, then an flock on the store folder itself
    (other processes sharing the store; held for a listing and a rename, not a save)."""
    with _locks_guard:
        lock = _locks.setdefault(f"{root}\0{owner_key(owner)}", threading.Lock())
    with lock:
        root.mkdir(parents=True, exist_ok=True)
        fd = os.open(root, os.O_RDONLY)
        try:
            # a filesystem without flock on folders (some network ones): the thread lock
            # alone, enough for one process
            with contextlib.suppress(OSError):
                fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)  # releases the flock


def versions(entries: Iterable[Listed]) -> dict[str, int]:
    """Every model's version (model id -> version), numbered ones as saved and the older
    unnumbered ones by creation order (see the module's rule)."""
    groups: dict[tuple[str, str], list[Listed]] = {}
    for entry in entries:
        if entry.manifest is not None:
            groups.setdefault(group_of(entry.id, entry.manifest), []).append(entry)
    found: dict[str, int] = {}
    for members in groups.values():
        taken = set()
        for entry in members:
            number = _saved_version(entry.manifest)
            if number is not None:
                found[entry.id] = number
                taken.add(number)
        unnumbered = sorted((e for e in members if e.id not in found),
                            key=lambda e: ((e.manifest and e.manifest.created) or "", e.id))
        number = 0
        for entry in unnumbered:
            number += 1
            while number in taken:
                number += 1
            found[entry.id] = number
    return found


def group_of(model_id: str, manifest: Manifest) -> tuple[str, str]:
    """(owner, name) of a model: '' for the global namespace; the id when it has no name."""
    return (manifest.owner or "", manifest.name if manifest.name is not None else model_id)


def _saved_version(manifest: Manifest | None) -> int | None:
    value = getattr(manifest, "version", None)
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 \
        else None


def next_version(entries: Iterable[Listed], owner: str | None, name: str) -> int:
    """The version a model saved now under (owner, name) gets; call it under names_lock."""
    listed = list(entries)
    numbers = versions(listed)
    mine = [numbers[e.id] for e in listed if e.manifest is not None
            and group_of(e.id, e.manifest) == (owner or "", name)]
    return max(mine, default=0) + 1


def read_pinned(root: Path, owner: str | None) -> dict[str, dict[str, int]]:
    """The hand-set aliases of a namespace: name -> alias -> version (empty when none, or
    when the file is unreadable: aliases then follow their automatic rule)."""
    try:
        document = json.loads((root / FOLDER / f"{owner_key(owner)}.json").read_text())
    except (OSError, ValueError):
        return {}
    names = document.get("names") if isinstance(document, dict) else None
    if not isinstance(names, dict):
        return {}
    return {name: {a: v for a, v in table.items()
                   if isinstance(a, str) and isinstance(v, int) and not isinstance(v, bool)}
            for name, table in names.items() if isinstance(table, dict)}


def write_pinned(root: Path, owner: str | None, pinned: dict[str, dict[str, int]]) -> None:
    """Replace a namespace's alias file atomically (temp file, fsync, rename)."""
    folder = root / FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{owner_key(owner)}.json"
    temp = folder / f".{target.name}-{secrets.token_hex(4)}.tmp"
    kept = {name: table for name, table in sorted(pinned.items()) if table}
    try:
        write(temp, json.dumps({"names": kept}, indent=1, sort_keys=True).encode())
        os.replace(temp, target)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    fsync_dir(folder)


def aliases(members: dict[int, Manifest], pinned: dict[str, int]) -> dict[str, int]:
    """alias -> version for one name: its versions (version -> manifest) and hand-set
    aliases. A hand-set alias whose version is gone is dropped; default and best then
    follow their automatic rule."""
    found = {a: v for a, v in pinned.items() if v in members}
    if members and "default" not in found:
        found["default"] = max(members)
    measured = [(m.test_accuracy, v) for v, m in members.items() if m.test_accuracy is not None]
    if measured and "best" not in found:
        found["best"] = max(measured)[1]
    return dict(sorted(found.items()))


def drop_version(root: Path, owner: str | None, name: str, version: int) -> None:
    """After a model is deleted: remove the hand-set aliases that pointed to it. Call it
    under names_lock."""
    pinned = read_pinned(root, owner)
    table = pinned.get(name, {})
    kept = {a: v for a, v in table.items() if v != version}
    if kept != table:
        pinned[name] = kept
        write_pinned(root, owner, pinned)
