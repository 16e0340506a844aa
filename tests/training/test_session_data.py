"""DELETE /api/sessions/me removes everything a session made; CNNPG_DATA_RETENTION_DAYS
removes what sessions left unused, and never the published or the operator's models."""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient
from inference.conftest import png, shipped_folder

from .run_helpers import start, wait_for
from .test_retention_api import HOUR, finished, services_of

DAY = 24 * HOUR


@pytest.fixture
def app_client(tmp_path: Path, make_client: Callable[..., TestClient]) -> TestClient:
    shutil.copytree(shipped_folder(), tmp_path / "models" / shipped_folder().name)
    return make_client(models_dir=tmp_path / "models", max_concurrent_runs=1,
                       stream_interval=0.05, train_threads=1)


def import_copy(client: TestClient) -> str:
    exported = client.get(f"/api/models/{shipped_folder().name}/export")
    answer = client.post("/api/models/import", files={"file": ("m.zip", exported.content)})
    assert answer.status_code == 201, answer.text
    return str(answer.json()["id"])


def upload(client: TestClient) -> str:
    picture = png(np.full((16, 16, 3), 200, np.uint8))
    answer = client.post("/api/images", files={"file": ("a.png", picture)})
    assert answer.status_code == 201, answer.text
    return str(answer.json()["image_id"])


def test_a_session_deletes_everything_it_made(app_client: TestClient) -> None:
    services = services_of(app_client)
    other = TestClient(app_client.app)  # another session on the same server
    theirs = import_copy(other), upload(other)
    done = finished(app_client)
    services.pruner.clock = lambda: done["ended"] + 25 * HOUR
    services.pruner.run_once()  # the finished run is now a summary
    image, model = upload(app_client), import_copy(app_client)
    dataset = app_client.post("/api/datasets", json={"name": "mine"}).json()["id"]
    kept = other.post("/api/datasets", json={"name": "theirs"}).json()["id"]
    room = app_client.post("/api/rooms", json={"title": "mine"}).json()["code"]
    other_room = other.post("/api/rooms", json={}).json()["code"]
    assert app_client.post(f"/api/rooms/{other_room}/join", json={"name": "Ada"}).is_success
    training = start(app_client, epochs=50)  # still training when its session goes
    wait_for(app_client, training, lambda r: r["epoch"] >= 1, 120)
    answer = app_client.delete("/api/sessions/me")
    assert answer.status_code == 200, answer.text
    assert answer.json()["deleted"] == {"runs": 1, "run_summaries": 1, "uploads": 1,
                                        "models": 2, "rooms": 2, "datasets": 1}
    assert other.get(f"/api/datasets/{kept}").status_code == 200
    for path in (f"/api/runs/{training}", f"/api/runs/{done['id']}", f"/api/datasets/{dataset}",
                 f"/api/images/{image}", f"/api/models/{model}",
                 f"/api/models/{done['model_id']}"):
        assert app_client.get(path).status_code == 404, path
    assert app_client.get("/api/runs").json()["runs"] == []
    assert app_client.get("/api/rooms").json() == {"teaching": [], "joined": []}
    assert services.rooms.rooms[room].closed
    assert "Ada" not in other.get(f"/api/rooms/{other_room}").text  # left the room it joined
    # The run stopped after an epoch saves a model as it ends: it is discarded too.
    deadline = time.monotonic() + 60
    while services.runs.pool_state().busy and time.monotonic() < deadline:
        time.sleep(0.1)
    sid = app_client.get("/api/sessions/me").json()["session_id"]
    assert services.models.owned_by(sid) == []
    assert other.get(f"/api/models/{theirs[0]}").status_code == 200  # others keep theirs
    assert other.get(f"/api/images/{theirs[1]}").status_code == 200
    assert app_client.get("/api/models").status_code == 200  # the session still works


def test_unused_private_data_expires_and_published_models_stay(
        app_client: TestClient) -> None:
    services = services_of(app_client)
    private, published = import_copy(app_client), import_copy(app_client)
    assert app_client.post(f"/api/models/{published}/publish").is_success
    image = upload(app_client)
    dataset = app_client.post("/api/datasets", json={"classes": ["a", "b"]}).json()["id"]
    now = time.time()
    swept = services.sweep(now + 29 * DAY)  # used today: kept 30 days
    assert (swept["models"], swept["datasets"]) == (0, 0)
    root = services.settings.models_dir
    for model_id in (private, published, shipped_folder().name):
        os.utime(root / model_id, (now - 40 * DAY, now - 40 * DAY))
    for path in (root / ".datasets" / dataset).rglob("*"):
        os.utime(path, (now - 40 * DAY, now - 40 * DAY))
    os.utime(root / ".datasets" / dataset, (now - 40 * DAY, now - 40 * DAY))
    counts = services.sweep(now + 31 * DAY)
    assert counts["models"] == 1
    assert counts["uploads"] == 1
    assert counts["datasets"] == 1
    assert app_client.get(f"/api/datasets/{dataset}").status_code == 404
    assert app_client.get(f"/api/models/{private}").status_code == 404
    assert app_client.get(f"/api/models/{published}").status_code == 200
    assert app_client.get(f"/api/models/{shipped_folder().name}").status_code == 200
    assert app_client.get(f"/api/images/{image}").status_code == 404


def test_data_retention_zero_keeps_everything(make_client: Callable[..., TestClient],
                                              tmp_path: Path) -> None:
    shutil.copytree(shipped_folder(), tmp_path / shipped_folder().name)
    client = make_client(models_dir=tmp_path, data_retention_days=0)
    model = import_copy(client)
    image = upload(client)
    counts = services_of(client).sweep(time.time() + 3650 * DAY)
    assert counts == {"runs": 0, "run_summaries": 0, "models": 0, "uploads": 0,
                      "datasets": 0}
    assert client.get(f"/api/models/{model}").status_code == 200
    assert client.get(f"/api/images/{image}").status_code == 200
