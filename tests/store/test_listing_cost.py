"""Listing models reads manifests and sizes only: the weights are hashed once at save and
verified when a model is loaded or exported, never by GET /api/models."""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from inference.conftest import shipped_folder

from server.store.disk import DamagedModel, ModelStore

from .conftest import MANIFEST, SPEC, small_model


def _count_weight_opens(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every open of a .safetensors file through Path.open, open() or safetensors."""
    opened: list[str] = []
    real_path_open, real_open = Path.open, open

    def path_open(self: Path, *args: Any, **kwargs: Any) -> Any:
        if self.suffix == ".safetensors":
            opened.append(str(self))
        return real_path_open(self, *args, **kwargs)

    def builtin_open(file: Any, *args: Any, **kwargs: Any) -> Any:
        if str(file).endswith(".safetensors"):
            opened.append(str(file))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(Path, "open", path_open)
    monkeypatch.setattr("builtins.open", builtin_open)
    return opened


def test_listing_many_models_reads_no_weights(make_client: Callable[..., TestClient],
                                              tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    store = ModelStore(tmp_path)
    ids = [store.save(f"net {i}", SPEC, small_model(i), dict(MANIFEST)) for i in range(12)]
    shutil.copytree(shipped_folder(), tmp_path / shipped_folder().name)
    client = make_client(models_dir=tmp_path)
    opened = _count_weight_opens(monkeypatch)
    rows = client.get("/api/models").json()["models"]
    assert {r["id"] for r in rows} >= {*ids, shipped_folder().name}
    assert all(r["damaged"] is None for r in rows)
    assert opened == []
    # Loading still verifies: the weights are read (and hashed) then.
    client.get(f"/api/models/{ids[0]}")
    assert any(ids[0] in path for path in opened)


def test_a_cut_short_file_is_listed_damaged_without_hashing(tmp_path: Path) -> None:
    store = ModelStore(tmp_path)
    model_id = store.save("net", SPEC, small_model(), dict(MANIFEST))
    weights = tmp_path / model_id / "weights.safetensors"
    weights.write_bytes(weights.read_bytes()[:-4])
    (entry,) = store.entries()
    assert entry.damaged is not None
    assert "the manifest says" in entry.damaged


def test_a_same_size_change_is_found_when_loaded(tmp_path: Path) -> None:
    store = ModelStore(tmp_path)
    model_id = store.save("net", SPEC, small_model(), dict(MANIFEST))
    weights = tmp_path / model_id / "weights.safetensors"
    data = bytearray(weights.read_bytes())
    data[-1] ^= 1
    weights.write_bytes(bytes(data))
    assert store.entries()[0].damaged is None  # the listing does not hash
    with pytest.raises(DamagedModel, match="fails its checksum"):
        store.load(model_id)
    # Once found, the listing says so (without hashing) until the files change again.
    assert store.entries()[0].damaged == "weights.safetensors fails its checksum"
    weights.write_bytes(bytes(data[:-1]) + bytes([data[-1] ^ 1]))  # repaired
    assert store.entries()[0].damaged is None


def test_reading_a_model_for_use_marks_it_used(tmp_path: Path) -> None:
    store = ModelStore(tmp_path)
    model_id = store.save("net", SPEC, small_model(), dict(MANIFEST))
    old = time.time() - 10 * 86400
    os.utime(tmp_path / model_id, (old, old))
    store.entries()  # a listing is not a use
    assert store.last_used(model_id) == pytest.approx(old)
    store.manifest(model_id)
    assert store.last_used(model_id) > time.time() - 60
    os.utime(tmp_path / model_id, (old, old))
    store.load(model_id)
    assert store.last_used(model_id) > time.time() - 60
