"""Replay a run (#19): the points a run keeps are planned within its byte budget, stream
live marked with their point and step, are served again byte for byte by the run and by the
model it saved, and any point forks into a model whose weights are those of that step."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import torch
from fastapi.testclient import TestClient
from safetensors.torch import load_file

from server.training.history import candidates, plan
from training.run_helpers import TINY, start, wait_for


def test_the_plan_is_log_spaced_early_then_every_epoch_and_fits_the_budget() -> None:
    assert candidates(20, 3) == [1, 2, 4, 8, 16, 20, 40, 60]
    assert candidates(1, 2) == [1, 2]
    steps = candidates(200, 30)
    for budget in (0, 1000, 5000, 12_345, 10**9):
        kept = plan(steps, 1000, budget)
        assert len(kept) * 1000 <= budget  # within the budget
        assert kept == sorted(set(kept))
        assert set(kept) <= set(steps)
        if kept:
            assert kept[-1] == steps[-1]  # the end of the run is always kept
    assert plan(steps, 1000, 10**9) == steps
    assert plan(steps, 1000, 2000) == [steps[0], steps[-1]]


def events_of(client: TestClient, run_id: str) -> list[dict[str, Any]]:
    """Every event of the run until it ends, binary frames attached as "frame"."""
    events: list[dict[str, Any]] = []
    with client.websocket_connect(f"/ws/runs/{run_id}") as ws:
        assert ws.receive_json()["type"] == "snapshot"
        while not (events and events[-1]["type"] == "status"
                   and events[-1]["status"] in ("finished", "failed", "stopped")):
            message = ws.receive()
            if "text" not in message:
                continue  # a binary frame of the snapshot
            event = json.loads(message["text"])
            if event["type"] in ("activations", "filters"):
                event["frame"] = ws.receive()["bytes"][8:]  # after the CNR1 + seq header
            events.append(event)
    return events


@pytest.fixture
def app_client(tmp_path: Path, make_client: Callable[..., TestClient]) -> TestClient:
    return make_client(models_dir=tmp_path / "models", max_concurrent_runs=1,
                       stream_interval=0.05, train_threads=1, run_history_bytes=2 * 2**20)


@pytest.mark.slow
def test_a_run_s_points_replay_the_live_frames_and_fork_their_weights(
        app_client: TestClient, tmp_path: Path) -> None:
    run_id = start(app_client, epochs=3, max_train_samples=640, batch_size=32)
    events = events_of(app_client, run_id)
    assert events[-1]["status"] == "finished", events[-1]
    # A viewer that falls behind gets the latest frames only (older ones are skipped), so
    # the live points seen are some of the points; the server keeps every one.
    live = [e for e in events if e["type"] == "activations" and e.get("point") is not None]
    steps_per_epoch = 16  # 640 * 0.8 train / 32
    listed = app_client.get(f"/api/runs/{run_id}/history").json()["points"]
    assert [p["step"] for p in listed] == candidates(steps_per_epoch, 3)
    assert [p["epochs_done"] for p in listed] == [0, 0, 0, 0, 1, 2, 3]
    assert live
    assert {e["step"] for e in live} <= {p["step"] for p in listed}
    for event in live:
        point = app_client.get(f"/api/runs/{run_id}/history/{event['point']}").json()
        assert base64.b64decode(point["activations"]["data"]) == event["frame"]
        assert point["activations"]["blocks"] == event["blocks"]
    early = app_client.get(f"/api/runs/{run_id}/history/0").json()
    assert early["evaluation"] is None  # before the first epoch ended
    end = app_client.get(f"/api/runs/{run_id}/history/6").json()
    epochs = [e for e in events if e["type"] == "epoch"]
    assert end["evaluation"]["confusion_matrix"] == epochs[-1]["confusion_matrix"]
    predictions = {e["point"]: e for e in events
                   if e["type"] == "prediction" and e.get("point") is not None}
    for number, event in predictions.items():
        shown = app_client.get(f"/api/runs/{run_id}/history/{number}").json()["prediction"]
        assert shown["probabilities"] == event["probabilities"]
    # The model keeps the same points; its last point's weights are the model's own.
    model_id = next(e for e in events if e["type"] == "model")["model_id"]
    saved = app_client.get(f"/api/models/{model_id}/history").json()["points"]
    assert saved == listed
    again = app_client.get(f"/api/models/{model_id}/history/3").json()
    direct = app_client.get(f"/api/runs/{run_id}/history/3").json()
    assert again["activations"]["data"] == direct["activations"]["data"]
    assert again["filters"]["data"] == direct["filters"]["data"]
    folder = tmp_path / "models" / model_id
    kept_bytes = sum((folder / f).stat().st_size for f in (
        "history.json", "history.bin", "history.safetensors"))
    assert kept_bytes <= 2 * 2**20  # the run's budget (run_history_bytes)
    final = load_file(str(folder / "weights.safetensors"))
    kept = load_file(str(folder / "history.safetensors"))
    for name, tensor in final.items():
        assert torch.equal(kept[f"6/{name}"], tensor)
    first = next(iter(final))
    assert not torch.equal(kept[f"0/{first}"], final[first])  # step 1 is not the end
    # Fork point 1 (step 2): a new model with exactly those weights.
    fork = app_client.post(f"/api/models/{model_id}/history/1/fork")
    assert fork.status_code == 201, fork.text
    forked = load_file(str(tmp_path / "models" / fork.json()["model_id"] /
                           "weights.safetensors"))
    for name, tensor in forked.items():
        assert torch.equal(tensor, kept[f"1/{name}"])
    assert fork.json()["step"] == 2
    shown = app_client.get(f"/api/models/{fork.json()['model_id']}").json()
    assert shown["manifest"]["forked_from"] == model_id
    more = app_client.post("/api/runs", json={
        "network": TINY, "dataset": "mnist", "initial_model": fork.json()["model_id"],
        "training": {"epochs": 1, "max_train_samples": 200}})
    assert more.status_code == 201, more.text


@pytest.mark.slow
def test_points_past_the_end_and_other_sessions_are_refused(
        app_client: TestClient, make_client: Callable[..., TestClient]) -> None:
    run_id = start(app_client, epochs=1, max_train_samples=320)
    run = wait_for(app_client, run_id, lambda r: r["status"] == "finished")
    past = app_client.get(f"/api/runs/{run_id}/history/99")
    assert past.status_code == 404
    assert "its points are 0 to" in past.json()["detail"][0]["msg"]
    assert app_client.get(f"/api/runs/{run_id}/history/-1").status_code == 422
    other = {"Authorization": f"Bearer {app_client.post('/api/sessions').json()['token']}"}
    assert app_client.get(f"/api/runs/{run_id}/history", headers=other).status_code == 404
    model_id = run["model_id"]
    assert app_client.get(f"/api/models/{model_id}/history", headers=other).status_code == 404
    fork = app_client.post(f"/api/models/{model_id}/history/0/fork", headers=other)
    assert fork.status_code == 404
    assert app_client.post(f"/api/models/{model_id}/history/50/fork").status_code == 404


def test_a_budget_of_zero_keeps_no_history(tmp_path: Path,
                                           make_client: Callable[..., TestClient]) -> None:
    client = make_client(models_dir=tmp_path / "models", max_concurrent_runs=1,
                         train_threads=1, run_history_bytes=0)
    run_id = start(client, epochs=1, max_train_samples=200)
    run = wait_for(client, run_id, lambda r: r["status"] == "finished")
    assert client.get(f"/api/runs/{run_id}/history").json()["points"] == []
    missing = client.get(f"/api/models/{run['model_id']}/history")
    assert missing.status_code == 404
    assert "no replay history" in missing.json()["detail"][0]["msg"]


@pytest.mark.slow
def test_a_point_of_a_run_still_training_forks_to_the_weights_it_had_then(
        app_client: TestClient, tmp_path: Path) -> None:
    # long enough that the pause lands while it trains (4 epochs could end between the
    # poll that saw step 3 and the pause, and the run would answer from its saved model)
    run_id = start(app_client, epochs=20, max_train_samples=640, batch_size=32)
    wait_for(app_client, run_id, lambda r: r["step"] >= 3)
    assert app_client.post(f"/api/runs/{run_id}/pause").status_code == 200
    points = app_client.get(f"/api/runs/{run_id}/history").json()["points"]
    assert len(points) >= 2
    fork = app_client.post(f"/api/runs/{run_id}/history/1/fork")
    assert fork.status_code == 201, fork.text
    assert fork.json()["step"] == 2
    not_yet = app_client.post(f"/api/runs/{run_id}/history/60/fork")
    assert not_yet.status_code == 409
    assert "point 60 is not kept by this run yet" in not_yet.json()["detail"][0]["msg"]
    assert app_client.post(f"/api/runs/{run_id}/resume").status_code == 200
    run = wait_for(app_client, run_id, lambda r: r["status"] == "finished")
    kept = load_file(str(tmp_path / "models" / run["model_id"] / "history.safetensors"))
    forked = load_file(str(tmp_path / "models" / fork.json()["model_id"] /
                           "weights.safetensors"))
    for name, tensor in forked.items():
        assert torch.equal(tensor, kept[f"1/{name}"])  # the weights at step 2, not now
    shown = app_client.get(f"/api/models/{fork.json()['model_id']}").json()
    assert shown["manifest"]["checkpoint"]["step"] == 2
    again = app_client.post(f"/api/runs/{run_id}/history/1/fork")  # now from its model
    assert again.status_code == 201, again.text
