"""Training on a dataset of your own: a preset adapts to it, the held-out accuracy of two
visually distinct classes is high, and the model answers with the dataset's class names
and replays its preprocessing. Runs on too-small or someone else's datasets are refused."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient
from pictures import stripes
from training.run_helpers import wait_for

from server.datasets.user_source import held_out

FINAL = ("finished", "stopped", "failed")


def session(client: TestClient) -> dict[str, str]:
    return {"Authorization": f"Bearer {client.post('/api/sessions').json()['token']}"}


def dataset(client: TestClient, headers: dict[str, str], per_class: int) -> str:
    made = client.post("/api/datasets", headers=headers,
                       json={"name": "Stripes", "classes": ["vertical", "horizontal"]})
    dataset_id = str(made.json()["id"])
    for label, vertical in (("vertical", True), ("horizontal", False)):
        files = [("files", (f"{label}{i}.png", stripes(vertical, i + 1000 * vertical),
                            "image/png")) for i in range(per_class)]
        answer = client.post(f"/api/datasets/{dataset_id}/images", headers=headers,
                             data={"label": label}, files=files)
        assert answer.json()["stored"] == per_class, answer.text
    return dataset_id


@pytest.fixture
def client(make_client: Callable[..., TestClient], tmp_path: Path) -> TestClient:
    return make_client(models_dir=tmp_path, warm_workers=1)


def test_a_preset_trains_on_your_dataset_and_answers_with_its_classes(
        client: TestClient) -> None:
    me = session(client)
    client.headers.update(me)  # wait_for asks as this session too
    dataset_id = dataset(client, me, per_class=40)
    body = {"network": {"preset": "lenet-mnist"}, "dataset": dataset_id,
            "training": {"epochs": 8, "batch_size": 16, "learning_rate": 0.003,
                         "validation_split": 0.2}}
    started = client.post("/api/runs", headers=me, json=body)
    assert started.status_code == 201, started.text
    run = wait_for(client, started.json()["id"], lambda r: r["status"] in FINAL and
                   (r["status"] != "finished" or r["model_id"] is not None), timeout=300)
    assert run["status"] == "finished", run["message"]
    model = client.get(f"/api/models/{run['model_id']}", headers=me).json()
    assert model["classes"] == ["vertical", "horizontal"]
    assert model["input_shape"] == [1, 32, 32], "the preset took the dataset's size"
    assert model["manifest"]["preprocessing"]["resize"] == "pad_border"
    assert model["test_accuracy"] >= 0.9, model["manifest"]["metrics"]
    # A picture it never saw, of another size: answered with the dataset's class name.
    answer = client.post(f"/api/models/{run['model_id']}/predict", headers=me,
                         files={"file": ("new.png", stripes(True, 777), "image/png")})
    assert answer.status_code == 200, answer.text
    assert answer.json()["predictions"][0]["label"] == "vertical"
    assert "as your dataset's pictures were" in " ".join(
        answer.json()["preprocessing"]["steps"])


def test_runs_on_too_small_or_other_peoples_datasets_are_refused(client: TestClient) -> None:
    me, other = session(client), session(client)
    dataset_id = dataset(client, me, per_class=4)
    body = {"network": {"preset": "lenet-mnist"}, "dataset": dataset_id}
    small = client.post("/api/runs", headers=me, json=body)
    assert small.status_code == 422
    assert small.json()["detail"][0]["loc"][-1] == "dataset"
    assert "class 'vertical'" in small.json()["detail"][0]["msg"]
    assert "add at least 1 more" in small.json()["detail"][0]["msg"]
    theirs = client.post("/api/runs", headers=other, json=body)
    assert theirs.status_code == 422
    assert "no dataset" in theirs.json()["detail"][0]["msg"]


def test_the_held_out_test_split_is_a_tenth_of_every_class() -> None:
    labels = np.array([0] * 30 + [1] * 7 + [2] * 3)
    train, test = held_out(labels)
    assert sorted(labels[test].tolist()) == [0, 0, 0, 1]
    assert len(train) + len(test) == len(labels)
    assert not set(train) & set(test)
