"""A models folder per test module holding a copy of the shipped model and small models
made here (random weights: their predictions are checked against torch, not for accuracy)."""

from __future__ import annotations

import io
import shutil
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import torch
from app_settings import make_settings
from fastapi.testclient import TestClient
from PIL import Image

from server.config import PROJECT_ROOT
from server.main import create_app
from server.nn.build import build_model
from server.nn.spec import NetworkSpec
from server.store import ModelStore

DENSE_ONLY = NetworkSpec.model_validate({
    "input": {"channels": 1, "height": 28, "width": 28},
    "layers": [{"type": "flatten"}, {"type": "dense", "units": 16, "activation": "relu"},
               {"type": "dense", "units": 10, "activation": "softmax"}]})
RGB = NetworkSpec.model_validate({
    "input": {"channels": 3, "height": 32, "width": 32},
    "layers": [{"type": "conv2d", "filters": 4, "kernel_size": 3, "activation": "relu"},
               {"type": "batch_norm"}, {"type": "global_avg_pool2d"},
               {"type": "dense", "units": 3}]})


def shipped_folder() -> Path:
    return next((PROJECT_ROOT / "models").glob("lenet-mnist-shipped-*"))


def png(pixels: np.ndarray, fmt: str = "PNG") -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, fmt)
    return buffer.getvalue()


def add_random(store: ModelStore, name: str, spec: NetworkSpec, classes: list[str],
               preprocessing: dict[str, object]) -> str:
    torch.manual_seed(1)
    model = build_model(spec).eval()
    return store.save(name, spec, model, {
        "classes": classes, "input_shape": [spec.input.channels, spec.input.height,
                                            spec.input.width],
        "preprocessing": preprocessing, "dataset": None, "metrics": {}})


@pytest.fixture(scope="module")
def models_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("store")
    shutil.copytree(shipped_folder(), folder / shipped_folder().name)
    store = ModelStore(folder)
    add_random(store, "dense only", DENSE_ONLY, [str(i) for i in range(10)],
               {"channels": 1, "height": 28, "width": 28, "mean": [0.5], "std": [0.5]})
    add_random(store, "rgb photos", RGB, ["red", "green", "blue"],
               {"channels": 3, "height": 32, "width": 32, "mean": [0.5] * 3,
                "std": [0.25] * 3})
    return folder


@pytest.fixture(scope="module")
def api(models_dir: Path) -> Iterator[TestClient]:
    with TestClient(create_app(make_settings(models_dir=models_dir))) as client:
        yield client


def model_id(client: TestClient, name: str) -> str:
    rows = client.get("/api/models").json()["models"]
    return next(r["id"] for r in rows if r["name"] == name or (name == "shipped" and
                                                               r["id"].startswith("lenet")))
