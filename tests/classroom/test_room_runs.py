"""A teacher's run broadcast in a room: students watch it (with its history when they join
late), cannot control it, and fork its network, its model or a checkpoint."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from fastapi.testclient import TestClient
from safetensors.torch import load_file

from server.nn.spec import NetworkSpec

from .fixtures import TINY, models_folder, session, start, wait_for

pytestmark = pytest.mark.slow


@pytest.fixture
def client(make_client, tmp_path: Path) -> TestClient:
    return make_client(models_dir=models_folder(tmp_path), max_concurrent_runs=2,
                       stream_interval=0.05, train_threads=1)


def room_with_run(client: TestClient, teacher: dict[str, str], run_id: str,
                  student: dict[str, str]) -> str:
    code = client.post("/api/rooms", json={"title": "t"}, headers=teacher).json()["code"]
    assert client.post(f"/api/rooms/{code}/join", json={"name": "S"},
                       headers=student).status_code == 200
    response = client.put(f"/api/rooms/{code}/broadcast", headers=teacher,
                          json={"kind": "run", "run_id": run_id})
    assert response.status_code == 200, response.text
    return str(code)


def snapshot(client: TestClient, headers: dict[str, str], run_id: str) -> dict:
    with client.websocket_connect(f"/ws/runs/{run_id}", headers=headers) as ws:
        return dict(ws.receive_json())


def weights(models_dir: Path, model_id: str) -> dict[str, torch.Tensor]:
    return load_file(str(models_dir / model_id / "weights.safetensors"))


def test_a_late_student_sees_the_whole_run_and_forks_it(client: TestClient,
                                                         tmp_path: Path) -> None:
    teacher, student, stranger = session(client), session(client), session(client)
    run_id = start(client, teacher)
    run = wait_for(client, teacher, run_id, lambda r: r["status"] == "finished")
    assert client.get(f"/api/runs/{run_id}", headers=student).status_code == 404
    code = room_with_run(client, teacher, run_id, student)
    shown = client.get(f"/api/rooms/{code}", headers=student).json()["broadcast"]
    # the title in English for programs, and its parts for pages in other languages
    assert shown["title"] == f"{run['network']} on {run['dataset']}"
    assert shown["title_parts"] == {"network": run["network"], "dataset": run["dataset"]}
    # late join: the student's snapshot has the same history as the teacher's
    mine, theirs = snapshot(client, teacher, run_id), snapshot(client, student, run_id)
    assert theirs["steps"] == mine["steps"]
    assert theirs["epochs"] == mine["epochs"]
    assert len(theirs["epochs"]) == 1
    assert theirs["run"]["yours"] is False
    assert mine["run"]["yours"] is True
    assert client.get(f"/api/runs/{run_id}", headers=stranger).status_code == 404
    # watching is not controlling
    stop = client.post(f"/api/runs/{run_id}/stop", headers=student)
    assert stop.status_code == 403
    assert "only the session that started it" in stop.json()["detail"][0]["msg"]
    # fork the network: the spec the teacher trained
    network = client.post(f"/api/rooms/{code}/fork", json={"what": "network"}, headers=student)
    assert network.status_code == 201
    assert network.json()["network"] == NetworkSpec.model_validate(TINY).model_dump(mode="json")
    # fork the trained model: an independent private copy
    forked = client.post(f"/api/rooms/{code}/fork", json={"what": "model"}, headers=student)
    assert forked.status_code == 201, forked.text
    copy = forked.json()
    assert copy["train_url"] == f"/training#from={copy['model_id']}"
    assert copy["model_id"] != run["model_id"]
    models_dir = tmp_path / "models"
    original, duplicate = weights(models_dir, run["model_id"]), weights(models_dir,
                                                                        copy["model_id"])
    assert original.keys() == duplicate.keys()
    assert all(torch.equal(original[k], duplicate[k]) for k in original)
    assert client.get(f"/api/models/{copy['model_id']}", headers=teacher).status_code == 404
    listed = {m["id"]: m for m in client.get("/api/models", headers=student).json()["models"]}
    assert listed[copy["model_id"]]["yours"]
    assert listed[run["model_id"]]["yours"] is False  # the teacher's, shared by the room
    assert client.patch(f"/api/models/{copy['model_id']}", json={"name": "mine now"},
                        headers=student).status_code == 200
    assert client.delete(f"/api/models/{copy['model_id']}", headers=student).status_code == 204
    assert client.get(f"/api/models/{run['model_id']}", headers=teacher).status_code == 200
    assert client.delete(f"/api/models/{run['model_id']}", headers=student).status_code == 403
    # closing the room ends the student's view of the run, even on an open socket
    with client.websocket_connect(f"/ws/runs/{run_id}", headers=student) as ws:
        assert ws.receive_json()["type"] == "snapshot"
        client.post(f"/api/rooms/{code}/close", headers=teacher)
        for _ in range(20):  # the frames of the finished run, then the refusal
            message = ws.receive()
            if "text" in message and '"error"' in message["text"]:
                break
        assert json.loads(message["text"])["status"] == 403
    assert client.get(f"/api/runs/{run_id}", headers=student).status_code == 404


def test_a_checkpoint_of_a_live_run_trains_on_from_its_weights(client: TestClient,
                                                               tmp_path: Path) -> None:
    teacher, student = session(client), session(client)
    run_id = start(client, teacher, samples=6000, epochs=3)
    wait_for(client, teacher, run_id, lambda r: r["status"] == "running" and r["step"] > 0)
    assert client.post(f"/api/runs/{run_id}/pause", headers=teacher).status_code == 200
    paused = wait_for(client, teacher, run_id, lambda r: r["status"] == "paused")
    code = room_with_run(client, teacher, run_id, student)
    forked = client.post(f"/api/rooms/{code}/fork", json={"what": "checkpoint"},
                         headers=student)
    assert forked.status_code == 201, forked.text
    model_id = forked.json()["model_id"]
    manifest = client.get(f"/api/models/{model_id}", headers=student).json()["manifest"]
    assert manifest["checkpoint"]["epoch"] == 1
    assert manifest["checkpoint"]["step"] >= paused["step"]
    assert manifest["parent_run"] == run_id
    # the teacher's run is untouched by the fork and still under the teacher's control
    assert client.get(f"/api/runs/{run_id}", headers=teacher).json()["status"] == "paused"
    assert client.post(f"/api/runs/{run_id}/stop", headers=teacher).status_code == 200
    wait_for(client, teacher, run_id, lambda r: r["status"] == "stopped")
    # the student continues from the checkpoint's weights in their own run
    body = {"network": TINY, "dataset": "mnist", "initial_model": model_id,
            "training": {"epochs": 1, "batch_size": 32, "max_train_samples": 300,
                         "validation_split": 0.2}}
    response = client.post("/api/runs", json=body, headers=student)
    assert response.status_code == 201, response.text
    own = wait_for(client, student, response.json()["id"], lambda r: r["status"] in (
        "finished", "failed"))
    assert own["status"] == "finished", own["message"]
    assert own["initial_model"] == model_id
    trained = client.get(f"/api/models/{own['model_id']}", headers=student).json()
    assert trained["manifest"]["initial_model"] == model_id
    # a checkpoint of a run that is over is refused with the way out
    late = client.post(f"/api/rooms/{code}/fork", json={"what": "checkpoint"}, headers=student)
    assert late.status_code == 409
    assert "fork the network" in late.json()["detail"][0]["msg"]


def test_initial_model_must_fit_the_network(client: TestClient) -> None:
    student = session(client)
    shipped = next(m["id"] for m in client.get("/api/models", headers=student).json()["models"])
    body = {"network": TINY, "dataset": "mnist", "initial_model": shipped,
            "training": {"epochs": 1, "max_train_samples": 300}}
    response = client.post("/api/runs", json=body, headers=student)
    assert response.status_code == 422
    detail = response.json()["detail"][0]
    assert detail["loc"] == ["initial_model"]
    assert "different network" in detail["msg"]
    missing = client.post("/api/runs", json={**body, "initial_model": "nope-123"},
                          headers=student)
    assert missing.status_code == 422
    assert "no model 'nope-123'" in missing.json()["detail"][0]["msg"]


def test_a_broadcast_queued_run_starts_before_students_runs(make_client,
                                                            tmp_path: Path) -> None:
    client = make_client(models_dir=models_folder(tmp_path), warm_workers=1,
                         max_concurrent_runs=1, stream_interval=0.05)
    teacher, students = session(client), [session(client) for _ in range(2)]
    blocker = start(client, students[0], epochs=50)
    wait_for(client, students[0], blocker, lambda r: r["status"] == "running")
    waiting = start(client, students[1])
    lesson = start(client, teacher)  # submitted last
    assert wait_for(client, teacher, lesson, lambda r: r["queue"] is not None)[
        "queue"]["position"] == 2
    room_with_run(client, teacher, lesson, students[1])
    first = wait_for(client, teacher, lesson, lambda r: r["queue"] is None or r["queue"][
        "position"] == 1)
    assert first["status"] == "running" or first["queue"]["position"] == 1
    client.post(f"/api/runs/{blocker}/stop", headers=students[0])
    lesson_run = wait_for(client, teacher, lesson, lambda r: r["status"] == "finished")
    other = wait_for(client, students[1], waiting, lambda r: r["status"] == "finished")
    assert lesson_run["started"] < other["started"]
