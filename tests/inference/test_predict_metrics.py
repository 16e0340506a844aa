"""GET /metrics before and after predictions: requests by route template, batch sizes and
forward passes per model, warm-ups, loaded models; a private model is never named."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch
from fastapi.testclient import TestClient
from scrape import moved, scrape, scrape_text, value

from server.nn.build import build_model
from server.store import ModelStore

from .conftest import DENSE_ONLY, model_id, png

PREDICT = "/api/models/{model_id}/predict"


def digit(seed: int) -> bytes:
    return png(np.random.default_rng(seed).integers(0, 256, (28, 28), dtype=np.uint8))


def test_predictions_move_the_counters_by_what_was_sent(
        make_client: Callable[..., TestClient], models_dir: Path) -> None:
    client = make_client(models_dir=models_dir)
    app = client.app
    dense, rgb = model_id(client, "dense only"), model_id(client, "rgb photos")
    before = scrape(app)
    for seed in range(3):
        answer = client.post(f"/api/models/{dense}/predict", files={"file": ("d.png",
                                                                             digit(seed))})
        assert answer.status_code == 200, answer.text
    photos = [("files", (f"{i}.png", png(np.full((32, 32, 3), 40 * i, np.uint8)),
                         "image/png")) for i in range(5)]
    assert client.post(f"/api/models/{rgb}/predict/batch", files=photos).status_code == 200
    assert client.get("/api/no/such/page").status_code == 404
    assert client.post("/api/models/no-such-model/predict",
                       files={"file": ("d.png", digit(0))}).status_code == 404
    after = scrape(app)

    def requests(route: str, status: str, method: str = "POST") -> float:
        return moved(before, after, "cnnpg_http_requests_total", route=route, method=method,
                     status=status)

    assert requests(PREDICT, "2xx") == 3
    assert requests(PREDICT, "4xx") == 1
    assert requests(PREDICT + "/batch", "2xx") == 1
    assert requests("unmatched", "4xx", "GET") == 1
    assert moved(before, after, "cnnpg_http_request_duration_seconds_count", route=PREDICT,
                 method="POST", status="2xx") == 3
    # One forward pass per single request; the batch in one pass of 5.
    assert moved(before, after, "cnnpg_prediction_batch_size_count", model=dense) == 3
    assert moved(before, after, "cnnpg_prediction_batch_size_sum", model=dense) == 3
    assert moved(before, after, "cnnpg_prediction_batch_size_count", model=rgb) == 1
    assert moved(before, after, "cnnpg_prediction_batch_size_sum", model=rgb) == 5
    assert moved(before, after, "cnnpg_prediction_seconds_count", model=rgb) == 1
    assert value(after, "cnnpg_prediction_seconds_sum", model=dense) > 0
    # Loaded once, warmed up once, however many requests followed.
    assert value(after, "cnnpg_model_warmups_total", model=dense) == 1
    assert value(after, "cnnpg_model_warmups_total", model=rgb) == 1
    assert value(before, "cnnpg_loaded_models") == 0
    assert value(after, "cnnpg_loaded_models") == 2
    weights = sum(p.numel() * 4 for p in build_model(DENSE_ONLY).parameters())
    assert value(after, "cnnpg_loaded_model_bytes") > weights
    assert value(after, "cnnpg_device_memory_bytes", device="cpu") > 50 * 2**20
    labels = " ".join(scrape_text(app).split("\n"))
    assert f"/api/models/{dense}" not in labels  # templates, never raw paths


def test_a_private_model_is_counted_as_private(
        make_client: Callable[..., TestClient], tmp_path: Path) -> None:
    client = make_client(models_dir=tmp_path)
    made = client.post("/api/sessions")
    assert made.status_code == 201, made.text
    token, session_id = made.json()["token"], made.json()["session_id"]
    torch.manual_seed(3)
    private = ModelStore(tmp_path).save("secret handwriting", DENSE_ONLY,
                                        build_model(DENSE_ONLY).eval(), {
        "classes": [str(i) for i in range(10)], "input_shape": [1, 28, 28],
        "preprocessing": {"channels": 1, "height": 28, "width": 28, "mean": [0.5],
                          "std": [0.5]}, "dataset": None, "metrics": {},
        "owner": session_id})
    before = scrape(client.app)
    for seed in range(2):
        answer = client.post(f"/api/models/{private}/predict", headers={
            "Authorization": f"Bearer {token}"}, files={"file": ("d.png", digit(seed))})
        assert answer.status_code == 200, answer.text
    text = scrape_text(client.app)
    after = scrape(client.app)
    assert moved(before, after, "cnnpg_prediction_batch_size_count", model="private") == 2
    assert value(after, "cnnpg_model_warmups_total", model="private") == 1
    for secret in (private, "secret handwriting", session_id):
        assert secret not in text
