"""A small model saved in a temporary store, and zip archives built by hand."""

from __future__ import annotations

import io
import json
import stat
import zipfile
from pathlib import Path
from typing import Any

import pytest
import torch

from server.nn.build import Network, build_model
from server.nn.spec import NetworkSpec
from server.store import ModelStore

SPEC = NetworkSpec.model_validate({
    "input": {"channels": 1, "height": 8, "width": 8},
    "layers": [{"type": "conv2d", "filters": 2, "kernel_size": 3}, {"type": "batch_norm"},
               {"type": "flatten"}, {"type": "dense", "units": 3, "activation": "softmax"}]})
PREPROCESSING = {"channels": 1, "height": 8, "width": 8, "scale": 1 / 255, "mean": [0.5],
                 "std": [0.25], "resize": "fit_pad", "background": "any", "content": "photo",
                 "content_fraction": 1.0}
MANIFEST = {"classes": ["a", "b", "c"], "input_shape": [1, 8, 8],
            "preprocessing": PREPROCESSING, "dataset": "tiny", "metrics": {}}


def small_model(seed: int = 0, spec: NetworkSpec = SPEC) -> Network:
    torch.manual_seed(seed)
    model = build_model(spec)
    with torch.no_grad():  # batch-norm statistics that differ from the defaults
        for name, buffer in model.named_buffers():
            if buffer.is_floating_point():
                buffer.copy_(torch.rand_like(buffer) + 0.5 * ("var" in name))
    return model.eval()


@pytest.fixture
def store(tmp_path: Path) -> ModelStore:
    return ModelStore(tmp_path / "models")


@pytest.fixture
def saved(store: ModelStore) -> str:
    """The id of a small model saved in `store`."""
    return store.save("My ../../etc net", SPEC, small_model(), dict(MANIFEST))


def visible(store: ModelStore) -> list[str]:
    return [e.id for e in store.entries()]


def leftovers(store: ModelStore) -> list[str]:
    """Hidden staging, trash or temporary files left behind anywhere in the store."""
    return sorted(str(p.relative_to(store.root)) for p in store.root.rglob(".*"))


def zip_of(members: dict[str, bytes], links: tuple[str, ...] = ()) -> bytes:
    """A zip holding `members` by name as given (nothing sanitized); `links` are symlinks."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            info = zipfile.ZipInfo(name)
            info.compress_type = zipfile.ZIP_DEFLATED
            kind = stat.S_IFLNK if name in links else stat.S_IFREG
            info.external_attr = (kind | 0o644) << 16
            archive.writestr(info, data)
    return buffer.getvalue()


def members(store: ModelStore, model_id: str, **replace: Any) -> dict[str, bytes]:
    """The three files of a saved model; `replace` swaps one (by stem: spec=..., manifest=...,
    weights=...) for bytes, or for a dict to dump as JSON."""
    folder = store.root / model_id
    files = {name: (folder / name).read_bytes()
             for name in ("spec.json", "weights.safetensors", "manifest.json")}
    for stem, value in replace.items():
        name = next(n for n in files if n.startswith(stem))
        files[name] = json.dumps(value).encode() if isinstance(value, dict) else value
    return files
