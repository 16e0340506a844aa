"""Two sessions cannot see or touch each other's uploads, models and runs; shared things
can be read but only changed by their owner."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from server.store import ModelStore

from .fixtures import models_folder, png, session, session_id, shipped_id, start, upload, wait_for

DIGIT = png(np.pad(np.full((16, 4), 255, np.uint8), 6))


@pytest.fixture
def client(make_client, tmp_path: Path) -> TestClient:
    return make_client(models_dir=models_folder(tmp_path), max_concurrent_runs=1,
                       stream_interval=0.05, train_threads=1)


def private_model(client: TestClient, owner: dict[str, str]) -> str:
    store: ModelStore = client.app.state.services.models  # type: ignore[attr-defined]
    return store.copy(shipped_id(), "alice's digits", {
        "owner": session_id(client, owner), "visibility": "private"})


def test_uploads_are_private(client: TestClient) -> None:
    alice, bob = session(client), session(client)
    image = upload(client, alice)
    source = {"source": {"image_id": image}, "spec": {"steps": [{"kernel": "box_blur_3"}]},
              "x": 1, "y": 1}
    assert client.get(f"/api/images/{image}", headers=alice).status_code == 200
    assert client.post("/api/kernels/explain", json=source, headers=alice).status_code == 200
    for response in (client.get(f"/api/images/{image}", headers=bob),
                     client.post("/api/kernels/explain", json=source, headers=bob),
                     client.post("/api/kernels/apply", data={"image_id": image,
                                                             "kernel": "box_blur_3"},
                                 headers=bob),
                     client.delete(f"/api/images/{image}", headers=bob)):
        assert response.status_code == 404, response.text
        assert "no uploaded image" in response.json()["detail"][0]["msg"]
    with client.websocket_connect("/ws/kernels", headers=bob) as ws:
        ws.send_json({"id": 1, "source": {"image_id": image},
                      "spec": {"steps": [{"kernel": "box_blur_3"}]}})
        assert ws.receive_json()["status"] == 404
    assert client.delete(f"/api/images/{image}", headers=alice).status_code == 204
    assert client.get(f"/api/images/{image}", headers=alice).status_code == 404


def test_private_models_are_invisible_to_others(client: TestClient) -> None:
    alice, bob = session(client), session(client)
    model = private_model(client, alice)
    listed = {m["id"]: m for m in client.get("/api/models", headers=alice).json()["models"]}
    assert listed[model]["yours"]
    assert listed[model]["visibility"] == "private"
    assert not listed[shipped_id()]["yours"]
    assert listed[shipped_id()]["visibility"] == "public"
    assert model not in {m["id"] for m in client.get("/api/models", headers=bob).json()["models"]}
    files = {"file": ("d.png", DIGIT, "image/png")}
    for response in (client.get(f"/api/models/{model}", headers=bob),
                     client.post(f"/api/models/{model}/predict", files=files, headers=bob),
                     client.post(f"/api/models/{model}/predict/batch", headers=bob,
                                 files=[("files", ("d.png", DIGIT, "image/png"))]),
                     client.get(f"/api/models/{model}/export", headers=bob),
                     client.patch(f"/api/models/{model}", json={"name": "x"}, headers=bob),
                     client.post(f"/api/models/{model}/publish", headers=bob),
                     client.delete(f"/api/models/{model}", headers=bob)):
        assert response.status_code == 404, response.text
    assert client.post(f"/api/models/{model}/predict", files=files,
                       headers=alice).status_code == 200
    assert "owner" not in client.get(f"/api/models/{model}", headers=alice).json()["manifest"]


def test_a_published_model_is_read_by_all_and_changed_by_its_owner(client: TestClient) -> None:
    alice, bob = session(client), session(client)
    model = private_model(client, alice)
    published = client.post(f"/api/models/{model}/publish", headers=alice)
    assert published.json()["visibility"] == "public"
    files = {"file": ("d.png", DIGIT, "image/png")}
    assert client.post(f"/api/models/{model}/predict", files=files,
                       headers=bob).status_code == 200
    for response in (client.patch(f"/api/models/{model}", json={"name": "x"}, headers=bob),
                     client.delete(f"/api/models/{model}", headers=bob),
                     client.post(f"/api/models/{model}/publish?public=false", headers=bob)):
        assert response.status_code == 403, response.text
        assert "only its owner" in response.json()["detail"][0]["msg"]
    # the shipped model is nobody's to change
    shipped = client.delete(f"/api/models/{shipped_id()}", headers=alice)
    assert shipped.status_code == 403
    assert client.delete(f"/api/models/{model}", headers=alice).status_code == 204


def test_an_imported_model_belongs_to_the_importer(client: TestClient) -> None:
    alice, bob = session(client), session(client)
    archive = client.get(f"/api/models/{shipped_id()}/export", headers=alice).content
    imported = client.post("/api/models/import", headers=alice,
                           files={"file": ("m.zip", archive, "application/zip")}).json()
    assert imported["yours"]
    assert imported["visibility"] == "private"
    assert client.get(f"/api/models/{imported['id']}", headers=bob).status_code == 404


@pytest.mark.slow
def test_runs_are_private(client: TestClient) -> None:
    alice, bob = session(client), session(client)
    run_id = start(client, alice)
    mine = client.get("/api/runs", headers=alice).json()["runs"]
    assert [r["id"] for r in mine] == [run_id]
    assert mine[0]["yours"]
    assert client.get("/api/runs", headers=bob).json()["runs"] == []
    for response in (client.get(f"/api/runs/{run_id}", headers=bob),
                     client.post(f"/api/runs/{run_id}/stop", headers=bob),
                     client.patch(f"/api/runs/{run_id}", json={"learning_rate": 0.1},
                                  headers=bob)):
        assert response.status_code == 404, response.text
    missing = client.get("/api/runs/run-000000000000", headers=bob).json()["detail"][0]["msg"]
    assert client.get(f"/api/runs/{run_id}", headers=bob).json()["detail"][0]["msg"] == \
        missing.replace("run-000000000000", run_id)  # no difference to probe ids with
    with client.websocket_connect(f"/ws/runs/{run_id}", headers=bob) as ws:
        assert ws.receive_json()["status"] == 404
        with pytest.raises(WebSocketDisconnect) as closed:
            ws.receive_json()
        assert closed.value.code == 4404
    run = wait_for(client, alice, run_id, lambda r: r["status"] == "finished")
    model = run["model_id"]
    assert client.get(f"/api/models/{model}", headers=bob).status_code == 404
    listed = {m["id"]: m for m in client.get("/api/models", headers=alice).json()["models"]}
    assert listed[model]["yours"]
    assert listed[model]["visibility"] == "private"
