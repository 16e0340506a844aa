"""GET /api/datasets and sample thumbnails."""

from __future__ import annotations

import base64
import io

import numpy as np
from fastapi.testclient import TestClient
from PIL import Image

from server.datasets.idx import read_idx_split
from server.datasets.registry import BUILTIN_DIR


def test_datasets_listing(client: TestClient) -> None:
    items = {d["name"]: d for d in client.get("/api/datasets").json()["datasets"]}
    mnist = items["mnist"]
    assert mnist["present"] is True
    assert mnist["counts"] == {"train": 10000, "test": 2000}
    assert mnist["input_shape"] == [1, 28, 28]
    assert [c["name"] for c in mnist["classes"]] == [str(i) for i in range(10)]
    assert mnist["preprocessing"]["mean"] == [0.1307]
    fashion = items["fashion-mnist"]
    assert fashion["classes"][9]["name"] == "Ankle boot"
    assert fashion["counts"] == {"train": 5000, "test": 1000}
    assert items["cifar10"]["input_shape"] == [3, 32, 32]


def test_samples_are_the_real_images(client: TestClient) -> None:
    body = client.get("/api/datasets/fashion-mnist/samples",
                      params={"split": "test", "n": 5, "seed": 3}).json()
    images, labels = read_idx_split(BUILTIN_DIR / "fashion-mnist", "t10k")
    assert len(body["samples"]) == 5
    for sample in body["samples"]:
        data = base64.b64decode(sample["png"].removeprefix("data:image/png;base64,"))
        pixels = np.asarray(Image.open(io.BytesIO(data)))
        assert np.array_equal(pixels, images[sample["index"]])
        assert sample["label"] == labels[sample["index"]]
    again = client.get("/api/datasets/fashion-mnist/samples",
                       params={"split": "test", "n": 5, "seed": 3}).json()
    assert [s["index"] for s in again["samples"]] == [s["index"] for s in body["samples"]]


def test_sample_errors(client: TestClient) -> None:
    missing = client.get("/api/datasets/imagenet/samples")
    assert missing.status_code == 404
    assert "mnist" in missing.json()["detail"][0]["msg"]
    too_many = client.get("/api/datasets/mnist/samples", params={"n": 1000})
    assert too_many.status_code == 422
    assert too_many.json()["detail"][0]["loc"] == ["query", "n"]
    bad_split = client.get("/api/datasets/mnist/samples", params={"split": "validation"})
    assert bad_split.status_code == 422
