"""Prediction on the GPU (CNNPG_PREDICT_DEVICE=cuda): every route that runs a model answers
as the same app on the CPU does, within float tolerance (cuDNN's convolutions are not the
CPU's bit for bit). Needs CUDA: `make test-gpu`; deselected elsewhere."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import torch
from app_settings import make_settings
from fastapi.testclient import TestClient
from scrape import scrape_text

from inference.conftest import model_id, png
from server.main import create_app

pytestmark = pytest.mark.gpu


@pytest.fixture(scope="module")
def pair(models_dir: Path) -> Iterator[tuple[TestClient, TestClient]]:
    """The same models served on the GPU and on the CPU."""
    with TestClient(create_app(make_settings(models_dir=models_dir, predict_device="cuda"))) \
            as gpu, TestClient(create_app(make_settings(models_dir=models_dir,
                                                        predict_device="cpu"))) as cpu:
        yield gpu, cpu


def strokes(count: int, size: int = 28, channels: int = 1) -> list[np.ndarray]:
    rng = np.random.default_rng(3)
    out = []
    for i in range(count):
        image = np.zeros((size, size, channels), np.uint8)
        top, left = rng.integers(2, size // 2, 2)
        image[top:top + size // 3, left:left + 3 + i % 5] = 255
        out.append(image if channels > 1 else image[..., 0])
    return out


def test_health_names_the_gpu(pair: tuple[TestClient, TestClient]) -> None:
    gpu, cpu = pair
    assert gpu.get("/api/health").json()["predict_device"] == "cuda:0"
    assert cpu.get("/api/health").json()["predict_device"] == "cpu"


@pytest.mark.parametrize("name", ["shipped", "dense only"])
def test_predict_explain_and_activations_match_the_cpu(
        pair: tuple[TestClient, TestClient], name: str) -> None:
    gpu, cpu = pair
    model = model_id(gpu, name)
    for image in strokes(3):
        path = f"/api/models/{model}/predict?top_k=10&explain=true&activations=true"
        on_gpu, on_cpu = (side.post(path, files={"file": ("d.png", png(image))})
                          for side in (gpu, cpu))
        assert on_gpu.status_code == 200, on_gpu.text
        a, b = on_gpu.json(), on_cpu.json()
        assert [p["index"] for p in a["predictions"]] == [p["index"] for p in b["predictions"]]
        np.testing.assert_allclose([p["probability"] for p in a["predictions"]],
                                   [p["probability"] for p in b["predictions"]], atol=1e-4)
        np.testing.assert_allclose(a["explanation"]["values"], b["explanation"]["values"],
                                   atol=1e-3)
        for x, y in zip(a["activations"], b["activations"], strict=True):
            assert x["mean"] == pytest.approx(y["mean"], rel=1e-3, abs=1e-5)


def test_a_batch_of_64_and_the_protocol_match_the_cpu(
        pair: tuple[TestClient, TestClient]) -> None:
    gpu, cpu = pair
    model = model_id(gpu, "shipped")
    images = strokes(64)
    files = [("files", (f"{i}.png", png(image), "image/png")) for i, image in enumerate(images)]
    a, b = (side.post(f"/api/models/{model}/predict/batch?top_k=10", files=files)
            for side in (gpu, cpu))
    assert a.status_code == 200, a.text
    for x, y in zip(a.json()["results"], b.json()["results"], strict=True):
        np.testing.assert_allclose([p["probability"] for p in x["predictions"]],
                                   [p["probability"] for p in y["predictions"]], atol=1e-4)
    body = {"inputs": [{"name": "input", "shape": [64, 28, 28, 1], "datatype": "UINT8",
                        "data": np.stack(images)[..., None].flatten().tolist()}]}
    answers = [side.post(f"/v2/models/{model}/infer", content=json.dumps(body),
                         headers={"content-type": "application/json"}) for side in (gpu, cpu)]
    assert answers[0].status_code == 200, answers[0].text
    on_gpu, on_cpu = (np.array(r.json()["outputs"][0]["data"]) for r in answers)
    np.testing.assert_allclose(on_gpu, on_cpu, atol=1e-4)


def test_the_models_weights_are_on_the_gpu_and_counted(
        pair: tuple[TestClient, TestClient]) -> None:
    gpu, _ = pair
    predictor = gpu.app.state.services.predictor  # type: ignore[attr-defined]
    loaded = predictor.get(model_id(gpu, "rgb photos"))
    assert {p.device.type for p in loaded.model.parameters()} == {"cuda"}
    assert predictor.parts is None  # a GPU pass is one slice
    assert torch.cuda.memory_allocated(0) > 0
    metrics = scrape_text(gpu.app)
    assert 'cnnpg_device_memory_bytes{device="cuda:0"}' in metrics
