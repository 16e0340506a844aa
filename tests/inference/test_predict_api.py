"""POST /api/models/{id}/predict and /predict/batch against the model called directly."""

from __future__ import annotations

import base64
import io
import json
from concurrent.futures import ThreadPoolExecutor
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


@pytest.fixture(scope="module")
def digits() -> tuple[np.ndarray, np.ndarray]:
    images, labels = DatasetRegistry(Settings().datasets_dir).load("mnist", "test")
    return images[..., 0], labels


def direct(models_dir: Path, name: str, x: torch.Tensor) -> torch.Tensor:
    """The stored model called directly (no server code between the tensor and torch)."""
    _, model, _ = ModelStore(models_dir).load(name)
    with torch.no_grad():
        out = model(x)
    return out if torch.allclose(out.sum(dim=1), torch.ones(len(x))) else out.softmax(dim=1)


def test_probabilities_equal_the_model_on_the_same_tensor(
        api: TestClient, models_dir: Path, digits: tuple[np.ndarray, np.ndarray]) -> None:
    images, labels = digits
    shipped = model_id(api, "shipped")
    for i in range(8):
        body = api.post(f"/api/models/{shipped}/predict?top_k=10",
                        files={"file": ("d.png", png(images[i]), "image/png")}).json()
        x = (torch.from_numpy(images[i].astype(np.float32)) / 255 - MEAN) / STD
        expected = direct(models_dir, shipped, x.view(1, 1, 28, 28))[0]
        got = torch.zeros(10)
        for p in body["predictions"]:
            got[p["index"]] = p["probability"]
        assert torch.allclose(got, expected, atol=1e-6), i
        assert sum(p["probability"] for p in body["predictions"]) == pytest.approx(1, abs=1e-5)
        probabilities = [p["probability"] for p in body["predictions"]]
        assert probabilities == sorted(probabilities, reverse=True)
        assert body["predictions"][0]["label"] == str(labels[i])
        assert body["preprocessing"]["steps"][0] == "already 28x28: used as it is"
        assert body["time_ms"] > 0


def dark_on_paper(digit: np.ndarray, rng: np.random.Generator) -> bytes:
    """A 'phone photo' of the digit: dark ink on off-white paper, large, off-centre, in
    colour, JPEG-compressed, with noise."""
    big = 255 - np.kron(digit, np.ones((25, 25), dtype=np.uint8)).astype(np.int16)
    big = np.clip(big - 30 + rng.integers(0, 25, big.shape), 0, 255).astype(np.uint8)
    big = np.pad(big, ((120, 60), (350, 40)), constant_values=215)
    colour = np.stack([big, big, (big * 0.9).astype(np.uint8)], axis=2)
    return png(colour, "JPEG")


def test_a_colour_photo_of_dark_ink_on_paper_is_read_like_mnist(
        api: TestClient, digits: tuple[np.ndarray, np.ndarray]) -> None:
    images, labels = digits
    rng = np.random.default_rng(0)
    shipped = model_id(api, "shipped")
    right = 0
    for i in range(30):
        body = api.post(f"/api/models/{shipped}/predict?input=true", files={
            "file": ("photo.jpg", dark_on_paper(images[i], rng), "image/jpeg")}).json()
        right += body["predictions"][0]["label"] == str(labels[i])
    assert right >= 27  # the same digits as 28x28 PNGs: 30/30
    steps = " | ".join(body["preprocessing"]["steps"])
    assert body["preprocessing"]["inverted"] is True
    for fragment in ("converted to grayscale", "inverted", "cropped to the content",
                     "centred by its centre of mass in 28x28"):
        assert fragment in steps
    seen = Image.open(io.BytesIO(base64.b64decode(body["input_png"].split(",")[1])))
    assert seen.size == (28, 28)
    seen_pixels = np.asarray(seen)
    assert seen_pixels[0].max() < 40
    assert seen_pixels.max() > 200


def test_a_large_photo_fits_a_small_colour_model(api: TestClient) -> None:
    photo = Settings().samples_dir
    sample = next(p for p in sorted(photo.iterdir()) if p.suffix in (".jpg", ".png"))
    rgb = model_id(api, "rgb photos")
    body = api.post(f"/api/models/{rgb}/predict?top_k=2",
                    files={"file": (sample.name, sample.read_bytes())})
    assert body.status_code == 200, body.text
    assert len(body.json()["predictions"]) == 2
    assert "keeping the aspect ratio" in " ".join(body.json()["preprocessing"]["steps"])


