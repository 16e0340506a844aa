"""The Open Inference Protocol routes driven by tritonclient.http (a client nobody here
wrote) against a real uvicorn server: health, metadata, and inference with JSON and binary
tensors, whose probabilities must match POST /api/models/{id}/predict on the same image."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import requests
import torch
import tritonclient.http as triton
from app_settings import make_settings
from live_server import serving
from pictures import noise, png

from inference.conftest import RGB
from server.config import Settings
from server.datasets.registry import DatasetRegistry
from server.main import create_app
from server.nn.build import build_model
from server.store import ModelStore

MAX_BATCH = 16


@pytest.fixture(scope="module")
def live(models_dir: Path) -> Iterator[str]:
    app = create_app(make_settings(models_dir=models_dir, max_infer_batch=MAX_BATCH))
    with serving(app) as host:
        yield host


@pytest.fixture(scope="module")
def token(live: str) -> str:
    return str(requests.post(f"http://{live}/api/sessions", timeout=10).json()["token"])


@pytest.fixture(scope="module")
def client(live: str, token: str) -> Iterator[triton.InferenceServerClient]:
    with triton.InferenceServerClient(live) as connection:
        yield connection


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def model_ids(live: str, token: str) -> dict[str, str]:
    rows = requests.get(f"http://{live}/api/models", headers=auth(token), timeout=10).json()
    return {("shipped" if r["shipped"] else r["name"]): r["id"] for r in rows["models"]}


def predicted(live: str, token: str, model_id: str, image: np.ndarray) -> tuple[np.ndarray, str]:
    """POST /predict's probabilities of every class (index order) and its top label."""
    answer = requests.post(f"http://{live}/api/models/{model_id}/predict?top_k=1000",
                           files={"file": ("i.png", png(image), "image/png")},
                           headers=auth(token), timeout=30)
    assert answer.status_code == 200, answer.text
    rows = answer.json()["predictions"]
    probabilities = np.zeros(len(rows), dtype=np.float64)
    for row in rows:
        probabilities[row["index"]] = row["probability"]
    return probabilities, rows[0]["label"]


def infer(client: triton.InferenceServerClient, token: str, name: str, pixels: np.ndarray,
          binary: bool, version: str = "") -> triton.InferResult:
    tensor = triton.InferInput("input", list(pixels.shape), "UINT8")
    tensor.set_data_from_numpy(pixels, binary_data=binary)
    outputs = [triton.InferRequestedOutput(n, binary_data=binary)
               for n in ("probabilities", "labels")]
    return client.infer(name, [tensor], model_version=version, outputs=outputs,
                        headers=auth(token), request_id="r1")


def test_health_and_server_metadata(client: triton.InferenceServerClient) -> None:
    assert client.is_server_live()
    assert client.is_server_ready()
    metadata = client.get_server_metadata()
    assert metadata["name"] == "cnn-playground"
    assert "binary_tensor_data" in metadata["extensions"]


def test_model_metadata_and_readiness(client: triton.InferenceServerClient, live: str,
                                      token: str) -> None:
    ids = model_ids(live, token)
    shipped = client.get_model_metadata(ids["shipped"], headers=auth(token))
    assert shipped["inputs"] == [{"name": "input", "datatype": "UINT8",
                                  "shape": [-1, 28, 28, 1]}]
    assert shipped["outputs"] == [
        {"name": "probabilities", "datatype": "FP32", "shape": [-1, 10]},
        {"name": "labels", "datatype": "BYTES", "shape": [-1, 1]}]
    rgb = client.get_model_metadata("rgb photos", headers=auth(token))
    assert rgb["name"] == "rgb photos"
    assert rgb["versions"] == ["1"]
    assert rgb["inputs"][0]["shape"] == [-1, 32, 32, 3]
    assert rgb["outputs"][0]["shape"] == [-1, 3]
    assert client.is_model_ready(ids["dense only"], headers=auth(token))
    assert client.is_model_ready("rgb photos", "1", headers=auth(token))
    assert not client.is_model_ready("rgb photos", "2", headers=auth(token))
    assert not client.is_model_ready("no such model", headers=auth(token))


