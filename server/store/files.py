"""File helpers of the store: checksums and durable writes."""

from __future__ import annotations

import hashlib
import os
import shutil
import time
from pathlib import Path

# A hidden staging or trash folder untouched for this long was left by a process that died
# mid-save or mid-delete (kill -9, power loss; a save takes seconds): removed when a store
# is opened. Younger ones may belong to a save in progress in another process.
STALE_SECONDS = 3600


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for chunk in iter(lambda: stream.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def write(path: Path, data: bytes) -> None:
    with path.open("wb") as stream:
        stream.write(data)
        stream.flush()
        os.fsync(stream.fileno())


def fsync_dir(folder: Path) -> None:
    """Makes a rename inside `folder` durable (where the platform allows it)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def remove_stale(root: Path) -> None:
    """Remove stale staging (.tmp-*) and trash (.trash-*) folders (see STALE_SECONDS)."""
    if not root.is_dir():
        return
    cutoff = time.time() - STALE_SECONDS
    for path in root.iterdir():
        try:
            stale = (path.name.startswith((".tmp-", ".trash-")) and path.is_dir()
                     and path.stat().st_mtime < cutoff)
        except OSError:  # removed meanwhile
            continue
        if stale:
            shutil.rmtree(path, ignore_errors=True)
