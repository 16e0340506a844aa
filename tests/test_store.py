"""The model store: atomic saves, checksums, damaged folders, and the shipped model."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from server.config import Settings
from server.datasets.registry import DatasetRegistry
from server.nn.build import build_model
from server.nn.spec import NetworkSpec
from server.store import DamagedModel, ModelStore
from server.training.data import adapt, to_tensor

SPEC = NetworkSpec.model_validate({
    "input": {"channels": 1, "height": 8, "width": 8},
    "layers": [{"type": "conv2d", "filters": 2, "kernel_size": 3}, {"type": "batch_norm"},
               {"type": "flatten"}, {"type": "dense", "units": 3, "activation": "softmax"}]})


def saved(tmp_path: Path) -> tuple[ModelStore, str, torch.nn.Module]:
    torch.manual_seed(0)
    model = build_model(SPEC).eval()
    store = ModelStore(tmp_path)
    model_id = store.save("My ../../etc net", SPEC, model, {"classes": ["a", "b", "c"]})
    return store, model_id, model


def test_round_trip_predicts_the_same(tmp_path: Path) -> None:
    store, model_id, model = saved(tmp_path)
    assert model_id.startswith("my-etc-net-")  # a name is never a path
    assert sorted(p.name for p in (tmp_path / model_id).iterdir()) == [
        "manifest.json", "spec.json", "weights.safetensors"]
    spec, loaded, manifest = store.load(model_id)
    assert spec == SPEC
    assert manifest["name"] == "My ../../etc net"
    x = torch.randn(4, 1, 8, 8)
    with torch.no_grad():
        assert torch.equal(loaded(x), model(x))
    assert not list(tmp_path.glob(".tmp-*"))


@pytest.mark.parametrize(("damage", "reason"), [
    (lambda d: (d / "weights.safetensors").write_bytes(b"x" * 10), "weights.safetensors fails"),
    (lambda d: (d / "spec.json").unlink(), "spec.json is missing"),
    (lambda d: (d / "manifest.json").write_text("{not json"), "manifest.json is missing or"),
])
def test_damaged_folders_are_listed_and_never_served(tmp_path: Path, damage: object,
                                                     reason: str) -> None:
    store, model_id, _ = saved(tmp_path)
    damage(tmp_path / model_id)  # type: ignore[operator]
    entries = {e.id: e for e in store.entries()}
    assert entries[model_id].damaged is not None
    assert entries[model_id].damaged.startswith(reason)
    with pytest.raises(DamagedModel, match="is damaged"):
        store.load(model_id)


def test_staging_folders_and_presets_are_not_models(tmp_path: Path) -> None:
    (tmp_path / ".tmp-half-written").mkdir()
    (tmp_path / ".tmp-half-written" / "spec.json").write_text("{}")
    (tmp_path / "presets").mkdir()
    (tmp_path / "presets" / "spec.json").write_text("{}")
    assert ModelStore(tmp_path).entries() == []


def test_the_shipped_model_matches_its_manifest() -> None:
    settings = Settings()
    store = ModelStore(settings.models_dir)
    shipped = [e for e in store.entries() if e.manifest and e.manifest.get("dataset") == "mnist"]
    assert shipped, "the LeNet MNIST model must ship in models/"
    entry = shipped[0]
    assert entry.damaged is None
    spec, model, manifest = store.load(entry.id)
    assert manifest["input_shape"] == [spec.input.channels, spec.input.height, spec.input.width]
    assert manifest["classes"] == [str(i) for i in range(10)]
    datasets = DatasetRegistry(settings.datasets_dir)
    images, labels = datasets.load("mnist", "test")
    adapted, pre = adapt(images, datasets.info("mnist").preprocessing, spec, [])
    assert pre.describe() == manifest["preprocessing"]
    with torch.no_grad():
        predicted = model(to_tensor(adapted, pre)).argmax(dim=1).numpy()
    accuracy = float(np.mean(predicted == labels))
    assert accuracy == pytest.approx(manifest["metrics"]["test_accuracy"], abs=1e-6)
    assert accuracy > 0.95
    assert json.loads((settings.models_dir / entry.id / "spec.json").read_text())["layers"]
