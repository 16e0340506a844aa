"""A detector trained through the runs API (real worker process, real websocket), then asked
to find digits with POST /api/models/{id}/detect; wrong requests are refused at the field."""

from __future__ import annotations

import base64
import io
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient
from PIL import Image
from training.run_helpers import TINY

from server.config import Settings
from server.datasets.registry import DatasetRegistry
from server.detection import scene_cache

pytestmark = pytest.mark.slow


@pytest.fixture
def app_client(tmp_path: Any, make_client: Callable[..., TestClient]) -> TestClient:
    return make_client(models_dir=tmp_path / "models", max_concurrent_runs=1,
                       stream_interval=0.05, train_threads=2)


def detection_run(client: TestClient, **training: Any) -> dict[str, Any]:
    return client.post("/api/runs", json={
        "network": {"preset": "yolo-tiny-mnist"}, "dataset": "mnist-detect",
        "training": {"epochs": 2, "batch_size": 32, "max_train_samples": 600,
                     "learning_rate": 0.003, **training}})


def png_of(pixels: np.ndarray) -> bytes:
    out = io.BytesIO()
    Image.fromarray(pixels).save(out, format="PNG")
    return out.getvalue()


def test_a_detector_trains_through_the_runs_api_streams_boxes_and_detects(
        app_client: TestClient) -> None:
    response = detection_run(app_client)
    assert response.status_code == 201, response.text
    run_id = response.json()["id"]
    events: list[dict[str, Any]] = []
    with app_client.websocket_connect(f"/ws/runs/{run_id}") as ws:
        assert ws.receive_json()["type"] == "snapshot"
        while not (events and events[-1]["type"] == "status"
                   and events[-1]["status"] in ("finished", "failed")):
            events.append(ws.receive_json())
    assert events[-1]["status"] == "finished", events[-1]
    steps = [e for e in events if e["type"] == "step"]
    assert steps[-1]["loss"] < steps[0]["loss"]
    assert "accuracy" not in steps[-1] or steps[-1]["accuracy"] is None
    epochs = [e for e in events if e["type"] == "epoch"]
    assert [e["epoch"] for e in epochs] == [1, 2]
    assert all(0.0 <= e["map50"] <= 1.0 for e in epochs)
    assert len(epochs[-1]["ap_per_class"]) == 10
    probes = [e for e in events if e["type"] == "detections"]
    assert probes, "the probe scene's boxes were not streamed"
    last = probes[-1]
    assert np.array(last["objectness"]).shape == (6, 6)
    assert len(last["kept"]["boxes"]) <= len(last["raw"]["boxes"])
    model = next(e for e in events if e["type"] == "model")
    assert model["metrics"]["test_map50"] == pytest.approx(epochs[-1]["map50"])
    model_id = model["model_id"]
    stored = app_client.get(f"/api/models/{model_id}").json()
    run = app_client.get(f"/api/runs/{run_id}").json()  # its notes, typed for the page
    assert [d["text"] for d in run["note_details"]] == run["notes"]
    assert [d["type"] for d in run["note_details"]] == ["detection_scored_scenes",
                                                         "detection_first_scenes"]
    assert run["note_details"][1]["ctx"] == {"count": 600}
    assert stored["dataset"] == "mnist-detect"
    # A scene the model never trained on (a test scene), three times larger than the input:
    # the boxes come back in the model's 96-pixel frame and in the picture's own pixels.
    registry = DatasetRegistry(Settings().datasets_dir)
    scenes = scene_cache.load_scenes(registry.scenes_dir, registry, "test")
    big = np.kron(scenes.images[3][..., 0], np.ones((3, 3), np.uint8))
    answer = app_client.post(f"/api/models/{model_id}/detect",
                             params={"score_threshold": 0.0, "iou_threshold": 0.5},
                             files={"file": ("scene.png", png_of(big), "image/png")})
    assert answer.status_code == 200, answer.text
    found = answer.json()
    assert found["input_size"] == 96
    assert len(found["before_nms"]["boxes"]) >= len(found["detections"]) > 0
    for detection in found["detections"]:
        assert detection["picture_box"] == pytest.approx([3 * v for v in detection["box"]],
                                                         abs=0.02)
        assert detection["label"] == str(detection["class"])
    scores = [d["score"] for d in found["detections"]]
    assert scores == sorted(scores, reverse=True)
    assert found["input_png"].startswith("data:image/png;base64,")
    assert base64.b64decode(found["input_png"].split(",")[1])[:4] == b"\x89PNG"
    # A detector cannot classify, and a classifier cannot detect: each says which to use.
    wrong = app_client.post(f"/api/models/{model_id}/predict",
                            files={"file": ("scene.png", png_of(big), "image/png")})
    assert wrong.status_code == 409
    assert f"/api/models/{model_id}/detect" in wrong.json()["detail"][0]["msg"]
    pixels = np.zeros((1, 96, 96, 1), np.uint8)
    infer = app_client.post(f"/v2/models/{model_id}/infer", json={"inputs": [{
        "name": "input", "datatype": "UINT8", "shape": [1, 96, 96, 1],
        "data": pixels.ravel().tolist()}]})
    assert infer.status_code == 409
    assert "detect" in infer.text
    metadata = app_client.get(f"/v2/models/{model_id}")
    assert metadata.status_code == 409
    assert f"/api/models/{model_id}/detect" in metadata.json()["detail"][0]["msg"]


@pytest.mark.parametrize(("body", "loc", "words"), [
    ({"dataset": "mnist"}, ["dataset"], "mnist-detect"),
    ({"network": TINY}, ["network", "layers", 3, "type"], "detection_head"),
    ({"training": {"augment": {"shift": 0.1}}}, ["training", "augment"], "boxes"),
])
def test_detection_runs_that_cannot_work_are_refused_at_the_field(
        client: TestClient, body: dict[str, Any], loc: list[Any], words: str) -> None:
    request = {"network": {"preset": "yolo-tiny-mnist"}, "dataset": "mnist-detect",
               "training": {"epochs": 1}, **body}
    response = client.post("/api/runs", json=request)
    assert response.status_code == 422, response.text
    error = response.json()["detail"][0]
    assert error["loc"] == loc, error
    assert words in error["msg"]


def test_a_classifier_asked_to_detect_says_to_use_predict(
        tmp_path: Path, make_client: Callable[..., TestClient]) -> None:
    source = next((Path(__file__).parents[2] / "models").glob("lenet-mnist-shipped-*"))
    shutil.copytree(source, tmp_path / "models" / source.name)
    client = make_client(models_dir=tmp_path / "models")
    shipped = source.name
    picture = png_of(np.zeros((28, 28), np.uint8))
    response = client.post(f"/api/models/{shipped}/detect",
                           files={"file": ("blank.png", picture, "image/png")})
    assert response.status_code == 409
    assert f"/api/models/{shipped}/predict" in response.json()["detail"][0]["msg"]
    bad = client.post(f"/api/models/{shipped}/detect", params={"score_threshold": 2},
                      files={"file": ("blank.png", picture, "image/png")})
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["loc"] == ["query", "score_threshold"]