def test_batch_results_line_up_with_single_predictions(
        api: TestClient, digits: tuple[np.ndarray, np.ndarray]) -> None:
    images, _ = digits
    shipped = model_id(api, "shipped")
    files = [("files", (f"{i}.png", png(images[i]), "image/png")) for i in range(12)]
    batch = api.post(f"/api/models/{shipped}/predict/batch?top_k=3", files=files).json()
    assert [r["filename"] for r in batch["results"]] == [f"{i}.png" for i in range(12)]
    for i, result in enumerate(batch["results"]):
        single = api.post(f"/api/models/{shipped}/predict?top_k=3",
                          files={"file": ("x.png", png(images[i]))}).json()
        for a, b in zip(result["predictions"], single["predictions"], strict=True):
            assert a["index"] == b["index"]
            assert a["probability"] == pytest.approx(b["probability"], abs=1e-5)


def test_concurrent_requests_each_get_their_own_answer(
        api: TestClient, models_dir: Path, digits: tuple[np.ndarray, np.ndarray]) -> None:
    images, _ = digits
    shipped = model_id(api, "shipped")

    def ask(i: int) -> list[float]:
        body = api.post(f"/api/models/{shipped}/predict?top_k=10",
                        files={"file": ("d.png", png(images[i]))}).json()
        ordered = sorted(body["predictions"], key=lambda p: p["index"])
        return [p["probability"] for p in ordered]

    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(ask, range(48)))
    x = (torch.from_numpy(images[:48].astype(np.float32)) / 255 - MEAN) / STD
    expected = direct(models_dir, shipped, x.unsqueeze(1))
    assert torch.allclose(torch.tensor(answers), expected, atol=1e-5)


def test_the_preprocessed_input_is_what_the_model_sees(
        api: TestClient, models_dir: Path, digits: tuple[np.ndarray, np.ndarray]) -> None:
    """Send an off-centre photo, decode the `input_png` the server reports, run the model on
    it directly: the probabilities must be the server's."""
    images, _ = digits
    shipped = model_id(api, "shipped")
    body = api.post(f"/api/models/{shipped}/predict?top_k=10&input=true", files={
        "file": ("p.jpg", dark_on_paper(images[3], np.random.default_rng(1)))}).json()
    seen = np.asarray(Image.open(io.BytesIO(base64.b64decode(body["input_png"].split(",")[1]))))
    x = (torch.from_numpy(seen.astype(np.float32)) / 255 - MEAN) / STD
    expected = direct(models_dir, shipped, x.view(1, 1, 28, 28))[0]
    for p in body["predictions"]:
        assert p["probability"] == pytest.approx(float(expected[p["index"]]), abs=1e-5)


def test_every_answer_is_json_with_the_documented_fields(api: TestClient) -> None:
    shipped = model_id(api, "shipped")
    body = api.post(f"/api/models/{shipped}/predict",
                    files={"file": ("z.png", png(np.zeros((10, 10), np.uint8)))}).json()
    assert set(body) == {"model_id", "predictions", "preprocessing", "time_ms"}
    assert "no content found" in " ".join(body["preprocessing"]["steps"])  # blank: no crash
    json.dumps(body)


def test_prepare_at_size_equals_prepare_image_by_image() -> None:
    """The protocol's batch preparation against prepare() of each image (MNIST's levels
    rule: some images as they are, some inverted, some stretched; and a photo model)."""
    from server.inference.preprocess import from_manifest, prepare, prepare_at_size

    rng = np.random.default_rng(3)
    dark = from_manifest({"channels": 1, "height": 28, "width": 28, "mean": [0.1307],
                          "std": [0.3081]}, "mnist")
    photo = from_manifest({"channels": 3, "height": 8, "width": 8, "mean": [0.5] * 3,
                           "std": [0.25] * 3})
    for pre, shape in ((dark, (40, 28, 28, 1)), (photo, (10, 8, 8, 3))):
        pixels = rng.integers(0, 256, shape, dtype=np.uint8)
        pixels[::4] //= 8  # dark, as MNIST digits are
        pixels[1::4, 2:-2, 2:-2] = 255  # bright content on a random border
        together = prepare_at_size(pixels, pre)
        alone = torch.cat([prepare(image, pre).tensor for image in pixels])
        assert torch.equal(together, alone)
