"""The model store: one folder per trained model under models/.

    models/<id>/spec.json           the network spec
    models/<id>/weights.safetensors the weights (no pickle anywhere)
    models/<id>/manifest.json       name, classes, preprocessing, dataset, training config,
                                    seed, metrics, history, created, parent run, checksums

A model is written into a hidden temporary folder, every file fsynced, then the folder is
renamed into place: a crash leaves either nothing or a complete model. A folder whose files
are missing or fail their checksums is listed as damaged and never served.

A manifest is rewritten in place (temp file, fsync, rename); a model is deleted by renaming
its folder to a hidden trash name first, so it disappears from the listing in one step. The
shipped model (manifest "shipped": true) is read-only.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import shutil
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from safetensors.torch import load_file, save_file

from server.errors import NotFound, PlaygroundError
from server.nn.build import Network, build_model
from server.nn.spec import NetworkSpec
from server.store.files import fsync_dir as _fsync_dir
from server.store.files import remove_stale
from server.store.files import sha256 as _sha256
from server.store.files import write as _write
from server.store.manifest import Manifest, as_manifest, read_manifest
from server.store.names import drop_version, names_lock, next_version, versions
from server.text import clean_text

ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{2,63}$")
FILES = ("spec.json", "weights.safetensors")
HISTORY_FILES = ("history.json", "history.bin", "history.safetensors")  # replay, optional
TEXT_LIMITS = {"name": 200, "description": 2000}  # characters


class DamagedModel(PlaygroundError):
    status = 409
    kind = "damaged_model"


class ReadOnlyModel(PlaygroundError):
    """403: the shipped model cannot be renamed or deleted."""

    status = 403
    kind = "forbidden"


@dataclass(frozen=True)
class Entry:
    id: str
    manifest: Manifest | None
    damaged: str | None  # the reason, when the folder cannot be served


def model_text(field: str, value: str) -> str:
    """A model's name or description (`field`) as stored: server.text's rule (NFC, stripped,
    within TEXT_LIMITS, no lone surrogates or control characters; a description may hold
    line breaks and tabs; a name is not empty)."""
    return clean_text(field, value, limit=TEXT_LIMITS[field],
                      multiline=field == "description", required=field == "name")


def new_id(name: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:32] or "model"
    return f"{slug}-{time.strftime('%Y%m%d')}-{secrets.token_hex(3)}"


class ModelStore:
    def __init__(self, root: Path):
        self.root = root
        self._lock = threading.Lock()  # manifest rewrites: read, change, replace
        self._owner_locks: dict[str, threading.Lock] = {}
        # model id -> (its files' sizes and mtimes, the file that failed its checksum or "")
        # as the last verification found them: a listing repeats a failure it cannot see.
        self._verdicts: dict[str, tuple[tuple[int, ...], str]] = {}
        remove_stale(root)

    def save(self, name: str, spec: NetworkSpec, model: Network,
             manifest: Manifest | Mapping[str, Any], extra: Mapping[str, bytes] | None = None
             ) -> str:
        """Write a new model; the store sets the manifest's id, name, version, size and
        checksums (and created, when not given). `extra`: more files to keep beside the
        weights (a run's replay history, HISTORY_FILES), written in the same atomic move.
        Returns the id."""
        given = manifest if isinstance(manifest, Manifest) else Manifest.model_validate(manifest)
        model_id = new_id(name)
        self.root.mkdir(parents=True, exist_ok=True)
        staging = self.root / f".tmp-{model_id}"
        staging.mkdir()
        try:
            _write(staging / "spec.json", spec.model_dump_json(indent=1).encode())
            tensors = {k: v.detach().cpu().contiguous() for k, v in model.state_dict().items()}
            save_file(tensors, str(staging / "weights.safetensors"))
            with (staging / "weights.safetensors").open("rb") as stream:
                os.fsync(stream.fileno())
            for file_name, data in (extra or {}).items():
                if file_name not in HISTORY_FILES:
                    raise ValueError(f"unknown model file {file_name!r}")
                _write(staging / file_name, data)
            full = given.model_copy(update={
                "id": model_id, "name": name[:200],
                "created": given.created or time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                "size_bytes": sum(p.stat().st_size for p in staging.iterdir()),
                "sha256": {f: _sha256(staging / f) for f in FILES}})
            # the next version of (owner, name), chosen and made visible under one lock
            with names_lock(self.root, given.owner):
                version = next_version(self.entries(), given.owner, name[:200])
                _write(staging / "manifest.json",
                       full.model_copy(update={"version": version}).to_json())
                staging.rename(self.root / model_id)  # atomic on one filesystem
                _fsync_dir(self.root)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        return model_id

    def entries(self) -> list[Entry]:
        """Every model as a listing sees it: manifests and file sizes, no checksums (a
        changed byte is found when the model is loaded or exported)."""
        if not self.root.is_dir():
            return []
        # Any visible folder holding a model file is a model (complete or damaged); presets/
        # and the hidden staging folders of saves in progress are not.
        return [self._check(p, verify=False) for p in sorted(self.root.iterdir())
                if p.is_dir() and not p.name.startswith(".") and p.name != "presets"
                and any((p / f).exists() for f in (*FILES, "manifest.json"))]

    def _check(self, folder: Path, verify: bool = True) -> Entry:
        """verify: hash the files against their checksums. Else repeat the last
        verification's verdict while the files are unchanged (size and mtime), or, never
        verified, compare their sizes with the manifest's."""
        try:
            document = json.loads((folder / "manifest.json").read_text())
        except (OSError, ValueError) as exc:
            return Entry(folder.name, None, f"manifest.json is missing or unreadable ({exc})")
        manifest = as_manifest(document)
        if manifest is None or manifest.sha256 is None:
            return Entry(folder.name, None, "manifest.json is missing or unreadable (not a "
                         "manifest object with checksums)")
        stamp: list[int] = []
        for name in FILES:
            path = folder / name
            if not path.is_file():
                return Entry(folder.name, manifest, f"{name} is missing")
            info = path.stat()
            stamp += [info.st_size, info.st_mtime_ns]
        if verify:
            failed = [n for n in FILES if _sha256(folder / n) != manifest.sha256.get(n)]
            self._verdicts[folder.name] = (tuple(stamp), failed[0] if failed else "")
        verdict = self._verdicts.get(folder.name)
        if verdict and verdict[0] == tuple(stamp):  # verified as the files are now
            return Entry(folder.name, manifest,
                         f"{verdict[1]} fails its checksum" if verdict[1] else None)
        if manifest.size_bytes is not None and sum(stamp[::2]) != manifest.size_bytes:
            return Entry(folder.name, manifest, f"{' and '.join(FILES)} hold {sum(stamp[::2])} "
                         f"bytes but the manifest says {manifest.size_bytes} (a file was "
                         "changed or cut short)")
        return Entry(folder.name, manifest, None)

    def owner_lock(self, owner: str) -> threading.Lock:
        """Held from a session's quota check to its save, so that concurrent requests of
        one session cannot all pass the check."""
        with self._lock:
            return self._owner_locks.setdefault(owner, threading.Lock())

    def manifest(self, model_id: str) -> Manifest | None:
        """A listed model's manifest without verifying its files (None when unreadable).
        Asked before a model is used (predict, export, fork, rename): counts as a use."""
        folder = self._folder(model_id)
        _touch(folder)
        return read_manifest(folder)

    def owned_by(self, owner: str) -> list[str]:
        """Ids of the models whose manifest names this owner (no checksums: cheap)."""
        if not self.root.is_dir():
            return []
        return [p.name for p in self.root.iterdir()
                if p.is_dir() and not p.name.startswith(".")
                and getattr(read_manifest(p), "owner", None) == owner]

    def entry(self, model_id: str, verify: bool = True) -> Entry:
        """One model; verify=False: as a listing sees it (no checksums)."""
        return self._check(self._folder(model_id), verify)

    def last_used(self, model_id: str) -> float:
        """When the model was last saved, changed or used (its folder's mtime)."""
        return self._folder(model_id).stat().st_mtime

    def load(self, model_id: str) -> tuple[NetworkSpec, Network, Manifest]:
        entry = self.entry(model_id)
        if entry.damaged or entry.manifest is None:
            raise DamagedModel(f"model {model_id!r} is damaged: {entry.damaged}; delete it or "
                               "import it again", ["model_id"])
        folder = self.root / model_id
        _touch(folder)
        try:
            spec = NetworkSpec.model_validate_json((folder / "spec.json").read_text())
            model = build_model(spec)
            state = load_file(str(folder / "weights.safetensors"))
            model.load_state_dict(state, strict=True)
        except (ValueError, RuntimeError, OSError) as exc:
            raise DamagedModel(f"model {model_id!r} cannot be loaded: {exc}",
                               ["model_id"]) from exc
        return spec, model.eval(), entry.manifest

    def update(self, model_id: str, name: str | None = None,
               description: str | None = None, visibility: str | None = None
               ) -> Manifest:
        """Rename a model, change its description and/or its visibility ("public" or
        "private"); returns the new manifest."""
        changes: dict[str, Any] = {} if visibility is None else {"visibility": visibility}
        if name is not None:
            changes["name"] = model_text("name", name)
        if description is not None:
            changes["description"] = model_text("description", description)
        with self._lock:
            folder = self._folder(model_id)
            manifest = read_manifest(folder)
            if manifest is None:
                raise DamagedModel(f"model {model_id!r} is damaged: its manifest.json is "
                                   "missing or unreadable; delete it or import it again",
                                   ["model_id"])
            _refuse_shipped(model_id, manifest, "changed")
            with names_lock(self.root, manifest.owner):
                if changes.get("name", manifest.name) != manifest.name:  # the new name's next
                    changes["version"] = next_version(
                        self.entries(), manifest.owner, changes["name"])
                manifest = manifest.model_copy(update=changes)
                temp = folder / f".manifest-{secrets.token_hex(4)}.tmp"
                try:
                    _write(temp, manifest.to_json())
                    os.replace(temp, folder / "manifest.json")
                except BaseException:
                    temp.unlink(missing_ok=True)
                    raise
                _fsync_dir(folder)
        return manifest

    def copy(self, model_id: str, name: str, changes: dict[str, Any]) -> str:
        """A new model with the same network and weights (verified as it is loaded) and the
        manifest updated with `changes`; returns its id."""
        spec, model, manifest = self.load(model_id)
        kept = manifest.to_dict(without=("id", "sha256", "size_bytes", "shipped", "created"))
        return self.save(name, spec, model, {**kept, **changes, "forked_from": model_id})

    def delete(self, model_id: str) -> None:
        """Remove a model (damaged ones too): one rename out of sight, then the files."""
        with self._lock:
            folder = self._folder(model_id)
            manifest = read_manifest(folder)
            if manifest is not None:
                _refuse_shipped(model_id, manifest, "deleted")
            with names_lock(self.root, manifest.owner if manifest else None):
                version = versions(self.entries()).get(model_id)
                trash = self.root / f".trash-{model_id}-{secrets.token_hex(4)}"
                folder.rename(trash)
                _fsync_dir(self.root)
                if manifest is not None and version is not None:  # its hand-set aliases
                    drop_version(self.root, manifest.owner, manifest.name or model_id, version)
        shutil.rmtree(trash, ignore_errors=True)

    def _folder(self, model_id: str) -> Path:
        """The folder of a listed model (as entries() sees them), else NotFound."""
        folder = self.root / model_id
        if (not ID_PATTERN.match(model_id) or model_id == "presets" or not folder.is_dir()
                or not any((folder / f).exists() for f in (*FILES, "manifest.json"))):
            raise NotFound(f"no model {model_id!r}; list them with GET /api/models",
                           ["model_id"])
        return folder


def _touch(folder: Path) -> None:
    """Mark a model used now (the retention pruner keeps recently used models)."""
    with contextlib.suppress(OSError):  # a read-only folder: last use is the save time
        os.utime(folder)


def _refuse_shipped(model_id: str, manifest: Manifest, action: str) -> None:
    if manifest.shipped is True:
        raise ReadOnlyModel(f"the shipped model {model_id!r} is read-only and cannot be "
                            f"{action}; export it and import a copy to change it",
                            ["model_id"])
