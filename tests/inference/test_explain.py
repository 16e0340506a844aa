"""?explain=true and ?activations=true, checked against references written with torch hooks."""

from __future__ import annotations

import base64
import io
from pathlib import Path

import numpy as np
import pytest
import torch
from fastapi.testclient import TestClient
from PIL import Image

from inference.conftest import model_id, png
from server.config import Settings
from server.datasets.registry import DatasetRegistry
from server.store import ModelStore

MEAN, STD = 0.1307, 0.3081


def picture(data_url: str) -> np.ndarray:
    assert data_url.startswith("data:image/png;base64,")
    return np.asarray(Image.open(io.BytesIO(base64.b64decode(data_url.split(",")[1]))))


@pytest.fixture(scope="module")
def seven() -> np.ndarray:
    images, labels = DatasetRegistry(Settings().datasets_dir).load("mnist", "test")
    assert labels[0] == 7
    return np.asarray(images[0, ..., 0])


def grad_cam_reference(model: torch.nn.Module, layer: int, x: torch.Tensor,
                       target: int) -> np.ndarray:
    """Grad-CAM as Selvaraju et al. define it, on the logits, with a forward hook."""
    kept: dict[str, torch.Tensor] = {}

    def hook(_: torch.nn.Module, __: object, output: torch.Tensor) -> None:
        output.retain_grad()
        kept["a"] = output

    handle = model.layers[layer].register_forward_hook(hook)  # type: ignore[index]
    try:
        logits = model.logits(x)  # type: ignore[operator]
        logits[0, target].backward()
    finally:
        handle.remove()
    a, grad = kept["a"][0], kept["a"].grad[0]  # type: ignore[index]
    cam = torch.relu((grad.mean(dim=(1, 2))[:, None, None] * a).sum(0)).detach().numpy()
    return cam / cam.max()


def test_grad_cam_matches_a_hook_based_reference(api: TestClient, models_dir: Path,
                                                 seven: np.ndarray) -> None:
    shipped = model_id(api, "shipped")
    body = api.post(f"/api/models/{shipped}/predict?explain=true",
                    files={"file": ("7.png", png(seven))}).json()
    explanation = body["explanation"]
    assert explanation["method"] == "grad_cam"
    assert explanation["label"] == "7"
    assert explanation["class_index"] == 7
    assert "approximation" in explanation["note"]
    _, model, _ = ModelStore(models_dir).load(shipped)
    x = ((torch.from_numpy(seven.astype(np.float32)) / 255 - MEAN) / STD).view(1, 1, 28, 28)
    reference = grad_cam_reference(model, explanation["layer"], x, 7)
    np.testing.assert_allclose(np.array(explanation["values"]), reference, atol=2e-4)
    assert explanation["layer"] == 3  # the last map larger than 1x1 (pool, 7x7)
    heatmap, overlay = picture(explanation["heatmap_png"]), picture(explanation["overlay_png"])
    assert heatmap.shape == (28, 28, 4)
    assert overlay.shape == (28, 28, 3)
    assert heatmap[..., 3].max() == 255  # the hottest point is opaque


def test_a_network_without_maps_gets_gradient_x_input(api: TestClient, models_dir: Path,
                                                      seven: np.ndarray) -> None:
    dense = model_id(api, "dense only")
    body = api.post(f"/api/models/{dense}/predict?explain=true",
                    files={"file": ("7.png", png(seven))}).json()
    explanation = body["explanation"]
    assert explanation["method"] == "gradient_x_input"
    assert explanation["layer"] is None
    _, model, _ = ModelStore(models_dir).load(dense)
    x = ((torch.from_numpy(seven.astype(np.float32)) / 255 - 0.5) / 0.5).view(1, 1, 28, 28)
    x.requires_grad_(True)
    model.logits(x)[0, explanation["class_index"]].backward()  # type: ignore[operator]
    reference = torch.relu(x.grad[0, 0] * x[0, 0]).detach().numpy()  # type: ignore[index]
    np.testing.assert_allclose(np.array(explanation["values"]), reference / reference.max(),
                               atol=2e-4)


def test_activations_follow_the_layer_summary(api: TestClient, models_dir: Path,
                                              seven: np.ndarray) -> None:
    shipped = model_id(api, "shipped")
    body = api.post(f"/api/models/{shipped}/predict?activations=true",
                    files={"file": ("7.png", png(seven))}).json()
    details = api.get(f"/api/models/{shipped}").json()
    rows = body["activations"]
    assert [r["shape"] for r in rows] == [layer["output_shape"]
                                         for layer in details["summary"]["layers"]]
    _, model, _ = ModelStore(models_dir).load(shipped)
    x = ((torch.from_numpy(seven.astype(np.float32)) / 255 - MEAN) / STD).view(1, 1, 28, 28)
    with torch.no_grad():
        first = model.layers[0](x)[0]  # type: ignore[index]
        last = model(x)[0]
    assert rows[0]["mean"] == pytest.approx(float(first.mean()), rel=1e-4)
    assert rows[0]["fraction_zero"] == pytest.approx(float((first == 0).float().mean()))
    grid = picture(rows[0]["png"])  # 16 of the 20 maps, 4x4 with 1-pixel gaps
    assert rows[0]["channels_shown"] == 16
    assert grid.shape == (4 * 29 - 1, 4 * 29 - 1)
    np.testing.assert_allclose(rows[-1]["values"], last.numpy(), atol=1e-5)
    assert rows[-1]["png"] is None
    assert rows[0]["values"] is None
    assert picture(body["input_png"]).shape == (28, 28)
