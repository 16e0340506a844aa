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

import hashlib
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

from pydantic import ValidationError
from safetensors.torch import load_file, save_file

from server.errors import NotFound, PlaygroundError
from server.nn.build import Network, build_model
from server.nn.spec import NetworkSpec
from server.store.manifest import Manifest
from server.text import clean_text

ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{2,63}$")
FILES = ("spec.json", "weights.safetensors")
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


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for chunk in iter(lambda: stream.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _write(path: Path, data: bytes) -> None:
    with path.open("wb") as stream:
        stream.write(data)
        stream.flush()
        os.fsync(stream.fileno())


def _fsync_dir(folder: Path) -> None:
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

    def save(self, name: str, spec: NetworkSpec, model: Network,
             manifest: Manifest | Mapping[str, Any]) -> str:
        """Write a new model; the store sets the manifest's id, name, size and checksums
        (and created, when not given). Returns the id."""
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
            full = given.model_copy(update={
                "id": model_id, "name": name[:200],
                "created": given.created or time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                "size_bytes": sum(p.stat().st_size for p in staging.iterdir()),
                "sha256": {f: _sha256(staging / f) for f in FILES}})
            _write(staging / "manifest.json", full.to_json())
            staging.rename(self.root / model_id)  # atomic on one filesystem
            _fsync_dir(self.root)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        return model_id

    def entries(self) -> list[Entry]:
        if not self.root.is_dir():
            return []
        # Any visible folder holding a model file is a model (complete or damaged); presets/
        # and the hidden staging folders of saves in progress are not.
        return [self._check(p) for p in sorted(self.root.iterdir())
                if p.is_dir() and not p.name.startswith(".") and p.name != "presets"
                and any((p / f).exists() for f in (*FILES, "manifest.json"))]

    def _check(self, folder: Path) -> Entry:
        try:
            document = json.loads((folder / "manifest.json").read_text())
        except (OSError, ValueError) as exc:
            return Entry(folder.name, None, f"manifest.json is missing or unreadable ({exc})")
        manifest = _as_manifest(document)
        if manifest is None or manifest.sha256 is None:
            return Entry(folder.name, None, "manifest.json is missing or unreadable (not a "
                         "manifest object with checksums)")
        for name in FILES:
            path = folder / name
            if not path.is_file():
                return Entry(folder.name, manifest, f"{name} is missing")
            if _sha256(path) != manifest.sha256.get(name):
                return Entry(folder.name, manifest, f"{name} fails its checksum")
        return Entry(folder.name, manifest, None)

    def owner_lock(self, owner: str) -> threading.Lock:
        """Held from a session's quota check to its save, so that concurrent requests of
        one session cannot all pass the check."""
        with self._lock:
            return self._owner_locks.setdefault(owner, threading.Lock())

    def manifest(self, model_id: str) -> Manifest | None:
        """A listed model's manifest without verifying its files (None when unreadable)."""
        return _read_manifest(self._folder(model_id))

    def owned_by(self, owner: str) -> list[str]:
        """Ids of the models whose manifest names this owner (no checksums: cheap)."""
        if not self.root.is_dir():
            return []
        return [p.name for p in self.root.iterdir()
                if p.is_dir() and not p.name.startswith(".")
                and getattr(_read_manifest(p), "owner", None) == owner]

    def entry(self, model_id: str) -> Entry:
        return self._check(self._folder(model_id))

    def load(self, model_id: str) -> tuple[NetworkSpec, Network, Manifest]:
        entry = self.entry(model_id)
        if entry.damaged or entry.manifest is None:
            raise DamagedModel(f"model {model_id!r} is damaged: {entry.damaged}; delete it or "
                               "import it again", ["model_id"])
        folder = self.root / model_id
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
        changes: dict[str, str] = {} if visibility is None else {"visibility": visibility}
        if name is not None:
            changes["name"] = model_text("name", name)
        if description is not None:
            changes["description"] = model_text("description", description)
        with self._lock:
            folder = self._folder(model_id)
            manifest = _read_manifest(folder)
            if manifest is None:
                raise DamagedModel(f"model {model_id!r} is damaged: its manifest.json is "
                                   "missing or unreadable; delete it or import it again",
                                   ["model_id"])
            _refuse_shipped(model_id, manifest, "changed")
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
            manifest = _read_manifest(folder)
            if manifest is not None:
                _refuse_shipped(model_id, manifest, "deleted")
            trash = self.root / f".trash-{model_id}-{secrets.token_hex(4)}"
            folder.rename(trash)
            _fsync_dir(self.root)
        shutil.rmtree(trash, ignore_errors=True)

    def _folder(self, model_id: str) -> Path:
        """The folder of a listed model (as entries() sees them), else NotFound."""
        folder = self.root / model_id
        if (not ID_PATTERN.match(model_id) or model_id == "presets" or not folder.is_dir()
                or not any((folder / f).exists() for f in (*FILES, "manifest.json"))):
            raise NotFound(f"no model {model_id!r}; list them with GET /api/models",
                           ["model_id"])
        return folder


def _read_manifest(folder: Path) -> Manifest | None:
    try:
        return _as_manifest(json.loads((folder / "manifest.json").read_text()))
    except (OSError, ValueError):
        return None


def _as_manifest(document: Any) -> Manifest | None:
    """None for JSON that is not a manifest object (a list, a field of the wrong type)."""
    try:
        return Manifest.model_validate(document)
    except ValidationError:
        return None


def _refuse_shipped(model_id: str, manifest: Manifest, action: str) -> None:
    if manifest.shipped is True:
        raise ReadOnlyModel(f"the shipped model {model_id!r} is read-only and cannot be "
                            f"{action}; export it and import a copy to change it",
                            ["model_id"])