@pytest.mark.parametrize("binary", [False, True])
def test_mnist_digits_match_predict(client: triton.InferenceServerClient, live: str,
                                    token: str, binary: bool) -> None:
    images, _ = DatasetRegistry(Settings().datasets_dir).load("mnist", "test")
    # As MNIST has them, dark ink on light paper (inverted by /predict), and on grey (levels
    # stretched by /predict): each must be prepared as /predict prepares it.
    raw = images[:2].astype(np.int16)
    digits = np.concatenate([raw, 255 - raw, raw // 2 + 60]).astype(np.uint8)
    shipped = model_ids(live, token)["shipped"]
    result = infer(client, token, shipped, digits, binary)
    probabilities = result.as_numpy("probabilities")
    labels = result.as_numpy("labels")
    assert probabilities.dtype == np.float32
    assert probabilities.shape == (6, 10)
    assert labels.shape == (6, 1)
    assert result.get_response()["id"] == "r1"
    for i, digit in enumerate(digits):
        expected, label = predicted(live, token, shipped, digit[..., 0])
        np.testing.assert_allclose(probabilities[i], expected, atol=1e-5, rtol=0)
        assert labels[i, 0] in (label, label.encode())


@pytest.mark.parametrize("binary", [False, True])
def test_colour_images_match_predict_by_name_and_version(
        client: triton.InferenceServerClient, live: str, token: str, binary: bool) -> None:
    images = np.stack([noise(32, 32, seed=s) for s in range(5)])
    rgb = model_ids(live, token)["rgb photos"]
    by_name = infer(client, token, "rgb photos", images, binary, version="1")
    by_id = infer(client, token, rgb, images, binary)
    np.testing.assert_array_equal(by_name.as_numpy("probabilities"),
                                  by_id.as_numpy("probabilities"))
    assert by_name.get_response()["model_version"] == "1"
    for i, image in enumerate(images):
        expected, label = predicted(live, token, rgb, image)
        np.testing.assert_allclose(by_id.as_numpy("probabilities")[i], expected, atol=1e-5,
                                   rtol=0)
        assert by_id.as_numpy("labels")[i, 0] in (label, label.encode())


def test_a_batch_beyond_one_pass_is_split_and_kept_in_order(
        client: triton.InferenceServerClient, live: str, token: str) -> None:
    """MAX_BATCH images in one request against the same images one by one."""
    images = np.stack([noise(32, 32, seed=s) for s in range(MAX_BATCH)])
    together = infer(client, token, "rgb photos", images, True).as_numpy("probabilities")
    for i in (0, MAX_BATCH // 2, MAX_BATCH - 1):
        alone = infer(client, token, "rgb photos", images[i:i + 1], True)
        np.testing.assert_allclose(together[i], alone.as_numpy("probabilities")[0],
                                   atol=1e-6, rtol=0)


def test_a_name_means_its_default_alias_and_a_version_that_number(
        client: triton.InferenceServerClient, live: str, token: str, models_dir: Path) -> None:
    """Versions are numbered in save order within the caller's namespace; a name without a
    version is its `default` alias: the newest version, until moved by hand."""
    store = ModelStore(models_dir)
    session = requests.get(f"http://{live}/api/sessions/me", headers=auth(token), timeout=10)
    owner = session.json()["session_id"]
    ids = []
    for seed in (5, 6):
        torch.manual_seed(seed)
        ids.append(store.save("twice", RGB, build_model(RGB).eval(), {
            "classes": ["a", "b", "c"], "owner": owner, "preprocessing": {
                "channels": 3, "height": 32, "width": 32, "mean": [0.5] * 3,
                "std": [0.25] * 3}}))
    first, second = ids
    assert client.get_model_metadata("twice", headers=auth(token))["versions"] == ["1", "2"]
    assert client.get_model_metadata(first, headers=auth(token))["versions"] == ["1"]
    images = noise(32, 32, seed=9)[None]
    by_id = {i: infer(client, token, i, images, True).as_numpy("probabilities") for i in ids}
    assert not np.array_equal(by_id[first], by_id[second])  # two different models

    def check(expected: list[tuple[str, str, str]]) -> None:
        for version, model_id, answered in expected:
            answer = infer(client, token, "twice", images, True, version=version)
            np.testing.assert_array_equal(answer.as_numpy("probabilities"), by_id[model_id])
            assert answer.get_response()["model_version"] == answered

    check([("", second, "2"), ("2", second, "2"), ("1", first, "1")])
    moved = requests.put(f"http://{live}/api/models/names/twice/aliases/default",
                         json={"version": 1}, headers=auth(token), timeout=10)
    assert moved.status_code == 200, moved.text
    check([("", first, "1"), ("2", second, "2")])
    # another session has no name "twice": the models are private to their owner
    other = requests.post(f"http://{live}/api/sessions", timeout=10).json()["token"]
    assert requests.get(f"http://{live}/v2/models/twice", headers=auth(other),
                        timeout=10).status_code == 404
