"""The model shipped in models/: consistent, read-only, and as accurate as it says."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch

from server.config import PROJECT_ROOT, Settings
from server.datasets.registry import DatasetRegistry
from server.store.disk import ModelStore, ReadOnlyModel
from server.training.data import adapt, to_tensor

MODELS = PROJECT_ROOT / "models"


def _shipped() -> str:
    folders = sorted(p.name for p in MODELS.glob("lenet-mnist-shipped-*"))
    assert len(folders) == 1, f"exactly one shipped model must be in models/, found {folders}"
    return folders[0]


def test_the_shipped_model_is_consistent() -> None:
    store = ModelStore(MODELS)
    entry = store.entry(_shipped())
    assert entry.damaged is None  # both checksums pass
    spec, model, typed = store.load(entry.id)
    manifest = typed.to_dict()
    assert manifest["shipped"] is True
    assert manifest["id"] == entry.id
    assert manifest["classes"] == [str(i) for i in range(10)]
    assert manifest["input_shape"] == [spec.input.channels, spec.input.height, spec.input.width]
    assert model(torch.zeros(1, 1, 28, 28)).shape == (1, 10)
    assert manifest["dataset"] == "mnist"
    assert manifest["seed"] == 0
    assert [e.id for e in store.entries() if e.manifest and e.manifest.shipped] == [
        entry.id]


def test_the_shipped_model_scores_what_its_manifest_says() -> None:
    store = ModelStore(MODELS)
    spec, model, typed = store.load(_shipped())
    manifest = typed.to_dict()
    datasets = DatasetRegistry(Settings().datasets_dir)
    images, labels = datasets.load("mnist", "test")
    adapted, pre = adapt(images, datasets.info("mnist").preprocessing, spec, [])
    assert pre.describe() == manifest["preprocessing"]
    with torch.no_grad():
        predicted = model(to_tensor(adapted, pre)).argmax(dim=1).numpy()
    accuracy = float(np.mean(predicted == labels))
    assert accuracy >= 0.97
    assert accuracy == pytest.approx(manifest["metrics"]["test_accuracy"], abs=0.001)


def test_the_shipped_model_is_read_only(tmp_path: Path) -> None:
    """On a copy, so that a broken guard could never delete the real one."""
    shutil.copytree(MODELS / _shipped(), tmp_path / _shipped())
    store = ModelStore(tmp_path)
    with pytest.raises(ReadOnlyModel):
        store.update(_shipped(), name="mine")
    with pytest.raises(ReadOnlyModel):
        store.delete(_shipped())
    assert json.loads((tmp_path / _shipped() / "manifest.json").read_text())["shipped"] is True
