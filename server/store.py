"""The model store: one folder per trained model under models/.

    models/<id>/spec.json           the network spec
    models/<id>/weights.safetensors the weights (no pickle anywhere)
    models/<id>/manifest.json       name, classes, preprocessing, dataset, training config,
                                    seed, metrics, history, created, parent run, checksums

A model is written into a hidden temporary folder, every file fsynced, then the folder is
renamed into place: a crash leaves either nothing or a complete model. A folder whose files
are missing or fail their checksums is listed as damaged and never served.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import secrets
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from safetensors.torch import load_file, save_file

from server.errors import NotFound, PlaygroundError
from server.nn.build import Network, build_model
from server.nn.spec import NetworkSpec

ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{2,63}$")
FILES = ("spec.json", "weights.safetensors")


class DamagedModel(PlaygroundError):
    status = 409
    kind = "damaged_model"


@dataclass(frozen=True)
class Entry:
    id: str
    manifest: dict[str, Any] | None
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


def new_id(name: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:32] or "model"
    return f"{slug}-{time.strftime('%Y%m%d')}-{secrets.token_hex(3)}"


class ModelStore:
    def __init__(self, root: Path):
        self.root = root

    def save(self, name: str, spec: NetworkSpec, model: Network,
             manifest: dict[str, Any]) -> str:
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
            full = {**manifest, "id": model_id, "name": name[:200],
                    "created": manifest.get("created") or time.strftime("%Y-%m-%dT%H:%M:%SZ",
                                                                         time.gmtime()),
                    "size_bytes": sum(p.stat().st_size for p in staging.iterdir()),
                    "sha256": {f: _sha256(staging / f) for f in FILES}}
            _write(staging / "manifest.json", json.dumps(full, indent=1).encode())
            staging.rename(self.root / model_id)  # atomic on one filesystem
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
            manifest = json.loads((folder / "manifest.json").read_text())
        except (OSError, ValueError) as exc:
            return Entry(folder.name, None, f"manifest.json is missing or unreadable ({exc})")
        for name in FILES:
            path = folder / name
            if not path.is_file():
                return Entry(folder.name, manifest, f"{name} is missing")
            if _sha256(path) != manifest.get("sha256", {}).get(name):
                return Entry(folder.name, manifest, f"{name} fails its checksum")
        return Entry(folder.name, manifest, None)

    def entry(self, model_id: str) -> Entry:
        if not ID_PATTERN.match(model_id) or not (self.root / model_id).is_dir():
            raise NotFound(f"no model {model_id!r}; list them with GET /api/models",
                           ["model_id"])
        return self._check(self.root / model_id)

    def load(self, model_id: str) -> tuple[NetworkSpec, Network, dict[str, Any]]:
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

